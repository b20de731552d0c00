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

  /** Runs the checks (or only those named) in parallel, each bounded by `timeoutMs`. */
  async run(
    timeoutMs = 3000,
    only?: readonly string[],
  ): Promise<{ ok: boolean; checks: Record<string, { status: 'up' | 'down'; error?: string }> }> {
    const results: Record<string, { status: 'up' | 'down'; error?: string }> = {};
    const selected = [...this.checks].filter(([name]) => !only || only.includes(name));
    await Promise.all(
      selected.map(async ([name, check]) => {
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

  /** `name: reason` of each named check that fails right now; empty when all pass (boot gates wait on this). */
  async failing(names: readonly string[], timeoutMs = 3000): Promise<string[]> {
    const { checks } = await this.run(timeoutMs, names);
    return Object.entries(checks)
      .filter(([, c]) => c.status === 'down')
      .map(([name, c]) => `${name}: ${c.error ?? 'down'}`);
  }
}
