import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { disConsumerGroup, disEventDataSchema, disStreamKey } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { BindResult, EventSourceDriver, SourceBinding, sourceTriggerOf } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { DisSourceConfig, DisStreamConsumer } from './dis-stream.consumer';

/**
 * DIS triggers on Redis Streams: the stream `ofg:dis:<project_id>:<stream_name>` (the key async DIS destinations
 * append to), one consumer group per trigger shared by every replica.
 */
@Injectable()
export class DisEventSource implements EventSourceDriver<DisSourceConfig> {
  readonly types = ['DIS'] as const;
  private readonly logger = new Logger(DisEventSource.name);
  private admin?: Redis;

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly delivery: SourceInvocationService,
    private readonly metrics: SourceMetrics,
  ) {}

  bind(trigger: TriggerEntity): BindResult<DisSourceConfig> {
    const parsed = disEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success)
      return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid event_data' };
    const data = parsed.data;
    const config: DisSourceConfig = {
      streamName: data.stream_name,
      streamKey: disStreamKey(trigger.projectId, data.stream_name),
      group: disConsumerGroup(trigger.id),
      startId: data.sharditerator_type === 'TRIM_HORIZON' ? '0' : '$',
      batchSize: data.batch_size,
      pollingIntervalMs: data.polling_interval * 1000,
    };
    const source = sourceTriggerOf(trigger, 'DIS', data.stream_name);
    const binding: SourceBinding<DisSourceConfig> = {
      trigger: source,
      config,
      fingerprint: JSON.stringify([source, config]),
      resource: `${config.streamKey}|${config.group}`,
    };
    return { ok: true, binding };
  }

  consumer(binding: SourceBinding<DisSourceConfig>): DisStreamConsumer {
    return new DisStreamConsumer(binding, {
      connect: () =>
        new Redis(this.config.redisUrl, {
          maxRetriesPerRequest: 1,
          connectionName: `ofg-trigger-dis-${binding.trigger.id}`,
        }),
      delivery: this.delivery,
      metrics: this.metrics,
      consumerName: this.config.sources.instanceId,
      claimIdleMs: this.config.sources.disClaimIdleMs,
    });
  }

  /** Destroys the trigger's consumer group (its pending entries go with it); the stream is the producer's. */
  async release(binding: SourceBinding<DisSourceConfig>): Promise<void> {
    let destroyed: unknown;
    try {
      destroyed = await this.adminConnection().xgroup(
        'DESTROY',
        binding.config.streamKey,
        binding.config.group,
      );
    } catch (err) {
      // Nothing to release when the stream itself is gone.
      if (err instanceof Error && /requires the key to exist/.test(err.message)) return;
      throw err;
    }
    if (destroyed)
      this.logger.log(
        { triggerId: binding.trigger.id, group: binding.config.group },
        'DIS consumer group removed',
      );
  }

  async close(): Promise<void> {
    await this.admin?.quit().catch(() => undefined);
    this.admin = undefined;
  }

  private adminConnection(): Redis {
    if (!this.admin) {
      this.admin = new Redis(this.config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      this.admin.on('error', () => undefined);
    }
    return this.admin;
  }
}
