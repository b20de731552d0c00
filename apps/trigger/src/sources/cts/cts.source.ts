import { Inject, Injectable } from '@nestjs/common';
import { ctsEventDataSchema, ctsStreamKey } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { SourceBinding } from '../event-source.port';
import { RedisStreamSource, StreamTarget } from '../redis-stream/redis-stream.source';
import { StreamGroupConfig, StreamGroupHandler } from '../redis-stream/stream-group.consumer';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { buildCtsEvent, ctsMatches } from './cts-event.mapper';

export interface CtsSourceConfig extends StreamGroupConfig {
  /** `<service_type>:<resource_type>:<trace_name>`, sorted. */
  operations: string[];
}

/**
 * CTS triggers: the project's audit stream `ofg:cts:<project_id>` (written by the gateway for every control-plane
 * change), one consumer group per trigger from its creation on; records whose operation the trigger lists invoke
 * the function, one each, the others are acknowledged unread.
 */
@Injectable()
export class CtsEventSource extends RedisStreamSource<CtsSourceConfig> {
  readonly types = ['CTS'] as const;

  constructor(
    @Inject(TRIGGER_CONFIG) config: TriggerConfig,
    delivery: SourceInvocationService,
    metrics: SourceMetrics,
  ) {
    super(config, delivery, metrics);
  }

  protected target(trigger: TriggerEntity): StreamTarget<CtsSourceConfig> | string {
    const parsed = ctsEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid event_data';
    return {
      config: { streamKey: ctsStreamKey(trigger.projectId), operations: [...parsed.data.operations].sort() },
      name: parsed.data.notification_name,
    };
  }

  protected handler(binding: SourceBinding<CtsSourceConfig>): StreamGroupHandler {
    const operations = new Set(binding.config.operations);
    return {
      source: 'CTS',
      batches: (entries) => entries.filter((e) => ctsMatches(operations, e)).map((e) => [e]),
      event: ([entry]) => buildCtsEvent(entry),
    };
  }
}
