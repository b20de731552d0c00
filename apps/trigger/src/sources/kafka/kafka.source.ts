import { Inject, Injectable, Logger } from '@nestjs/common';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { kafkaEventDataSchema, openSourceKafkaEventDataSchema, TRIGGER_HOP_HEADER } from '@ofg/contracts';
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
import { buildKafkaEvent, kafkaBatches, kafkaConsumerGroup, kafkaMessageKey } from './kafka-event.mapper';

export interface KafkaSourceConfig {
  type: 'KAFKA' | 'OPENSOURCEKAFKA';
  brokers: string[];
  instanceId: string;
  topics: string[];
  groupId: string;
  batchSize: number;
  sasl?: { username: string; password: string };
}

/**
 * The consumer of one Kafka trigger (NOT ENABLED: no Kafka broker runs where this platform is tested, so the API
 * refuses KAFKA and OPENSOURCEKAFKA with FSS.1101; see docs/compatibility.md). Partition batches are cut into
 * `batch_size` invocations and each one's offset is committed only after its invocation was accepted.
 */
export class KafkaTopicConsumer implements SourceConsumer {
  private readonly logger = new Logger(KafkaTopicConsumer.name);
  private readonly abort = new AbortController();
  private consumer?: Consumer;
  private running?: Promise<void>;

  constructor(
    private readonly binding: SourceBinding<KafkaSourceConfig>,
    private readonly deps: {
      delivery: Pick<SourceInvocationService, 'deliver'>;
      metrics: SourceMetrics;
      region: string;
    },
  ) {}

  start(): void {
    const { config } = this.binding;
    const kafka = new Kafka({
      clientId: `ofg-trigger-${this.binding.trigger.id}`,
      brokers: config.brokers,
      logLevel: logLevel.WARN,
      ...(config.sasl ? { ssl: true, sasl: { mechanism: 'plain', ...config.sasl } } : {}),
    });
    const consumer = kafka.consumer({ groupId: config.groupId });
    this.consumer = consumer;
    this.running = this.run(consumer).catch((err: unknown) =>
      this.logger.warn({ triggerId: this.binding.trigger.id, err }, 'Kafka consumer stopped on an error'),
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await withDeadline(this.running, 10_000);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async run(consumer: Consumer): Promise<void> {
    const { config, trigger } = this.binding;
    await consumer.connect();
    await consumer.subscribe({ topics: config.topics, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        for (const chunk of kafkaBatches(batch.messages, config.batchSize)) {
          if (!isRunning() || isStale() || this.abort.signal.aborted) return;
          const messages = chunk.map((m) => ({
            key: kafkaMessageKey({ topic: batch.topic, partition: batch.partition, offset: m.offset }),
            hop: parseHop(m.headers?.[TRIGGER_HOP_HEADER]),
            m,
          }));
          this.deps.metrics.receivedMessages(config.type, chunk.length);
          const backoff = new Backoff();
          for (;;) {
            try {
              await this.deps.delivery.deliver(trigger, messages, (ms) =>
                buildKafkaEvent({
                  type: config.type,
                  region: this.deps.region,
                  instanceId: config.instanceId,
                  nowMs: Date.now(),
                  messages: ms.map(({ m }) => ({
                    topic: batch.topic,
                    partition: batch.partition,
                    offset: m.offset,
                    value: m.value,
                  })),
                }),
              );
              break;
            } catch (err) {
              if (this.abort.signal.aborted) return;
              this.deps.metrics.failed(config.type, failureReason(err));
              await heartbeat();
              await sleep(backoff.next(), this.abort.signal);
            }
          }
          const last = chunk[chunk.length - 1].offset;
          // Committed only after acceptance: a replica dying before this leaves the chunk to the group's next owner.
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
          ]);
          await heartbeat();
        }
      },
    });
  }
}

/** KAFKA and OPENSOURCEKAFKA triggers through kafkajs (not registered: see KafkaTopicConsumer). */
@Injectable()
export class KafkaEventSource implements EventSourceDriver<KafkaSourceConfig> {
  readonly types = ['KAFKA', 'OPENSOURCEKAFKA'] as const;

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly delivery: SourceInvocationService,
    private readonly metrics: SourceMetrics,
  ) {}

  bind(trigger: TriggerEntity): BindResult<KafkaSourceConfig> {
    const type = trigger.triggerTypeCode === 'KAFKA' ? 'KAFKA' : 'OPENSOURCEKAFKA';
    const parsed =
      type === 'KAFKA'
        ? kafkaEventDataSchema.safeParse(trigger.eventData)
        : openSourceKafkaEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success)
      return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid event_data' };
    const d = parsed.data as Record<string, unknown> & {
      topic_ids: string[];
      batch_size: number;
      kafka_user?: string;
      kafka_password?: string;
    };
    // A DMS instance id names no reachable broker here: such triggers need kafka_connect_address (OPENSOURCEKAFKA).
    const address = String(d['kafka_connect_address'] ?? d['instance_id']);
    const config: KafkaSourceConfig = {
      type,
      brokers: address.split(','),
      instanceId: String(d['instance_id'] ?? address),
      topics: [...d.topic_ids].sort(),
      groupId: kafkaConsumerGroup(trigger.id),
      batchSize: d.batch_size,
      ...(d.kafka_user && d.kafka_password
        ? { sasl: { username: d.kafka_user, password: d.kafka_password } }
        : {}),
    };
    const source = sourceTriggerOf(trigger, type, config.topics.join(','));
    return {
      ok: true,
      binding: {
        trigger: source,
        config,
        fingerprint: JSON.stringify([source, config]),
        resource: config.groupId,
      },
    };
  }

  consumer(binding: SourceBinding<KafkaSourceConfig>): KafkaTopicConsumer {
    return new KafkaTopicConsumer(binding, {
      delivery: this.delivery,
      metrics: this.metrics,
      region: this.config.region,
    });
  }

  /** The group's committed offsets expire with the broker's retention; nothing else is held. */
  release(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
