import type { ResolvedFunction } from './resolved-function';

/**
 * Function lookups for the invocation hot path, keyed by (project, URN as written), with what the URN's qualifier
 * names. Entries are evicted on every change this gateway makes (code, config, versions, aliases) and on
 * `function.changed` control events from other replicas; the TTL bounds how long a missed event can keep a stale
 * entry.
 */
export class FunctionLookupCache {
  private readonly entries = new Map<string, { value: ResolvedFunction; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(
    projectId: string,
    urn: string,
    load: () => Promise<ResolvedFunction>,
  ): Promise<ResolvedFunction> {
    if (this.ttlMs <= 0) return load();
    const key = `${projectId}\n${urn}`;
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    return value;
  }

  /** Drops every entry of the function, whatever URN spelling or qualifier cached it. */
  evictFunction(functionId: string): void {
    for (const [key, entry] of this.entries) if (entry.value.fn.id === functionId) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
