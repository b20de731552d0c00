import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { Backoff, sleep, withDeadline } from '../backoff';
import { SourceBinding, SourceConsumer } from '../event-source.port';
import { failureReason, SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { AmqpConnection, AmqpSession } from './amqp.connection';
import { MessageBatcher } from './message-batcher';
import { amqpSourceMessage, buildRabbitmqEvent } from './rabbitmq-event.mapper';

/** A DMS or RABBITMQ trigger's queue, bindings and batching, from its `event_data`. */
export interface RabbitmqSourceConfig {
  type: 'DMS' | 'RABBITMQ';
  queue: string;
  /** RABBITMQ: the exchange the queue is bound to (declared as a durable topic exchange when missing). */
  exchange?: string;
  /** RABBITMQ: binding keys of the queue on the exchange. */
  routingKeys: string[];
  /** A queue derived from the trigger id belongs to the trigger and is deleted with it. */
  ownsQueue: boolean;
  /** Prefetch and the most messages one invocation carries. */
  batchSize: number;
  /** `instance_id` of the event records. */
  instanceId: string;
  /** DMS: prefix of this trigger's consumer tags. */
  consumerGroup?: string;
}

export interface RabbitmqConsumerDeps {
  connection: Pick<AmqpConnection, 'add' | 'remove' | 'withChannel' | 'current'>;
  delivery: Pick<SourceInvocationService, 'deliver'>;
  metrics: SourceMetrics;
  region: string;
  /** How long a batch waits for more messages after its first. */
  batchWindowMs: number;
  /** This replica's id, part of the consumer tag. */
  instanceId: string;
  lagIntervalMs?: number;
  /** How long stop() waits for a batch being invoked before it closes the channel (the messages are requeued). */
  stopTimeoutMs?: number;
}

const NOT_FOUND = 404;
const amqpCode = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * The consumer of one DMS or RABBITMQ trigger in this replica: a channel with prefetch = batch size, batches of what
 * arrives within a short window, one invocation each, acked after it was accepted and nacked (requeued) after a
 * back-off when it was not. Replicas consume the same queue as competing consumers; a dead replica's unacked
 * messages go back to the queue when its connection drops.
 */
export class RabbitmqQueueConsumer implements SourceConsumer, AmqpSession {
  private readonly logger = new Logger(RabbitmqQueueConsumer.name);
  private readonly abort = new AbortController();
  private readonly deliveryBackoff = new Backoff();
  private readonly attachBackoff = new Backoff(500, 30_000);
  private readonly consumerTag: string;
  private channel?: Channel;
  private batcher?: MessageBatcher<ConsumeMessage>;
  private reattachTimer?: NodeJS.Timeout;
  private lagTimer?: NodeJS.Timeout;

  constructor(
    private readonly binding: SourceBinding<RabbitmqSourceConfig>,
    private readonly deps: RabbitmqConsumerDeps,
  ) {
    const group = binding.config.consumerGroup ?? `ofg-trigger-${binding.trigger.id}`;
    this.consumerTag = `${group}.${deps.instanceId}.${randomBytes(4).toString('hex')}`;
  }

  private get config(): RabbitmqSourceConfig {
    return this.binding.config;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    this.deps.connection.add(this);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.deps.connection.remove(this);
    clearTimeout(this.reattachTimer);
    clearInterval(this.lagTimer);
    const channel = this.channel;
    const batcher = this.batcher;
    if (channel) await channel.cancel(this.consumerTag).catch(() => undefined);
    // A batch being invoked finishes (and acks) first; buffered and unacked messages go back with the channel.
    await withDeadline(batcher?.idle(), this.deps.stopTimeoutMs ?? 10_000);
    batcher?.drain();
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
    this.deps.metrics.lag(this.config.type, this.binding.trigger.id, undefined);
  }

  async attach(model: ChannelModel): Promise<void> {
    if (this.stopping) return;
    let channel: Channel | undefined;
    try {
      channel = await model.createChannel();
      const ch = channel;
      ch.on('error', (err: Error) =>
        this.logger.warn({ triggerId: this.binding.trigger.id, err: err.message }, 'RabbitMQ channel error'),
      );
      ch.on('close', () => this.onChannelClose(ch, model));
      await ch.prefetch(this.config.batchSize);
      await this.declare(ch);
      const batcher = new MessageBatcher<ConsumeMessage>(
        this.config.batchSize,
        this.deps.batchWindowMs,
        (batch) => this.deliverBatch(ch, batch),
      );
      this.channel = ch;
      this.batcher = batcher;
      await ch.consume(
        this.config.queue,
        (message) => {
          if (message) batcher.add(message);
          // The broker cancelled the consumer (its queue was deleted): start over on a new channel.
          else void ch.close().catch(() => undefined);
        },
        { noAck: false, consumerTag: this.consumerTag },
      );
      if (this.stopping) {
        await ch.close().catch(() => undefined);
        return;
      }
      this.attachBackoff.reset();
      this.watchLag(ch);
      this.logger.log(
        { triggerId: this.binding.trigger.id, type: this.config.type, queue: this.config.queue },
        'RabbitMQ consumer attached',
      );
    } catch (err) {
      this.logger.warn(
        { triggerId: this.binding.trigger.id, queue: this.config.queue, err: (err as Error).message },
        'cannot consume the trigger queue; retrying',
      );
      if (this.channel === channel) this.channel = undefined;
      await channel?.close().catch(() => undefined);
      this.scheduleReattach(model);
    }
  }

  detach(): void {
    this.channel = undefined;
    this.batcher?.drain();
    clearInterval(this.lagTimer);
    clearTimeout(this.reattachTimer);
  }

  /** DMS: the named queue (declared durable when missing). RABBITMQ: exchange, durable queue and its bindings. */
  private async declare(ch: Channel): Promise<void> {
    const { queue, exchange, routingKeys } = this.config;
    if (exchange !== undefined && !(await this.exists((c) => c.checkExchange(exchange))))
      await ch.assertExchange(exchange, 'topic', { durable: true });
    // An existing queue is used as it is (asserting it with other arguments would fail).
    if (!(await this.exists((c) => c.checkQueue(queue)))) await ch.assertQueue(queue, { durable: true });
    if (exchange !== undefined) for (const key of routingKeys) await ch.bindQueue(queue, exchange, key);
  }

  /** Whether a check passes; a 404 closes only the probe channel. */
  private async exists(check: (channel: Channel) => Promise<unknown>): Promise<boolean> {
    try {
      await this.deps.connection.withChannel(check);
      return true;
    } catch (err) {
      if (amqpCode(err) === NOT_FOUND) return false;
      throw err;
    }
  }

  private async deliverBatch(ch: Channel, batch: ConsumeMessage[]): Promise<void> {
    if (this.channel !== ch) return;
    const { trigger } = this.binding;
    this.deps.metrics.receivedMessages(this.config.type, batch.length);
    const messages = batch.map(amqpSourceMessage);
    const nowMs = Date.now();
    try {
      const outcome = await this.deps.delivery.deliver(trigger, messages, (ms, hop) =>
        buildRabbitmqEvent({
          type: this.config.type,
          region: this.deps.region,
          nowMs,
          instanceId: this.config.instanceId,
          exchange: this.config.exchange ?? ms[0]?.message.fields.exchange ?? '',
          ...(this.config.type === 'DMS' ? { queueId: this.config.queue } : {}),
          bodies: ms.map((m) => m.message.content),
          hop,
        }),
      );
      this.deliveryBackoff.reset();
      this.logger.debug(
        { triggerId: trigger.id, messages: batch.length, outcome },
        'RabbitMQ batch delivered',
      );
    } catch (err) {
      this.deps.metrics.failed(this.config.type, failureReason(err));
      const delay = this.deliveryBackoff.next();
      this.logger.warn(
        { triggerId: trigger.id, messages: batch.length, err, retryInMs: delay },
        'RabbitMQ batch not accepted; requeued after a back-off',
      );
      await sleep(delay, this.abort.signal);
      this.settle(ch, batch, 'nack');
      return;
    }
    this.settle(ch, batch, 'ack');
  }

  /** Acks or requeues a batch on its channel; a closed channel already gave the messages back. */
  private settle(ch: Channel, batch: ConsumeMessage[], how: 'ack' | 'nack'): void {
    if (this.channel !== ch) return;
    try {
      for (const message of batch) {
        if (how === 'ack') ch.ack(message);
        else ch.nack(message, false, true);
      }
    } catch (err) {
      this.logger.warn(
        { triggerId: this.binding.trigger.id, err: (err as Error).message },
        'could not settle a batch',
      );
    }
  }

  private onChannelClose(ch: Channel, model: ChannelModel): void {
    if (this.channel !== ch) return;
    this.channel = undefined;
    this.batcher?.drain();
    clearInterval(this.lagTimer);
    if (!this.stopping) this.scheduleReattach(model);
  }

  /** A new channel after a back-off, unless the connection went (the connection attaches again on reconnect). */
  private scheduleReattach(model: ChannelModel): void {
    if (this.stopping) return;
    clearTimeout(this.reattachTimer);
    this.reattachTimer = setTimeout(() => {
      if (!this.stopping && !this.channel && this.deps.connection.current === model) void this.attach(model);
    }, this.attachBackoff.next());
  }

  private watchLag(ch: Channel): void {
    clearInterval(this.lagTimer);
    const update = () =>
      ch
        .checkQueue(this.config.queue)
        .then((q) => this.deps.metrics.lag(this.config.type, this.binding.trigger.id, q.messageCount))
        .catch(() => undefined);
    void update();
    this.lagTimer = setInterval(() => void update(), this.deps.lagIntervalMs ?? 5000);
    this.lagTimer.unref();
  }
}
