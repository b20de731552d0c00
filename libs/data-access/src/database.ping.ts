import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Readiness probe of PostgreSQL for every app, so none of them needs TypeORM's DataSource. */
@Injectable()
export class DatabasePing {
  constructor(private readonly ds: DataSource) {}

  async ping(): Promise<void> {
    await this.ds.query('SELECT 1');
  }
}
