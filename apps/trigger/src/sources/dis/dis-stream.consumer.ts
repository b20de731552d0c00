import { SourceBinding } from '../event-source.port';
import {
  RedisStreamGroupConsumer,
  StreamGroupConfig,
  StreamGroupDeps,
} from '../redis-stream/stream-group.consumer';
import { buildDisEvent } from './dis-event.mapper';

/** A DIS trigger's stream, group and batching, from its `event_data`. */
export interface DisSourceConfig extends StreamGroupConfig {
  streamName: string;
}

export type DisConsumerDeps = StreamGroupDeps;

/**
 * The consumer of one DIS trigger in this replica: the shared Redis Stream group consumer (XREADGROUP, XACK after
 * acceptance, XAUTOCLAIM takeover) with one invocation per read batch and the DIS event.
 */
export class DisStreamConsumer extends RedisStreamGroupConsumer {
  constructor(binding: SourceBinding<DisSourceConfig>, deps: DisConsumerDeps) {
    super(binding, deps, {
      source: 'DIS',
      batches: (entries) => [entries],
      event: (entries, hop) => buildDisEvent(binding.config.streamName, entries, hop),
    });
  }
}
