import { Injectable } from '@nestjs/common';

/** A readiness dependency: resolves when healthy, rejects with the reason otherwise. */
export type HealthCheck = () => Promise<void>;

/** Readiness checks registered by each app (Postgres, Redis, Docker, workers). Liveness checks nothing external. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 3000): Promise<{ ok: boolean; checks: Record<string, { status: 'up' | 'down'; error?: string }> }> {
    const results: Record<string, { status: 'up' | 'down'; error?: string }> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          results[name] = { status: 'up' };
        } catch (err) {
          results[name] = { status: 'down', error: err instanceof Error ? err.message : String(err) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: Object.values(results).every((r) => r.status === 'up'), checks: results };
  }
}
