import { Inject, Injectable, Logger } from '@nestjs/common';
import { AckPolicy, connect, DeliverPolicy, JsMsg, nanos, NatsConnection } from 'nats';
import { natsEventDataSchema, TRIGGER_HOP_HEADER } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { Backoff, sleep, withDeadline } from '../backoff';
import {
  BindResult,
  EventSourceDriver,
  SourceBinding,
  SourceConsumer,
  sourceTriggerOf,
} from '../event-source.port';
import { parseHop } from '../hop';
import { failureReason, SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { buildNatsEvent, natsDurableName } from './nats-event.mapper';

export interface NatsSourceConfig {
  servers: string;
  stream: string;
  subject: string;
  deliverPolicy: 'all' | 'new';
  durable: string;
  batchSize: number;
  /** Messages unacknowledged this long are redelivered (to any replica). */
  ackWaitMs: number;
}

export interface NatsConsumerDeps {
  delivery: Pick<SourceInvocationService, 'deliver'>;
  metrics: SourceMetrics;
  region: string;
  /** How long one pull waits for messages before the loop checks whether it should stop (at least 1000). */
  fetchExpiresMs?: number;
}

const NATS_BATCH = 10;

const isNotFound = (err: unknown): boolean => err instanceof Error && /not found/i.test(err.message);

/** Creates the trigger's durable pull consumer unless it exists (every replica tries; the first one wins). */
async function ensureDurable(nc: NatsConnection, config: NatsSourceConfig): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.consumers.info(config.stream, config.durable);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await jsm.consumers.add(config.stream, {
    durable_name: config.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: config.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    filter_subject: config.subject,
    ack_wait: nanos(config.ackWaitMs),
  });
}

/**
 * The consumer of one NATS trigger in this replica: pulls batches from the trigger's durable JetStream consumer,
 * one invocation each, acknowledges (and waits for the server to confirm) after acceptance. Replicas pull from the
 * same durable, so each message goes to one of them; what a dead replica held is redelivered after `ack_wait`.
 */
export class NatsStreamConsumer implements SourceConsumer {
  private readonly logger = new Logger(NatsStreamConsumer.name);
  private readonly abort = new AbortController();
  private nc?: NatsConnection;
  private loop?: Promise<void>;

  constructor(
    private readonly binding: SourceBinding<NatsSourceConfig>,
    private readonly deps: NatsConsumerDeps,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await withDeadline(this.loop, 10_000);
    await this.nc?.close().catch(() => undefined);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(500, 30_000);
    const { config, trigger } = this.binding;
    while (!this.stopped) {
      try {
        this.nc ??= await connect({
          servers: config.servers.split(','),
          name: `ofg-trigger-nats-${trigger.id}`,
        });
        await ensureDurable(this.nc, config);
        const consumer = await this.nc.jetstream().consumers.get(config.stream, config.durable);
        while (!this.stopped) {
          const batch: JsMsg[] = [];
          const pulled = await consumer.fetch({
            max_messages: config.batchSize,
            expires: this.deps.fetchExpiresMs ?? 1000,
          });
          for await (const m of pulled) batch.push(m);
          if (batch.length && !(await this.process(batch))) return;
          backoff.reset();
        }
      } catch (err) {
        if (this.stopped) break;
        this.deps.metrics.failed('NATS', 'broker');
        const delay = backoff.next();
        this.logger.warn(
          { triggerId: trigger.id, stream: config.stream, err, retryInMs: delay },
          'NATS consumer cannot pull from its stream; retrying',
        );
        if (this.nc?.isClosed()) this.nc = undefined;
        await sleep(delay, this.abort.signal);
      }
    }
  }

  /** One invocation for the batch, retried until accepted or stopped; acked after. False when stopped first. */
  private async process(batch: JsMsg[]): Promise<boolean> {
    const { trigger, config } = this.binding;
    this.deps.metrics.receivedMessages('NATS', batch.length);
    const messages = batch.map((m) => ({
      key: `${config.stream}:${m.seq}`,
      hop: parseHop(m.headers?.get(TRIGGER_HOP_HEADER)),
      m,
    }));
    const backoff = new Backoff();
    while (!this.stopped) {
      try {
        await this.deps.delivery.deliver(trigger, messages, (ms) =>
          buildNatsEvent(
            this.deps.region,
            Date.now(),
            config.stream,
            ms.map(({ m }) => m),
          ),
        );
        await Promise.all(batch.map((m) => m.ackAck()));
        return true;
      } catch (err) {
        if (this.stopped) break;
        this.deps.metrics.failed('NATS', failureReason(err));
        const delay = backoff.next();
        this.logger.warn(
          { triggerId: trigger.id, messages: batch.length, err, retryInMs: delay },
          'NATS batch not accepted; it stays unacknowledged and is retried',
        );
        // Still being worked on: the server must not hand the batch to another replica meanwhile.
        for (const m of batch) m.working();
        await sleep(delay, this.abort.signal);
      }
    }
    return false;
  }
}

/** NATS triggers (extension): a subject of a JetStream stream at NATS_URL, one durable consumer per trigger. */
@Injectable()
export class NatsEventSource implements EventSourceDriver<NatsSourceConfig> {
  readonly types = ['NATS'] as const;
  private readonly logger = new Logger(NatsEventSource.name);
  private admin?: Promise<NatsConnection>;

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly delivery: SourceInvocationService,
    private readonly metrics: SourceMetrics,
  ) {}

  bind(trigger: TriggerEntity): BindResult<NatsSourceConfig> {
    const parsed = natsEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success)
      return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid event_data' };
    const config: NatsSourceConfig = {
      servers: this.config.sources.natsUrl ?? 'nats://127.0.0.1:4222',
      stream: parsed.data.stream,
      subject: parsed.data.subject,
      deliverPolicy: parsed.data.deliver_policy,
      durable: natsDurableName(trigger.id),
      batchSize: NATS_BATCH,
      ackWaitMs: this.config.sources.disClaimIdleMs,
    };
    const source = sourceTriggerOf(trigger, 'NATS', `${config.stream}/${config.subject}`);
    return {
      ok: true,
      binding: {
        trigger: source,
        config,
        fingerprint: JSON.stringify([source, config]),
        // A durable's filter and start cannot change: a new subject or policy means a new consumer.
        resource: `${config.servers}|${config.stream}|${config.durable}|${config.subject}|${config.deliverPolicy}`,
      },
    };
  }

  consumer(binding: SourceBinding<NatsSourceConfig>): NatsStreamConsumer {
    return new NatsStreamConsumer(binding, {
      delivery: this.delivery,
      metrics: this.metrics,
      region: this.config.region,
    });
  }

  /** Deletes the trigger's durable consumer (and what it had not acknowledged); the stream is the producer's. */
  async release(binding: SourceBinding<NatsSourceConfig>): Promise<void> {
    this.admin ??= connect({ servers: binding.config.servers.split(','), name: 'ofg-trigger-nats-admin' });
    const admin = this.admin;
    // A failed connection is not kept: the next release connects again.
    const nc = await admin.catch((err: unknown) => {
      if (this.admin === admin) this.admin = undefined;
      throw err;
    });
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.consumers.delete(binding.config.stream, binding.config.durable);
      this.logger.log(
        { triggerId: binding.trigger.id, durable: binding.config.durable },
        'NATS consumer removed',
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.close();
  }
}
