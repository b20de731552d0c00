import { Logger } from '@nestjs/common';
import { Channel, ChannelModel, connect } from 'amqplib';
import { Backoff, sleep, withDeadline } from '../backoff';

/** Something that lives on the connection: attached on every (re)connect, detached when the connection is lost. */
export interface AmqpSession {
  attach(model: ChannelModel): Promise<void>;
  detach(): void;
}

/** amqplib's connect, replaceable in tests. */
export type AmqpConnect = (url: string) => Promise<ChannelModel>;

/** `amqp://user:***@host` for logs. */
export function redactAmqpUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * One RabbitMQ connection per trigger replica, opened when the first session needs it and reopened with back-off
 * whenever the broker goes away; each session (a consumer) opens its channel again on every reconnect.
 */
export class AmqpConnection {
  private readonly logger = new Logger(AmqpConnection.name);
  private readonly sessions = new Set<AmqpSession>();
  private readonly abort = new AbortController();
  private readonly backoff = new Backoff(500, 30_000);
  private model?: ChannelModel;
  private connecting?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly connectFn: AmqpConnect = (u) => connect(u),
  ) {}

  get connected(): boolean {
    return this.model !== undefined;
  }

  /** The open connection, if any (a session's retry checks it is still on the one it started on). */
  get current(): ChannelModel | undefined {
    return this.model;
  }

  add(session: AmqpSession): void {
    this.sessions.add(session);
    if (this.model) void this.attach(this.model, session);
    else this.ensureConnecting();
  }

  remove(session: AmqpSession): void {
    this.sessions.delete(session);
  }

  /** Runs `fn` on a short-lived channel (a channel error, e.g. a 404 on a check, closes only that channel). */
  async withChannel<T>(fn: (channel: Channel) => Promise<T>): Promise<T> {
    const model = await this.ready();
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      return await fn(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** The open connection, waiting for it (bounded by `timeoutMs`). */
  async ready(timeoutMs = 10_000): Promise<ChannelModel> {
    const deadline = Date.now() + timeoutMs;
    while (!this.model) {
      if (this.abort.signal.aborted) throw new Error('the RabbitMQ connection is closed');
      if (Date.now() > deadline) throw new Error(`RabbitMQ is unreachable at ${redactAmqpUrl(this.url)}`);
      this.ensureConnecting();
      await sleep(100, this.abort.signal);
    }
    return this.model;
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.sessions.clear();
    await this.connecting;
    const model = this.model;
    this.model = undefined;
    if (!model) return;
    // A connection that just died never answers the close: its own close event (or a deadline) ends the wait.
    const gone = new Promise<void>((resolve) => model.once('close', () => resolve()));
    await withDeadline(Promise.race([model.close().catch(() => undefined), gone]), 5000);
  }

  private ensureConnecting(): void {
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
  }

  private async connectLoop(): Promise<void> {
    while (!this.abort.signal.aborted && !this.model) {
      try {
        const model = await this.connectFn(this.url);
        if (this.abort.signal.aborted) {
          await model.close().catch(() => undefined);
          return;
        }
        model.on('error', (err: Error) =>
          this.logger.warn({ err: err.message }, 'RabbitMQ connection error'),
        );
        model.on('close', () => this.onClose(model));
        this.model = model;
        this.backoff.reset();
        this.logger.log({ url: redactAmqpUrl(this.url) }, 'connected to RabbitMQ');
        for (const session of this.sessions) void this.attach(model, session);
      } catch (err) {
        const delay = this.backoff.next();
        this.logger.warn(
          {
            url: redactAmqpUrl(this.url),
            err: err instanceof Error ? err.message : String(err),
            retryInMs: delay,
          },
          'cannot connect to RabbitMQ; retrying',
        );
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private onClose(model: ChannelModel): void {
    if (this.model !== model) return;
    this.model = undefined;
    for (const session of this.sessions) session.detach();
    if (this.abort.signal.aborted) return;
    this.logger.warn('RabbitMQ connection lost; reconnecting');
    if (this.sessions.size > 0) this.ensureConnecting();
  }

  private async attach(model: ChannelModel, session: AmqpSession): Promise<void> {
    try {
      await session.attach(model);
    } catch (err) {
      // The session retries on its own channel; a failed attach does not take the connection down.
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'RabbitMQ consumer not attached',
      );
    }
  }
}
