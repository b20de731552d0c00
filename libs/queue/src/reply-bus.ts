import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { InvocationReply, REPLY_CHANNEL_PREFIX } from '@ofg/contracts';

interface Waiter {
  resolve: (reply: InvocationReply) => void;
  timer: NodeJS.Timeout;
}

/** Raised when no reply arrived before the caller's deadline. */
export class ReplyTimeoutError extends Error {
  constructor(readonly requestId: string) {
    super(`no reply for request ${requestId}`);
  }
}

/**
 * Sync replies travel on one Redis pub/sub channel per gateway process, so a waiting request costs a map entry,
 * not a blocking connection. Invokers publish to the channel named in the job's `replyTo`.
 */
export class ReplyBus {
  readonly channel = `${REPLY_CHANNEL_PREFIX}${randomUUID()}`;
  private readonly waiters = new Map<string, Waiter & { reject: (err: Error) => void }>();
  private started = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly subscriber: Redis,
    private readonly subscribeTimeoutMs = 3000,
  ) {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let reply: InvocationReply;
      try {
        reply = JSON.parse(message) as InvocationReply;
      } catch {
        return;
      }
      const waiter = this.waiters.get(reply.requestId);
      if (!waiter) return;
      clearTimeout(waiter.timer);
      this.waiters.delete(reply.requestId);
      waiter.resolve(reply);
    });
  }

  /** Subscribes once; rejects within the timeout while Redis is unreachable, and the next call tries again. */
  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.starting ??= this.subscribe().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async subscribe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('Redis did not confirm the reply subscription in time')),
        this.subscribeTimeoutMs,
      );
    });
    try {
      // The subscriber connection queues commands while Redis is away; the timeout keeps callers from waiting on it.
      await Promise.race([this.subscriber.subscribe(this.channel), timeout]);
      this.started = true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Registers interest before the job is enqueued so a fast reply cannot be missed. */
  expect(requestId: string, timeoutMs: number): Promise<InvocationReply> {
    return new Promise<InvocationReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(requestId);
        reject(new ReplyTimeoutError(requestId));
      }, timeoutMs);
      this.waiters.set(requestId, { resolve, reject, timer });
    });
  }

  cancel(requestId: string): void {
    const waiter = this.waiters.get(requestId);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(requestId);
    }
  }

  get pending(): number {
    return this.waiters.size;
  }

  async stop(): Promise<void> {
    for (const [id, w] of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new ReplyTimeoutError(id));
    }
    this.waiters.clear();
    if (this.started) await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    this.subscriber.disconnect();
  }
}

/** Invoker side: deliver a sync reply to the gateway that waits for it. */
export async function publishReply(publisher: Redis, channel: string, reply: InvocationReply): Promise<void> {
  await publisher.publish(channel, JSON.stringify(reply));
}
