import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HealthCheck, HealthRegistry } from '@ofg/observability';
import { TimerQueue } from '../timers/timer.queue';

/** The slice of TypeORM's DataSource a ping needs; typed structurally so only data-access imports typeorm. */
interface SqlPinger {
  query(sql: string): Promise<unknown>;
}

/** Postgres and Redis readiness, registered for /health/ready and awaited before the timer worker starts. */
@Injectable()
export class DependencyHealthService implements OnModuleInit {
  readonly checks: Record<'postgres' | 'redis', HealthCheck>;

  constructor(
    private readonly registry: HealthRegistry,
    @InjectDataSource() db: SqlPinger,
    @Inject(TimerQueue) queue: TimerQueue,
  ) {
    this.checks = {
      postgres: async () => {
        await db.query('SELECT 1');
      },
      redis: async () => {
        await queue.ping();
      },
    };
  }

  onModuleInit(): void {
    for (const [name, check] of Object.entries(this.checks)) this.registry.register(name, check);
  }

  /** The names of the dependencies that are down right now (empty when all pass). */
  async failing(timeoutMs = 3000): Promise<string[]> {
    const results = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return undefined;
        } catch (err) {
          return `${name}: ${err instanceof Error ? err.message : String(err)}`;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return results.filter((r): r is string => r !== undefined);
  }
}
