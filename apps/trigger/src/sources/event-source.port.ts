import { StreamSourceType } from '@ofg/contracts';
import type { TriggerEntity } from '@ofg/data-access';

/** What a consumer needs to know about its trigger to invoke its function. */
export interface SourceTrigger {
  id: string;
  type: StreamSourceType;
  projectId: string;
  functionId: string;
  /** `latest`, a version or `!alias`, as the trigger was created. */
  qualifier: string;
  name: string;
}

/** An ACTIVE or DISABLED trigger of a source type with its parsed `event_data`. */
export interface SourceBinding<C = unknown> {
  trigger: SourceTrigger;
  config: C;
  /** Equal fingerprints mean the running consumer is still the right one. */
  fingerprint: string;
  /** The broker-side state owned by this trigger (a consumer group, a derived queue); released when it changes. */
  resource: string;
}

/** The consumer of one ACTIVE trigger: receives batches, invokes, acknowledges after acceptance. */
export interface SourceConsumer {
  start(): void;
  /** Stops receiving; unacknowledged messages go back to the broker. */
  stop(): Promise<void>;
}

export type BindResult<C> = { ok: true; binding: SourceBinding<C> } | { ok: false; reason: string };

/** One kind of broker (Redis Streams for DIS, RabbitMQ for DMS and RABBITMQ). */
export interface EventSourceDriver<C = unknown> {
  readonly types: readonly StreamSourceType[];
  /** Parses a trigger of one of `types`; a trigger whose `event_data` no longer parses gets no consumer. */
  bind(trigger: TriggerEntity): BindResult<C>;
  consumer(binding: SourceBinding<C>): SourceConsumer;
  /**
   * Removes the broker state of a trigger that was deleted (`next` absent) or now uses another resource (`next`, so
   * what both share stays); idempotent, as every replica releases.
   */
  release(old: SourceBinding<C>, next?: SourceBinding<C>): Promise<void>;
  /** Closes the driver's connections once every consumer stopped. */
  close(): Promise<void>;
}

/** Nest token of the list of drivers. */
export const EVENT_SOURCE_DRIVERS = Symbol('EVENT_SOURCE_DRIVERS');

/** The fields of a trigger entity every binding copies. */
export function sourceTriggerOf(
  trigger: TriggerEntity,
  type: StreamSourceType,
  fallbackName: string,
): SourceTrigger {
  return {
    id: trigger.id,
    type,
    projectId: trigger.projectId,
    functionId: trigger.functionId,
    qualifier: trigger.qualifier || 'latest',
    name: trigger.name || fallbackName,
  };
}
