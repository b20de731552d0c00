import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { TriggerEntity } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { TriggerConfig } from '../../config/trigger.config';
import { SourceConsumer } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { RecordingDelivery } from '../testing/recording-delivery';
import { RedisStreamSource } from './redis-stream.source';
import { StreamGroupConfig } from './stream-group.consumer';

/** Redis of the stream source specs (db 15 unless SOURCES_REDIS_URL says otherwise). */
export const REDIS_URL = process.env['SOURCES_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';

export function aStreamTrigger(
  type: string,
  projectId: string,
  eventData: Record<string, unknown>,
): TriggerEntity {
  return {
    id: randomUUID(),
    projectId,
    functionId: randomUUID(),
    qualifier: 'latest',
    triggerTypeCode: type,
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: type,
    eventData,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

type SourceClass<C extends StreamGroupConfig> = new (
  config: TriggerConfig,
  delivery: SourceInvocationService,
  metrics: SourceMetrics,
) => RedisStreamSource<C>;

/**
 * Replicas of one stream source type in a spec: each has its own consumer name and delivery; `kill` drops a
 * consumer's connection without a stop (a replica dying between receive and ack).
 */
export class StreamReplicas<C extends StreamGroupConfig> {
  readonly started: SourceConsumer[] = [];
  readonly drivers: RedisStreamSource<C>[] = [];

  constructor(private readonly Source: SourceClass<C>) {}

  replica(name: string, delivery: RecordingDelivery, claimIdleMs = 400): RedisStreamSource<C> {
    const config = {
      redisUrl: REDIS_URL,
      region: 'local',
      sources: { instanceId: name, disClaimIdleMs: claimIdleMs },
    } as TriggerConfig;
    const driver = new this.Source(
      config,
      delivery as unknown as SourceInvocationService,
      new SourceMetrics(new MetricsService()),
    );
    this.drivers.push(driver);
    return driver;
  }

  consume(driver: RedisStreamSource<C>, trigger: TriggerEntity): SourceConsumer {
    const bound = driver.bind(trigger);
    if (!bound.ok) throw new Error(bound.reason);
    const consumer = driver.consumer(bound.binding);
    consumer.start();
    this.started.push(consumer);
    return consumer;
  }

  /** The consumer's connection goes, its invocation never returns: what it read stays pending in the group. */
  kill(consumer: SourceConsumer): void {
    (consumer as unknown as { redis: Redis }).redis.disconnect();
    this.started.splice(this.started.indexOf(consumer), 1);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((c) => c.stop()));
    await Promise.all(this.drivers.splice(0).map((d) => d.close()));
  }
}

/** Entries of a trigger's group that were delivered and not acknowledged. */
export async function pendingCount(redis: Redis, streamKey: string, triggerId: string): Promise<number> {
  const summary = (await redis.xpending(streamKey, `ofg-trigger-${triggerId}`)) as [number, ...unknown[]];
  return Number(summary[0]);
}

/** Waits until the trigger's consumer group exists (it starts at the end of the stream). */
export async function groupExists(redis: Redis, streamKey: string): Promise<boolean> {
  const exists = await redis.exists(streamKey);
  if (!exists) return false;
  return ((await redis.xinfo('GROUPS', streamKey)) as unknown[]).length > 0;
}
