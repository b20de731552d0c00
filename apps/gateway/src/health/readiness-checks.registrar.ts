import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DatabasePing } from '@ofg/data-access';
import { HealthRegistry } from '@ofg/observability';
import { createRedisConnection } from '@ofg/queue';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';

/** Registers the gateway's readiness checks: Postgres (SELECT 1) and Redis (PING). */
@Injectable()
export class ReadinessChecksRegistrar implements OnModuleInit, OnApplicationShutdown {
  private redis?: ReturnType<typeof createRedisConnection>;

  constructor(
    private readonly health: HealthRegistry,
    private readonly database: DatabasePing,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    this.health.register('postgres', () => this.database.ping());
    const redis = createRedisConnection(this.config.redisUrl, 'producer');
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
