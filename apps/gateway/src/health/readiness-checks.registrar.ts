import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { HealthRegistry } from '@ofg/observability';
import { createRedisConnection } from '@ofg/queue';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';

/** The part of TypeORM's DataSource a readiness probe needs (apps may not import typeorm). */
interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

/** Registers the gateway's readiness checks: Postgres (SELECT 1) and Redis (PING). */
@Injectable()
export class ReadinessChecksRegistrar implements OnModuleInit, OnApplicationShutdown {
  private redis?: ReturnType<typeof createRedisConnection>;

  constructor(
    private readonly health: HealthRegistry,
    private readonly moduleRef: ModuleRef,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    const db = this.moduleRef.get<SqlRunner>(getDataSourceToken(), { strict: false });
    this.health.register('postgres', async () => {
      await db.query('SELECT 1');
    });
    const redis = createRedisConnection(this.config.redisUrl, 'producer');
    // ioredis reconnects by itself; errors surface through the probe, not as unhandled events.
    redis.on('error', () => undefined);
    this.redis = redis;
    this.health.register('redis', async () => {
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
