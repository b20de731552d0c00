import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ContainerHandle, ContainerRuntime, RUNTIMES } from '@ofg/contracts';
import { MemoryBudget } from './memory-budget';

/** A runtime family and a memory size to keep generic containers of. */
export interface PrewarmProfile {
  family: string;
  memoryMb: number;
}

export interface PrewarmOptions {
  /** Containers kept ready per profile; 0 disables prewarming. */
  size: number;
  profiles: PrewarmProfile[];
  /** A (runtime, memory) that started cold within this window is kept prewarmed too; 0: configured profiles only. */
  recentMs: number;
  /** At most this many recently used profiles are kept besides the configured ones. */
  maxRecentProfiles?: number;
}

export const DEFAULT_PREWARM_OPTIONS: PrewarmOptions = {
  size: 1,
  profiles: [
    { family: 'nodejs', memoryMb: 128 },
    { family: 'python', memoryMb: 128 },
  ],
  recentMs: 10 * 60_000,
  maxRecentProfiles: 8,
};

/** `nodejs:128,python:256` → profiles; throws on anything else. */
export function parsePrewarmProfiles(text: string): PrewarmProfile[] {
  const families = new Set<string>(Object.values(RUNTIMES));
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = /^([a-z-]+):(\d+)$/.exec(part);
      if (!match || !families.has(match[1]) || Number(match[2]) < 1)
        throw new Error(`"${part}" is not <runtime family>:<memory MB>, e.g. nodejs:128`);
      return { family: match[1], memoryMb: Number(match[2]) };
    });
}

/** What the prewarm pool needs from the instance pool that owns it. */
export interface PrewarmHost {
  invokerId: string;
  runtime: Pick<ContainerRuntime, 'remove'>;
  budget: MemoryBudget;
  /** Starts a generic container (no project, function or code) of the image and memory size. */
  startContainer(name: string, image: string, memoryMb: number): Promise<ContainerHandle>;
  /** Resolves once the bootstrap in the container answers; rejects when it does not in time. */
  waitReady(handle: ContainerHandle): Promise<void>;
  /** Memory was freed: requests waiting for memory may retry. */
  changed(): void;
  now(): number;
}

/** One generic container; once taken it belongs to the instance that specializes it and never comes back. */
export class PrewarmContainer {
  state: 'starting' | 'ready' = 'starting';
  handle: ContainerHandle | undefined;
  /** Resolves with the container once its bootstrap answers. */
  ready!: Promise<ContainerHandle>;
  /** Its memory and container now belong to an instance. */
  taken = false;
  /** Removed from the pool (evicted, profile dropped, shutdown) before or after it became ready. */
  discarded = false;
  memoryReleased = false;

  constructor(
    readonly id: string,
    readonly image: string,
    readonly memoryMb: number,
    readonly createdAt: number,
  ) {}

  get profileKey(): string {
    return profileKey(this.image, this.memoryMb);
  }
}

function profileKey(image: string, memoryMb: number): string {
  return `${image}|${memoryMb}`;
}

interface ResolvedProfile {
  image: string;
  memoryMb: number;
}

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

/**
 * Generic runtime containers per (image, memory size), started ahead of demand so a cold start only sends code and
 * runs /init. They count against the memory budget but never evict anything to be started.
 */
export class PrewarmPool {
  private readonly logger = new Logger(PrewarmPool.name);
  private readonly containers = new Map<string, PrewarmContainer>();
  private readonly configured = new Map<string, ResolvedProfile>();
  private readonly recent = new Map<string, ResolvedProfile & { lastUsedAt: number }>();
  private readonly backoff = new Map<string, { failures: number; retryAt: number }>();
  private readonly images: Set<string>;
  private enabled = false;
  private closed = false;

  constructor(
    private readonly host: PrewarmHost,
    private readonly options: PrewarmOptions,
    runtimeImages: Record<string, string>,
  ) {
    this.images = new Set(Object.values(runtimeImages));
    for (const p of options.profiles) {
      const image = runtimeImages[p.family];
      if (!image) {
        this.logger.warn({ msg: 'no image for a prewarm profile; skipped', family: p.family });
        continue;
      }
      this.configured.set(profileKey(image, p.memoryMb), { image, memoryMb: p.memoryMb });
    }
  }

  /** Starts filling (once the engine is prepared and old containers are swept). */
  enable(): void {
    this.enabled = true;
    this.refill();
  }

  /** A container of the profile for an instance, ready or still starting; it leaves the pool for good. */
  take(image: string, memoryMb: number): PrewarmContainer | undefined {
    const key = profileKey(image, memoryMb);
    const candidates = [...this.containers.values()].filter((c) => c.profileKey === key && !c.discarded);
    const container = candidates.find((c) => c.state === 'ready') ?? candidates[0];
    if (!container) return undefined;
    container.taken = true;
    this.containers.delete(container.id);
    return container;
  }

  /** A start of this (image, memory) happened: keep it prewarmed for a while, if it is a runtime image. */
  noteStart(image: string, memoryMb: number): void {
    if (this.options.size <= 0 || this.options.recentMs <= 0 || !this.images.has(image)) return;
    const key = profileKey(image, memoryMb);
    if (this.configured.has(key)) return;
    this.recent.delete(key);
    this.recent.set(key, { image, memoryMb, lastUsedAt: this.host.now() });
    const max = this.options.maxRecentProfiles ?? 8;
    // Map order is insertion order: the first entries are the least recently used.
    while (this.recent.size > max) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Starts containers for profiles below their size, as long as the budget has room. */
  refill(): void {
    if (!this.enabled || this.closed || this.options.size <= 0) return;
    const now = this.host.now();
    for (const [key, profile] of this.activeProfiles()) {
      const retry = this.backoff.get(key);
      if (retry && retry.retryAt > now) continue;
      let have = [...this.containers.values()].filter((c) => c.profileKey === key).length;
      while (have < this.options.size && this.host.budget.fits(profile.memoryMb)) {
        this.launch(profile, key);
        have += 1;
      }
    }
  }

  /** Idle ready containers, oldest first (they go before any instance when memory is short). */
  evictable(): PrewarmContainer[] {
    return [...this.containers.values()]
      .filter((c) => c.state === 'ready' && !c.discarded)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Removes a container of the pool and frees its memory. */
  async discard(container: PrewarmContainer, reason: string): Promise<void> {
    if (container.taken || container.discarded) return;
    container.discarded = true;
    this.containers.delete(container.id);
    // A container still starting is removed by its own start once the handle exists.
    if (container.handle) await this.removeContainer(container, reason);
    this.releaseMemory(container);
  }

  /** Drops containers of profiles no longer used, then refills. */
  async maintain(): Promise<void> {
    const now = this.host.now();
    for (const [key, p] of this.recent)
      if (now - p.lastUsedAt > this.options.recentMs) this.recent.delete(key);
    const active = new Set(this.activeProfiles().map(([key]) => key));
    await Promise.all(
      [...this.containers.values()]
        .filter((c) => c.state === 'ready' && !active.has(c.profileKey))
        .map((c) => this.discard(c, 'prewarm profile no longer used')),
    );
    this.refill();
  }

  containerIds(): string[] {
    return [...this.containers.values()].map((c) => c.handle?.id).filter((id): id is string => !!id);
  }

  counts(): { starting: number; ready: number } {
    let starting = 0;
    let ready = 0;
    for (const c of this.containers.values()) {
      if (c.state === 'ready') ready += 1;
      else starting += 1;
    }
    return { starting, ready };
  }

  /** Profiles kept now (configured and recently used), for logs and tests. */
  profiles(): { image: string; memoryMb: number }[] {
    return this.activeProfiles().map(([, p]) => ({ image: p.image, memoryMb: p.memoryMb }));
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.containers.values()].map((c) => this.discard(c, 'invoker shutdown')));
  }

  private activeProfiles(): [string, ResolvedProfile][] {
    const now = this.host.now();
    const recent = [...this.recent].filter(([, p]) => now - p.lastUsedAt <= this.options.recentMs);
    return [...this.configured, ...recent];
  }

  private launch(profile: ResolvedProfile, key: string): void {
    const container = new PrewarmContainer(
      randomBytes(6).toString('hex'),
      profile.image,
      profile.memoryMb,
      this.host.now(),
    );
    this.host.budget.commit(profile.memoryMb);
    this.containers.set(container.id, container);
    const started = this.host.now();
    container.ready = (async () => {
      const handle = await this.host.startContainer(
        `ofg-${this.host.invokerId}-pw-${container.id}`,
        profile.image,
        profile.memoryMb,
      );
      container.handle = handle;
      if (container.discarded) throw new Error('prewarmed container discarded while starting');
      await this.host.waitReady(handle);
      container.state = 'ready';
      this.backoff.delete(key);
      this.logger.log({
        msg: 'prewarmed container ready',
        container: handle.id,
        image: profile.image,
        memoryMb: profile.memoryMb,
        tookMs: this.host.now() - started,
      });
      return handle;
    })();
    container.ready.catch((err: unknown) => this.startFailed(container, key, err));
  }

  private startFailed(container: PrewarmContainer, key: string, err: unknown): void {
    this.containers.delete(container.id);
    if (!container.discarded) {
      const failures = (this.backoff.get(key)?.failures ?? 0) + 1;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (failures - 1));
      this.backoff.set(key, { failures, retryAt: this.host.now() + delay });
      this.logger.warn({
        msg: 'prewarmed container did not start',
        image: container.image,
        retryInMs: delay,
        err: String(err),
      });
    }
    void (async () => {
      if (container.handle) await this.removeContainer(container, 'prewarmed start failed');
      // A taken container's memory belongs to its instance, which frees it.
      this.releaseMemory(container);
    })();
  }

  private async removeContainer(container: PrewarmContainer, reason: string): Promise<void> {
    if (!container.handle) return;
    this.logger.log({ msg: 'removing prewarmed container', container: container.handle.id, reason });
    try {
      await this.host.runtime.remove(container.handle.id);
    } catch (err) {
      this.logger.warn({ msg: 'container removal failed', container: container.handle.id, err: String(err) });
    }
  }

  private releaseMemory(container: PrewarmContainer): void {
    if (container.taken || container.memoryReleased) return;
    container.memoryReleased = true;
    this.host.budget.free(container.memoryMb);
    this.host.changed();
  }
}
