import type { z } from 'zod';
import type { ErrorCode } from '../../errors/error-code';
import { TriggerStatus, TriggerTypeCode, timerEventDataSchema } from '../trigger.schemas';
import { apigEventDataSchema, dedicatedApigEventDataSchema } from './apig.event-data';
import { ctsEventDataSchema, ctsIssueCode } from './cts.event-data';
import { disEventDataSchema } from './dis.event-data';
import { dmsEventDataSchema } from './dms.event-data';
import { eventgridEventDataSchema } from './eventgrid.event-data';
import { kafkaEventDataSchema, kafkaIssueCode, openSourceKafkaEventDataSchema } from './kafka.event-data';
import { ltsEventDataSchema } from './lts.event-data';
import { mqttEventDataSchema, natsEventDataSchema } from './mqtt.event-data';
import { obsEventDataSchema } from './obs.event-data';
import { rabbitmqEventDataSchema } from './rabbitmq.event-data';
import { smnEventDataSchema } from './smn.event-data';

const NAME_COLUMN_MAX = 128;

/** What the API needs to know about one trigger type (spec §4.2, §4.3 and the error table §10.2). */
export interface TriggerTypeRule {
  /** `event_data` as stored; absent for types this platform cannot run (they are refused with FSS.1101). */
  schema?: z.ZodType<Record<string, unknown>>;
  /** Invalid `event_data`. */
  invalidCode: ErrorCode;
  /** A more specific code than `invalidCode` for some validation issues (CTS's FSS.1312–1318, Kafka's FSS.1113). */
  issueCode?(issue: { code: string; path: readonly PropertyKey[] }): ErrorCode | undefined;
  /** A second trigger with the same name (see `nameOf`) on the function. */
  existsCode: ErrorCode;
  /** Unknown trigger id under this type. */
  notFoundCode: ErrorCode;
  /** `trigger_status` when the create body names none. */
  defaultStatus: TriggerStatus;
  /** Whether `trigger_status: DISABLED` is accepted, on create and update. */
  canDisable: boolean;
  /**
   * The trigger's name, unique per function and type (the database constraint): what makes two triggers of the same
   * function duplicates. Derived from the validated `event_data`.
   */
  nameOf(eventData: Record<string, unknown>): string;
}

/** 32-bit FNV-1a of a string's UTF-16 units, as 8 hex digits (contracts stay free of Node APIs). */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** A composite name key; one too long for the name column keeps its first 100 characters plus a 64-bit hash. */
function key(...parts: unknown[]): string {
  const joined = parts.map((p) => (p === undefined || p === null ? '' : String(p))).join('/');
  if (joined.length <= NAME_COLUMN_MAX) return joined;
  return `${joined.slice(0, 100)}#${fnv1a(joined, 0x811c9dc5)}${fnv1a(joined, 0x01000193)}`;
}

const byName = (d: Record<string, unknown>): string => String(d['name'] ?? '');

/** A list as one name part, order-insensitive. */
const sorted = (list: unknown): string => (Array.isArray(list) ? [...list].map(String).sort().join(',') : '');

const APIG_RULE = {
  invalidCode: 'FSS.1107',
  existsCode: 'FSS.1146',
  notFoundCode: 'FSS.1138',
  defaultStatus: 'ACTIVE',
  // Extension: the spec lists TIMER, DDS, DMS, KAFKA, LTS; an API served by this gateway can be paused locally.
  canDisable: true,
  nameOf: byName,
} as const satisfies Omit<TriggerTypeRule, 'schema'>;

/**
 * Per-type rules. Disabling: the spec allows TIMER, DDS, DMS, KAFKA and LTS; this platform also lets the types it
 * serves itself be disabled (APIG, DEDICATEDGATEWAY, APIC, DIS, RABBITMQ), since pausing them is local. Default
 * status: DDS and KAFKA start DISABLED, every other type ACTIVE.
 */
export const TRIGGER_TYPE_RULES: Record<TriggerTypeCode, TriggerTypeRule> = {
  TIMER: {
    schema: timerEventDataSchema,
    invalidCode: 'FSS.1109',
    existsCode: 'FSS.1148',
    notFoundCode: 'FSS.1140',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    nameOf: byName,
  },
  APIG: { ...APIG_RULE, schema: apigEventDataSchema },
  DEDICATEDGATEWAY: { ...APIG_RULE, schema: dedicatedApigEventDataSchema },
  APIC: { ...APIG_RULE, schema: dedicatedApigEventDataSchema },
  DIS: {
    schema: disEventDataSchema,
    invalidCode: 'FSS.1104',
    existsCode: 'FSS.1143',
    notFoundCode: 'FSS.1134',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    // One trigger per stream and function.
    nameOf: (d) => key(d['stream_name']),
  },
  DMS: {
    schema: dmsEventDataSchema,
    invalidCode: 'FSS.1103',
    existsCode: 'FSS.1142',
    notFoundCode: 'FSS.1133',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    // One trigger per queue and consumer group of a function.
    nameOf: (d) => key(d['queue_id'], d['consumer_group_id']),
  },
  RABBITMQ: {
    schema: rabbitmqEventDataSchema,
    // DMS for RabbitMQ: the spec has no RabbitMQ codes, the DMS ones are the nearest.
    invalidCode: 'FSS.1103',
    existsCode: 'FSS.1142',
    notFoundCode: 'FSS.1133',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    // One trigger per instance, exchange, routing key and queue of a function (absent parts count as empty).
    nameOf: (d) => key(d['instance_id'], d['exchange_name'], d['routing_key'], d['queue_name']),
  },
  OBS: {
    schema: obsEventDataSchema,
    invalidCode: 'FSS.1106',
    existsCode: 'FSS.1145',
    notFoundCode: 'FSS.1136',
    defaultStatus: 'ACTIVE',
    canDisable: false,
    // The same bucket, key filter and events twice on a function; other overlaps are FSS.1108 (the OBS hooks).
    nameOf: (d) => key(d['bucket'], d['prefix'], d['suffix'], sorted(d['events'])),
  },
  SMN: {
    schema: smnEventDataSchema,
    invalidCode: 'FSS.1102',
    existsCode: 'FSS.1141',
    notFoundCode: 'FSS.1132',
    defaultStatus: 'ACTIVE',
    canDisable: false,
    nameOf: (d) => key(d['topic_urn']),
  },
  KAFKA: {
    schema: kafkaEventDataSchema,
    invalidCode: 'FSS.1112',
    issueCode: kafkaIssueCode,
    existsCode: 'FSS.1150',
    notFoundCode: 'FSS.1174',
    defaultStatus: 'DISABLED',
    canDisable: true,
    nameOf: (d) => key(d['instance_id'], sorted(d['topic_ids'])),
  },
  OPENSOURCEKAFKA: {
    schema: openSourceKafkaEventDataSchema,
    invalidCode: 'FSS.1112',
    issueCode: kafkaIssueCode,
    existsCode: 'FSS.1150',
    notFoundCode: 'FSS.1174',
    defaultStatus: 'ACTIVE',
    canDisable: false,
    nameOf: (d) => key(d['kafka_connect_address'], sorted(d['topic_ids'])),
  },
  LTS: {
    schema: ltsEventDataSchema,
    invalidCode: 'FSS.1110',
    existsCode: 'FSS.1149',
    notFoundCode: 'FSS.1160',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    nameOf: (d) => key(d['log_group_id'], d['log_topic_id']),
  },
  CTS: {
    schema: ctsEventDataSchema,
    invalidCode: 'FSS.1305',
    issueCode: ctsIssueCode,
    existsCode: 'FSS.1307',
    notFoundCode: 'FSS.1301',
    defaultStatus: 'ACTIVE',
    canDisable: false,
    nameOf: (d) => key(d['notification_name']),
  },
  DDS: {
    invalidCode: 'FSS.1164',
    existsCode: 'FSS.1166',
    notFoundCode: 'FSS.1163',
    defaultStatus: 'DISABLED',
    canDisable: true,
    nameOf: (d) => key(d['instance_id'], d['db_name'], d['collection_name']),
  },
  GAUSSMONGO: {
    invalidCode: 'FSS.1164',
    existsCode: 'FSS.1166',
    notFoundCode: 'FSS.1163',
    defaultStatus: 'ACTIVE',
    canDisable: false,
    nameOf: (d) => key(d['instance_id'], d['db_name'], d['collection_name']),
  },
  EVENTGRID: {
    schema: eventgridEventDataSchema,
    // The spec has no EventGrid codes: the generic invalid-parameter and already-exists ones.
    invalidCode: 'FSS.0400',
    existsCode: 'FSS.0409',
    notFoundCode: 'FSS.1131',
    defaultStatus: 'ACTIVE',
    canDisable: false,
    // One trigger per channel and filter of a function.
    nameOf: (d) => key(d['channel_name'], d['source_name'], sorted(d['event_types'])),
  },
  // Extensions with no codes of their own in the spec: the generic invalid-parameter and already-exists ones.
  MQTT: {
    schema: mqttEventDataSchema,
    invalidCode: 'FSS.0400',
    existsCode: 'FSS.0409',
    notFoundCode: 'FSS.1131',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    nameOf: (d) => key(d['topic']),
  },
  NATS: {
    schema: natsEventDataSchema,
    invalidCode: 'FSS.0400',
    existsCode: 'FSS.0409',
    notFoundCode: 'FSS.1131',
    defaultStatus: 'ACTIVE',
    canDisable: true,
    nameOf: (d) => key(d['stream'], d['subject']),
  },
};

/** The rule of a type code, if it is one of the API's. */
export function triggerTypeRule(code: string): TriggerTypeRule | undefined {
  return Object.prototype.hasOwnProperty.call(TRIGGER_TYPE_RULES, code)
    ? TRIGGER_TYPE_RULES[code as TriggerTypeCode]
    : undefined;
}
