import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { StreamSourceType, streamTriggerGroup } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TriggerConfig } from '../../config/trigger.config';
import { BindResult, EventSourceDriver, SourceBinding, sourceTriggerOf } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { RedisStreamGroupConsumer, StreamGroupConfig, StreamGroupHandler } from './stream-group.consumer';

/** What a source type reads from its trigger's `event_data`: the stream and the name its triggers show. */
export interface StreamTarget<C extends StreamGroupConfig> {
  config: Omit<C, 'group' | 'startId' | 'batchSize' | 'pollingIntervalMs'> & Partial<StreamGroupConfig>;
  name: string;
}

/** How often a stream trigger's read returns to take over entries of dead replicas and update lag. */
const POLL_MS = 1000;
const BATCH = 10;

/**
 * A trigger type fed by a Redis Stream other components produce (SMN topics, CTS audit records, function logs): one
 * consumer group per trigger, starting at the end of the stream, shared by every replica.
 */
export abstract class RedisStreamSource<C extends StreamGroupConfig> implements EventSourceDriver<C> {
  abstract readonly types: readonly StreamSourceType[];
  protected readonly logger = new Logger(this.constructor.name);
  private admin?: Redis;

  constructor(
    protected readonly config: TriggerConfig,
    private readonly delivery: SourceInvocationService,
    private readonly metrics: SourceMetrics,
  ) {}

  /** The stream and settings of a trigger, or why its `event_data` is unusable. */
  protected abstract target(trigger: TriggerEntity): StreamTarget<C> | string;

  /** How the source splits and shapes what it reads. */
  protected abstract handler(binding: SourceBinding<C>): StreamGroupHandler;

  bind(trigger: TriggerEntity): BindResult<C> {
    const target = this.target(trigger);
    if (typeof target === 'string') return { ok: false, reason: target };
    const config = {
      group: streamTriggerGroup(trigger.id),
      startId: '$',
      batchSize: BATCH,
      pollingIntervalMs: POLL_MS,
      ...target.config,
    } as C;
    const source = sourceTriggerOf(trigger, this.types[0], target.name);
    return {
      ok: true,
      binding: {
        trigger: source,
        config,
        fingerprint: JSON.stringify([source, config]),
        resource: `${config.streamKey}|${config.group}`,
      },
    };
  }

  consumer(binding: SourceBinding<C>): RedisStreamGroupConsumer {
    return new RedisStreamGroupConsumer(
      binding,
      {
        connect: () =>
          new Redis(this.config.redisUrl, {
            maxRetriesPerRequest: 1,
            connectionName: `ofg-trigger-${binding.trigger.type.toLowerCase()}-${binding.trigger.id}`,
          }),
        delivery: this.delivery,
        metrics: this.metrics,
        consumerName: this.config.sources.instanceId,
        claimIdleMs: this.config.sources.disClaimIdleMs,
      },
      this.handler(binding),
    );
  }

  /** Destroys the trigger's consumer group (its pending entries go with it); the stream is the producer's. */
  async release(binding: SourceBinding<C>): Promise<void> {
    try {
      await this.adminConnection().xgroup('DESTROY', binding.config.streamKey, binding.config.group);
    } catch (err) {
      // Nothing to release when the stream itself is gone.
      if (err instanceof Error && /requires the key to exist/.test(err.message)) return;
      throw err;
    }
    await this.released?.(binding);
  }

  /** What else goes when a trigger's group did (the LTS log stream once nobody reads it). */
  protected released?(binding: SourceBinding<C>): Promise<void>;

  async close(): Promise<void> {
    await this.admin?.quit().catch(() => undefined);
    this.admin = undefined;
  }

  protected adminConnection(): Redis {
    if (!this.admin) {
      this.admin = new Redis(this.config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      this.admin.on('error', () => undefined);
    }
    return this.admin;
  }
}
