import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  dmsEventDataSchema,
  rabbitmqEventDataSchema,
  rabbitmqTriggerQueueName,
  StreamSourceType,
} from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { BindResult, EventSourceDriver, SourceBinding, sourceTriggerOf } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { AmqpConnection } from './amqp.connection';
import { RabbitmqQueueConsumer, RabbitmqSourceConfig } from './rabbitmq-queue.consumer';

/** Messages one DMS invocation carries at most (DMS `event_data` has no batch size). */
export const DMS_BATCH_SIZE = 10;

/**
 * Binding keys when a RABBITMQ trigger names none: `#` takes everything from a topic exchange, `''` what a direct
 * exchange routes without a key (fanout and headers exchanges ignore keys). A message matching both arrives once.
 */
export const DEFAULT_ROUTING_KEYS = ['#', ''];

/** DMS (a named queue) and RABBITMQ (an exchange, through a queue of the trigger's) triggers on RabbitMQ. */
@Injectable()
export class RabbitmqEventSource implements EventSourceDriver<RabbitmqSourceConfig> {
  readonly types = ['DMS', 'RABBITMQ'] as const;
  private readonly logger = new Logger(RabbitmqEventSource.name);
  readonly connection: AmqpConnection;

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly delivery: SourceInvocationService,
    private readonly metrics: SourceMetrics,
  ) {
    this.connection = new AmqpConnection(config.sources.rabbitmqUrl);
  }

  bind(trigger: TriggerEntity): BindResult<RabbitmqSourceConfig> {
    const type = trigger.triggerTypeCode as StreamSourceType;
    const config = type === 'DMS' ? this.dmsConfig(trigger) : this.rabbitmqConfig(trigger);
    if (typeof config === 'string') return { ok: false, reason: config };
    const source = sourceTriggerOf(
      trigger,
      config.type,
      config.exchange !== undefined ? config.exchange : config.queue,
    );
    const binding: SourceBinding<RabbitmqSourceConfig> = {
      trigger: source,
      config,
      fingerprint: JSON.stringify([source, config]),
      resource: `${config.queue}|${config.exchange ?? ''}|${config.routingKeys.join(',')}`,
    };
    return { ok: true, binding };
  }

  consumer(binding: SourceBinding<RabbitmqSourceConfig>): RabbitmqQueueConsumer {
    return new RabbitmqQueueConsumer(binding, {
      connection: this.connection,
      delivery: this.delivery,
      metrics: this.metrics,
      region: this.config.region,
      batchWindowMs: this.config.sources.rabbitmqBatchWindowMs,
      instanceId: this.config.sources.instanceId,
    });
  }

  /**
   * A deleted RABBITMQ trigger's derived queue is deleted (its messages were the trigger's alone); a named queue only
   * loses the bindings the trigger no longer has. A DMS queue is the user's and stays.
   */
  async release(
    old: SourceBinding<RabbitmqSourceConfig>,
    next?: SourceBinding<RabbitmqSourceConfig>,
  ): Promise<void> {
    const { queue, exchange, routingKeys, ownsQueue } = old.config;
    if (exchange === undefined) return;
    const sameQueue = next?.config.queue === queue;
    if (ownsQueue && !sameQueue) {
      await this.connection.withChannel((c) => c.deleteQueue(queue));
      this.logger.log({ triggerId: old.trigger.id, queue }, 'RABBITMQ trigger queue deleted');
      return;
    }
    const kept = sameQueue && next?.config.exchange === exchange ? next.config.routingKeys : [];
    const dropped = routingKeys.filter((key) => !kept.includes(key));
    if (dropped.length === 0) return;
    await this.connection.withChannel(async (c) => {
      for (const key of dropped) await c.unbindQueue(queue, exchange, key);
    });
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private dmsConfig(trigger: TriggerEntity): RabbitmqSourceConfig | string {
    const parsed = dmsEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid event_data';
    return {
      type: 'DMS',
      queue: parsed.data.queue_id,
      routingKeys: [],
      ownsQueue: false,
      batchSize: DMS_BATCH_SIZE,
      instanceId: '',
      consumerGroup: parsed.data.consumer_group_id,
    };
  }

  private rabbitmqConfig(trigger: TriggerEntity): RabbitmqSourceConfig | string {
    const parsed = rabbitmqEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid event_data';
    const data = parsed.data;
    return {
      type: 'RABBITMQ',
      queue: data.queue_name ?? rabbitmqTriggerQueueName(trigger.id),
      exchange: data.exchange_name,
      routingKeys: data.routing_key !== undefined ? [data.routing_key] : DEFAULT_ROUTING_KEYS,
      ownsQueue: data.queue_name === undefined,
      batchSize: data.batch_size,
      instanceId: data.instance_id ?? '',
    };
  }
}
