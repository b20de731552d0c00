import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DatabasePing } from '@ofg/data-access';
import { HealthCheck, HealthRegistry } from '@ofg/observability';
import { TimerQueue } from '../timers/timer.queue';

/** Postgres and Redis readiness, registered for /health/ready and awaited before the timer worker starts. */
@Injectable()
export class DependencyHealthService implements OnModuleInit {
  readonly checks: Record<'postgres' | 'redis', HealthCheck>;

  constructor(
    private readonly registry: HealthRegistry,
    @Inject(DatabasePing) database: DatabasePing,
    @Inject(TimerQueue) queue: TimerQueue,
  ) {
    this.checks = {
      postgres: () => database.ping(),
      redis: async () => {
        await queue.ping();
      },
    };
  }

  onModuleInit(): void {
    for (const [name, check] of Object.entries(this.checks)) this.registry.register(name, check);
  }

  /** `name: reason` of the dependencies that are down right now (empty when all pass). */
  failing(timeoutMs = 3000): Promise<string[]> {
    return this.registry.failing(Object.keys(this.checks), timeoutMs);
  }
}
