import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { ContainerRuntime } from '@ofg/contracts';
import { HealthRegistry } from '@ofg/observability';
import { CONTAINER_RUNTIME } from '../runtime/container-runtime.token';

/** What the Postgres check needs from the data source (TypeORM stays inside libs/data-access). */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

export const SQL_RUNNER = Symbol('SQL_RUNNER');
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Postgres, Redis and Docker: readiness checks, and the gate the worker waits behind at boot. */
@Injectable()
export class InvokerHealth implements OnModuleInit {
  private readonly checks: Record<string, () => Promise<void>>;

  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Inject(SQL_RUNNER) db: SqlRunner,
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(CONTAINER_RUNTIME) runtime: ContainerRuntime,
  ) {
    this.checks = {
      postgres: async () => {
        await db.query('SELECT 1');
      },
      redis: async () => {
        const pong = await redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
      },
      docker: () => runtime.ping(),
    };
  }

  onModuleInit(): void {
    for (const [name, check] of Object.entries(this.checks)) this.registry.register(name, check);
  }

  /** Names and reasons of the dependencies that fail right now. */
  async failing(timeoutMs = 3000): Promise<Record<string, string>> {
    const result = await this.registry.run(timeoutMs);
    return Object.fromEntries(
      Object.entries(result.checks)
        .filter(([name, c]) => name in this.checks && c.status === 'down')
        .map(([name, c]) => [name, c.error ?? 'down']),
    );
  }
}
