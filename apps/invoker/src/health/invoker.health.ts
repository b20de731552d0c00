import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { ContainerRuntime } from '@ofg/contracts';
import { DatabasePing } from '@ofg/data-access';
import { HealthRegistry } from '@ofg/observability';
import { CONTAINER_RUNTIME } from '../runtime/container-runtime.token';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Postgres, Redis and Docker: readiness checks, and the gate the worker waits behind at boot. */
@Injectable()
export class InvokerHealth implements OnModuleInit {
  private readonly checks: Record<string, () => Promise<void>>;

  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Inject(DatabasePing) database: DatabasePing,
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(CONTAINER_RUNTIME) runtime: ContainerRuntime,
  ) {
    this.checks = {
      postgres: () => database.ping(),
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

  /** Why the container engine fails right now, or undefined when it answers. */
  async engineFailing(timeoutMs = 3000): Promise<string | undefined> {
    const [failing] = await this.registry.failing(['docker'], timeoutMs);
    return failing;
  }

  /** Names and reasons of the dependencies that fail right now. */
  failing(timeoutMs = 3000): Promise<string[]> {
    return this.registry.failing(Object.keys(this.checks), timeoutMs);
  }
}
