import { Inject, Injectable } from '@nestjs/common';
import { ltsEventDataSchema, ltsLogStreamKey } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { SourceBinding } from '../event-source.port';
import { RedisStreamSource, StreamTarget } from '../redis-stream/redis-stream.source';
import { StreamGroupConfig, StreamGroupHandler } from '../redis-stream/stream-group.consumer';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { buildLtsEvent } from './lts-event.mapper';

export interface LtsSourceConfig extends StreamGroupConfig {
  logGroupId: string;
  logTopicId: string;
}

/** Invocation logs per LTS invocation: what one read brings, up to this many. */
const LTS_BATCH = 100;

/** Deletes a log stream nobody reads any more, atomically (so invokers stop appending to it). */
const DROP_IF_UNREAD = `if redis.call('EXISTS', KEYS[1]) == 1 and #redis.call('XINFO', 'GROUPS', KEYS[1]) == 0 then
  return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * LTS triggers: one function's logs feed another. `log_topic_id` names the source function (its id, the `stream_id`
 * of its lts-log-detail); the invokers append each finished invocation's log to `ofg:lts:<project_id>:<function_id>`
 * while that stream exists, which the trigger's consumer group creates. One invocation per read batch of logs.
 */
@Injectable()
export class LtsEventSource extends RedisStreamSource<LtsSourceConfig> {
  readonly types = ['LTS'] as const;

  constructor(
    @Inject(TRIGGER_CONFIG) config: TriggerConfig,
    delivery: SourceInvocationService,
    metrics: SourceMetrics,
  ) {
    super(config, delivery, metrics);
  }

  protected target(trigger: TriggerEntity): StreamTarget<LtsSourceConfig> | string {
    const parsed = ltsEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid event_data';
    const { log_group_id: logGroupId, log_topic_id: logTopicId } = parsed.data;
    return {
      config: {
        streamKey: ltsLogStreamKey(trigger.projectId, logTopicId),
        logGroupId,
        logTopicId,
        batchSize: LTS_BATCH,
      },
      name: `${logGroupId}/${logTopicId}`,
    };
  }

  protected handler(binding: SourceBinding<LtsSourceConfig>): StreamGroupHandler {
    const { logGroupId, logTopicId } = binding.config;
    const source = { projectId: binding.trigger.projectId, logGroupId, logTopicId };
    return {
      source: 'LTS',
      batches: (entries) => [entries],
      event: (entries) => buildLtsEvent(source, entries),
    };
  }

  /** The last trigger reading a function's logs gone, the stream goes too: invokers stop writing it. */
  protected override async released(binding: SourceBinding<LtsSourceConfig>): Promise<void> {
    await this.adminConnection().eval(DROP_IF_UNREAD, 1, binding.config.streamKey);
  }
}
