import { Inject, Injectable } from '@nestjs/common';
import { smnEventDataSchema, smnTopicStreamKey } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { SourceBinding } from '../event-source.port';
import { RedisStreamSource, StreamTarget } from '../redis-stream/redis-stream.source';
import { StreamGroupConfig, StreamGroupHandler } from '../redis-stream/stream-group.consumer';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { buildSmnEvent } from './smn-event.mapper';

export interface SmnSourceConfig extends StreamGroupConfig {
  topicUrn: string;
}

/**
 * SMN triggers: a topic is the Redis Stream `ofg:smn:<project_id>:<topic_name>` (what async SMN destinations append
 * to; publish with `XADD <key> * message <text> [subject <s>]`). Each trigger is a subscription (its own consumer
 * group from the moment it is created); one invocation per message.
 */
@Injectable()
export class SmnEventSource extends RedisStreamSource<SmnSourceConfig> {
  readonly types = ['SMN'] as const;

  constructor(
    @Inject(TRIGGER_CONFIG) config: TriggerConfig,
    delivery: SourceInvocationService,
    metrics: SourceMetrics,
  ) {
    super(config, delivery, metrics);
  }

  protected target(trigger: TriggerEntity): StreamTarget<SmnSourceConfig> | string {
    const parsed = smnEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid event_data';
    const topicUrn = parsed.data.topic_urn;
    const streamKey = smnTopicStreamKey(topicUrn);
    if (!streamKey) return 'not an SMN topic URN';
    return { config: { topicUrn, streamKey }, name: topicUrn };
  }

  protected handler(binding: SourceBinding<SmnSourceConfig>): StreamGroupHandler {
    return {
      source: 'SMN',
      batches: (entries) => entries.map((e) => [e]),
      event: ([entry]) => buildSmnEvent(binding.trigger, binding.config.topicUrn, entry),
    };
  }
}
