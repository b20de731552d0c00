import { Logger } from '@nestjs/common';
import type { StreamSourceType } from '@ofg/contracts';
import type Redis from 'ioredis';
import { Backoff, sleep, withDeadline } from '../backoff';
import { SourceBinding, SourceConsumer } from '../event-source.port';
import { failureReason, SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { entryHop, StreamEntry, streamEntries } from '../dis/dis-event.mapper';

/** The stream, group and batching of a trigger consuming a Redis Stream. */
export interface StreamGroupConfig {
  /** The Redis key of the stream. */
  streamKey: string;
  group: string;
  /** Where a new group starts: `0` (the whole stream) or `$` (new entries only). */
  startId: '0' | '$';
  batchSize: number;
  pollingIntervalMs: number;
}

export interface StreamGroupDeps {
  /** A new connection of the consumer's own (its blocking reads hold it). */
  connect(): Redis;
  delivery: Pick<SourceInvocationService, 'deliver'>;
  metrics: SourceMetrics;
  /** This replica's name in the group. */
  consumerName: string;
  /** Pending entries idle this long are claimed from their consumer. */
  claimIdleMs: number;
  lagIntervalMs?: number;
  /** How long stop() waits for a batch being invoked before it lets go (the entries stay pending). */
  stopTimeoutMs?: number;
}

export type LiveEntry = StreamEntry & { fields: Map<string, Buffer> };

/** What a source type makes of the entries it reads. */
export interface StreamGroupHandler {
  source: StreamSourceType;
  /** The invocations of a read batch, each a list of entries; entries in none are acknowledged unread (filtered out). */
  batches(entries: LiveEntry[]): LiveEntry[][];
  /** The event of one invocation; `hop` is the invocation's hop count. */
  event(entries: LiveEntry[], hop: number): unknown;
}

const MAX_CLAIM_ROUNDS = 100;
/** Consumers of a group with nothing pending and idle this long are removed (a restarted replica has a new name). */
const STALE_CONSUMER_MS = 3_600_000;

const isNoGroup = (err: unknown): boolean => err instanceof Error && err.message.startsWith('NOGROUP');

/**
 * The consumer of one Redis Stream trigger (DIS, SMN, CTS, LTS) in this replica: XREADGROUP batches of its group,
 * invocations as the handler splits them, XACK of each once it was accepted. Entries another consumer left pending
 * longer than the claim threshold (a dead replica) are taken over with XAUTOCLAIM; entries of a batch being retried
 * are re-claimed by this consumer so nobody takes them over.
 */
export class RedisStreamGroupConsumer implements SourceConsumer {
  private readonly logger = new Logger(RedisStreamGroupConsumer.name);
  private readonly abort = new AbortController();
  private readonly loopBackoff = new Backoff(500, 30_000);
  private readonly blockMs: number;
  private readonly lagIntervalMs: number;
  private redis?: Redis;
  private loop?: Promise<void>;
  private blocking = false;
  private groupReady = false;
  private lastClaimAt = 0;
  private lastLagAt = 0;

  constructor(
    private readonly binding: SourceBinding<StreamGroupConfig>,
    private readonly deps: StreamGroupDeps,
    private readonly handler: StreamGroupHandler,
  ) {
    const { pollingIntervalMs } = binding.config;
    // A read waits at most the polling interval, and returns early enough for the next claim round.
    this.blockMs = Math.max(100, Math.min(pollingIntervalMs, Math.floor(deps.claimIdleMs / 2)));
    this.lagIntervalMs = deps.lagIntervalMs ?? 5000;
  }

  start(): void {
    const redis = this.deps.connect();
    redis.on('error', (err: Error) =>
      this.logger.debug({ err: err.message }, 'stream consumer connection error'),
    );
    this.redis = redis;
    this.loop = this.run(redis);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    // A blocking read only ends with its connection; anything else finishes its step (an ack) first.
    const redis = this.redis;
    const closing = redis && this.blocking ? closeConnection(redis) : undefined;
    await withDeadline(this.loop, this.deps.stopTimeoutMs ?? 10_000);
    if (redis) await (closing ?? closeConnection(redis));
    this.deps.metrics.lag(this.handler.source, this.binding.trigger.id, undefined);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private get config(): StreamGroupConfig {
    return this.binding.config;
  }

  private async run(redis: Redis): Promise<void> {
    let ownPendingRead = false;
    while (!this.stopped) {
      try {
        await this.ensureGroup(redis);
        // Entries this consumer name was given before a restart come back first.
        if (!ownPendingRead) ownPendingRead = await this.readOwnPending(redis);
        await this.claimIdleIfDue(redis);
        await this.updateLagIfDue(redis);
        const entries = await this.read(redis, '>', this.blockMs);
        if (entries.length) await this.process(redis, entries);
        this.loopBackoff.reset();
      } catch (err) {
        if (this.stopped) break;
        if (isNoGroup(err)) {
          // The stream or its group was deleted under us: recreate it from the trigger's start position.
          this.groupReady = false;
          ownPendingRead = false;
          continue;
        }
        this.deps.metrics.failed(this.handler.source, 'broker');
        const delay = this.loopBackoff.next();
        this.logger.warn(
          { triggerId: this.binding.trigger.id, stream: this.config.streamKey, err, retryInMs: delay },
          'stream trigger consumer cannot read its stream; retrying',
        );
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private async ensureGroup(redis: Redis): Promise<void> {
    if (this.groupReady) return;
    try {
      await redis.xgroup('CREATE', this.config.streamKey, this.config.group, this.config.startId, 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
    this.groupReady = true;
  }

  /** Re-delivers what this consumer name holds already (after a restart under the same name); true when done. */
  private async readOwnPending(redis: Redis): Promise<boolean> {
    let after = '0';
    while (!this.stopped) {
      const entries = await this.read(redis, after, undefined);
      if (entries.length === 0) return true;
      if (!(await this.process(redis, entries))) return false;
      after = entries[entries.length - 1].id;
    }
    return false;
  }

  private async read(redis: Redis, id: string, blockMs: number | undefined): Promise<StreamEntry[]> {
    const { streamKey, group, batchSize } = this.config;
    const args: (string | number)[] = ['GROUP', group, this.deps.consumerName, 'COUNT', batchSize];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', streamKey, id);
    // Checked in the same tick as the flag is set, so stop() either sees the read blocking or the read sees stop().
    if (this.stopped) return [];
    this.blocking = blockMs !== undefined;
    try {
      const reply = (await redis.callBuffer('XREADGROUP', ...args)) as [unknown, unknown][] | null;
      return reply && reply.length ? streamEntries(reply[0][1]) : [];
    } finally {
      this.blocking = false;
    }
  }

  /** Takes over entries idle past the threshold (their consumer died), then drops long-gone consumers. */
  private async claimIdleIfDue(redis: Redis): Promise<void> {
    if (Date.now() - this.lastClaimAt < this.deps.claimIdleMs / 2) return;
    this.lastClaimAt = Date.now();
    const { streamKey, group, batchSize } = this.config;
    let cursor = '0-0';
    for (let round = 0; round < MAX_CLAIM_ROUNDS && !this.stopped; round++) {
      const reply = (await redis.callBuffer(
        'XAUTOCLAIM',
        streamKey,
        group,
        this.deps.consumerName,
        this.deps.claimIdleMs,
        cursor,
        'COUNT',
        batchSize,
      )) as [Buffer, unknown];
      const entries = streamEntries(reply[1]);
      if (entries.length) {
        this.logger.log(
          { triggerId: this.binding.trigger.id, stream: streamKey, entries: entries.length },
          'took over stream entries left pending by another consumer',
        );
        if (!(await this.process(redis, entries))) return;
      }
      cursor = String(reply[0]);
      if (cursor === '0-0') break;
    }
    await this.removeStaleConsumers(redis);
  }

  private async removeStaleConsumers(redis: Redis): Promise<void> {
    const { streamKey, group } = this.config;
    const consumers = (await redis.call('XINFO', 'CONSUMERS', streamKey, group)) as unknown[][];
    for (const info of consumers) {
      const c = flatRecord(info);
      if (
        c['name'] !== this.deps.consumerName &&
        Number(c['pending']) === 0 &&
        Number(c['idle']) > STALE_CONSUMER_MS
      )
        await redis.xgroup('DELCONSUMER', streamKey, group, String(c['name']));
    }
  }

  private async updateLagIfDue(redis: Redis): Promise<void> {
    if (Date.now() - this.lastLagAt < this.lagIntervalMs) return;
    this.lastLagAt = Date.now();
    const groups = (await redis.call('XINFO', 'GROUPS', this.config.streamKey)) as unknown[][];
    const mine = groups.map(flatRecord).find((g) => g['name'] === this.config.group);
    const lag = mine?.['lag'];
    // Redis answers nil when it cannot tell (entries deleted from the middle of the stream).
    if (typeof lag === 'number') this.deps.metrics.lag(this.handler.source, this.binding.trigger.id, lag);
  }

  /**
   * One invocation for the batch, retried with back-off until it is accepted or the consumer stops; XACK after.
   * False when the consumer stopped first (the entries stay pending for whoever claims them).
   */
  private async process(redis: Redis, entries: StreamEntry[]): Promise<boolean> {
    const { streamKey, group } = this.config;
    const gone = entries.filter((e) => !e.fields).map((e) => e.id);
    // Entries deleted from the stream while pending have nothing left to deliver.
    if (gone.length) await redis.xack(streamKey, group, ...gone);
    const live = entries.filter((e): e is LiveEntry => e.fields !== null);
    if (live.length === 0) return true;
    this.deps.metrics.receivedMessages(this.handler.source, live.length);
    const batches = this.handler.batches(live);
    const invoked = new Set(batches.flat().map((e) => e.id));
    const skipped = live.filter((e) => !invoked.has(e.id)).map((e) => e.id);
    if (skipped.length) await redis.xack(streamKey, group, ...skipped);
    for (const batch of batches) if (!(await this.deliver(redis, batch))) return false;
    return true;
  }

  /**
   * One invocation for a batch, retried with back-off until it is accepted or the consumer stops; XACK after.
   * False when the consumer stopped first (the entries stay pending for whoever claims them).
   */
  private async deliver(redis: Redis, batch: LiveEntry[]): Promise<boolean> {
    const { trigger } = this.binding;
    const { source } = this.handler;
    const messages = batch.map((entry) => ({ key: entry.id, hop: entryHop(entry), entry }));
    const ids = batch.map((e) => e.id);
    const backoff = new Backoff();
    while (!this.stopped) {
      try {
        const outcome = await this.deps.delivery.deliver(trigger, messages, (ms, hop) =>
          this.handler.event(
            ms.map((m) => m.entry),
            hop,
          ),
        );
        await redis.xack(this.config.streamKey, this.config.group, ...ids);
        this.logger.debug(
          { triggerId: trigger.id, source, entries: ids.length, outcome },
          'stream batch delivered',
        );
        return true;
      } catch (err) {
        if (this.stopped) break;
        this.deps.metrics.failed(source, failureReason(err));
        const delay = backoff.next();
        this.logger.warn(
          { triggerId: trigger.id, source, entries: ids.length, err, retryInMs: delay },
          'stream batch not accepted; it stays pending and is retried',
        );
        // Reset the entries' idle time so no other replica takes over a batch this one is still retrying.
        await redis
          .call(
            'XCLAIM',
            this.config.streamKey,
            this.config.group,
            this.deps.consumerName,
            0,
            ...ids,
            'JUSTID',
          )
          .catch(() => undefined);
        await sleep(delay, this.abort.signal);
      }
    }
    return false;
  }
}

/** Disconnects and waits (briefly) until the socket is gone. */
async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  redis.disconnect();
  await withDeadline(ended, 1000);
}

/** `{name: value}` of a flat `[name, value, ...]` XINFO reply. */
function flatRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}
