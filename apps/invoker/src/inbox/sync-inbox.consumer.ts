import type Redis from 'ioredis';
import {
  decodeInboxEntry,
  InvocationJob,
  invokerInboxKey,
  SYNC_INBOX_KEYS,
  syncAffinityKey,
} from '@ofg/contracts';
import { handOverInbox, readLiveInvokers } from '@ofg/queue';
import type { SyncHomes } from './sync-homes';

/** Takes the oldest jobs that waited at least ARGV[2] ms in the peers' inboxes (KEYS), up to ARGV[3] of them. */
const STEAL_SCRIPT = `
local stolen = {}
local limit = tonumber(ARGV[3])
local newest = tonumber(ARGV[1]) - tonumber(ARGV[2])
for i = 1, #KEYS do
  while #stolen < limit do
    local entry = redis.call('LINDEX', KEYS[i], -1)
    if not entry then break end
    local at = tonumber(string.match(entry, '^(%d+):'))
    if at and at > newest then break end
    redis.call('RPOP', KEYS[i])
    stolen[#stolen + 1] = entry
  end
  if #stolen >= limit then break end
end
return stolen`;

export type InboxSource = 'own' | 'shared' | 'stolen';

export interface SyncInboxOptions {
  invokerId: string;
  /** Inbox jobs this invoker runs at once. */
  capacity: number;
  /** A job older than this in a peer's inbox may be taken by an invoker with free capacity. */
  stealAfterMs: number;
  /** How long one blocking pop waits; also how often an idle invoker looks for jobs to steal. */
  pollMs?: number;
  /** How often the live peers are read. */
  peersRefreshMs?: number;
  /** Most jobs stolen in one go, so a briefly busy home does not lose its whole queue to cold starts elsewhere. */
  stealBatch?: number;
}

export interface SyncInboxHooks {
  serve: (job: InvocationJob) => Promise<void>;
  taken?: (source: InboxSource) => void;
  warn?: (msg: string, fields: Record<string, unknown>) => void;
}

/** Longer than a gateway may route with a live-invoker set read before a peer left (twice its 1 s refresh). */
const RESCUE_AGAIN_MS = 2500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The invoker's side of the sync fast path: pops its own inbox first, then the shared one, with at most `capacity`
 * jobs in flight, and while it has room steals jobs that waited past `stealAfterMs` in a peer's inbox (a home that is
 * saturated, paused or frozen). On stop it hands the jobs still in its inbox to the shared one.
 */
export class SyncInboxConsumer {
  private running = false;
  private paused = false;
  private inFlightCount = 0;
  private loop: Promise<void> | undefined;
  private changed: (() => void) | undefined;
  private peers: string[] = [];
  private peersReadAt = 0;
  private lastSteal = 0;
  private readonly ownKey: string;

  constructor(
    private readonly blocking: Redis,
    private readonly redis: Redis,
    private readonly homes: Pick<SyncHomes, 'refresh'>,
    private readonly hooks: SyncInboxHooks,
    private readonly options: SyncInboxOptions,
  ) {
    this.ownKey = invokerInboxKey(options.invokerId);
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  private get pollMs(): number {
    return this.options.pollMs ?? 50;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking jobs (the container engine is down); peers steal what waits in this inbox meanwhile. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.changed?.();
  }

  /** Stops taking jobs, hands the queued ones over, and waits for those in flight; false if `drainMs` passed first. */
  async stop(drainMs: number): Promise<boolean> {
    if (!this.running) return true;
    this.running = false;
    this.changed?.();
    // A pop blocked on an unreachable Redis never returns by itself.
    if (!(await settlesWithin(this.loop, this.pollMs * 4 + 1000))) this.blocking.disconnect();
    await handOverInbox(this.redis, this.ownKey).catch((err: unknown) =>
      this.hooks.warn?.('could not hand the sync inbox over', { err: String(err) }),
    );
    const deadline = Date.now() + drainMs;
    while (this.inFlightCount > 0 && Date.now() < deadline) await sleep(20);
    this.blocking.disconnect();
    return this.inFlightCount === 0;
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      const free = this.options.capacity - this.inFlightCount;
      if (this.paused || free <= 0) {
        await this.nextChange(this.pollMs);
        continue;
      }
      try {
        const popped = await this.blocking.blmpop(
          this.pollMs / 1000,
          2,
          this.ownKey,
          SYNC_INBOX_KEYS.shared,
          'RIGHT',
          'COUNT',
          free,
        );
        if (popped) {
          const source: InboxSource = popped[0] === this.ownKey ? 'own' : 'shared';
          // A pop that was already waiting when stop() or pause() began still delivers: those jobs go back, oldest
          // end first.
          if (!this.running || this.paused) await this.redis.rpush(popped[0], ...popped[1].reverse());
          else for (const entry of popped[1]) this.dispatch(entry, source);
        }
        if (Date.now() - this.lastSteal >= this.pollMs) await this.steal();
        backoffMs = 100;
      } catch (err) {
        if (!this.running) break;
        this.hooks.warn?.('sync inbox unavailable, retrying', { err: String(err), retryInMs: backoffMs });
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 2000);
      }
    }
  }

  private async steal(): Promise<void> {
    this.lastSteal = Date.now();
    const peers = (await this.livePeers()).map(invokerInboxKey);
    const free = this.options.capacity - this.inFlightCount;
    if (!this.running || this.paused || free <= 0) return;
    if (peers.length === 0) return;
    const stolen = (await this.redis.eval(
      STEAL_SCRIPT,
      peers.length,
      ...peers,
      Date.now(),
      this.options.stealAfterMs,
      Math.min(free, this.options.stealBatch ?? 8),
    )) as string[];
    for (const entry of stolen) this.dispatch(entry, 'stolen');
  }

  private async livePeers(): Promise<string[]> {
    if (Date.now() - this.peersReadAt >= (this.options.peersRefreshMs ?? 1000)) {
      this.peersReadAt = Date.now();
      const previous = this.peers;
      this.peers = (await readLiveInvokers(this.redis)).filter((id) => id !== this.options.invokerId);
      for (const gone of previous.filter((id) => !this.peers.includes(id))) this.rescueInboxOf(gone);
    }
    return this.peers;
  }

  /**
   * A peer that left (or whose heartbeat expired) gets no new jobs once gateways re-read the live invokers, within
   * about a second; what reached its inbox before that is handed to the shared inbox now and once more after that.
   */
  private rescueInboxOf(invokerId: string): void {
    const handOver = (): void =>
      void handOverInbox(this.redis, invokerInboxKey(invokerId))
        .then((moved) => {
          if (moved > 0)
            this.hooks.warn?.("moved a departed invoker's sync jobs to the shared inbox", {
              invokerId,
              moved,
            });
        })
        .catch(() => undefined);
    handOver();
    setTimeout(handOver, RESCUE_AGAIN_MS).unref();
  }

  private dispatch(entry: string, source: InboxSource): void {
    // Stolen after stop() began: back to the shared inbox for a live invoker.
    if (!this.running) {
      void this.redis.rpush(SYNC_INBOX_KEYS.shared, entry).catch(() => undefined);
      return;
    }
    let job: InvocationJob;
    try {
      job = decodeInboxEntry(entry);
    } catch (err) {
      this.hooks.warn?.('dropped an unreadable sync inbox entry', { source, err: String(err) });
      return;
    }
    if (source === 'own') this.homes.refresh(syncAffinityKey(job.function));
    this.hooks.taken?.(source);
    this.inFlightCount += 1;
    void this.hooks
      .serve(job)
      .catch((err: unknown) =>
        this.hooks.warn?.('a sync inbox job failed', { requestId: job.requestId, err: String(err) }),
      )
      .finally(() => {
        this.inFlightCount -= 1;
        this.changed?.();
      });
  }

  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.changed === done) this.changed = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.changed = done;
    });
  }
}

async function settlesWithin(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
