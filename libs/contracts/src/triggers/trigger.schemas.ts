import { z } from 'zod';

/** Trigger type codes of the API enum (spec §4.1). */
export const TRIGGER_TYPE_CODES = [
  'TIMER',
  'APIG',
  'CTS',
  'DDS',
  'DMS',
  'DIS',
  'LTS',
  'OBS',
  'SMN',
  'KAFKA',
  'RABBITMQ',
  'DEDICATEDGATEWAY',
  'OPENSOURCEKAFKA',
  'APIC',
  'GAUSSMONGO',
  'EVENTGRID',
  // Extensions (docs/compatibility.md): an MQTT broker topic and a NATS JetStream stream.
  'MQTT',
  'NATS',
] as const;
export type TriggerTypeCode = (typeof TRIGGER_TYPE_CODES)[number];

/**
 * The trigger types this platform runs: TIMER, the message/stream sources pulled by the trigger service (DIS, DMS,
 * RABBITMQ), the APIs the gateway serves (APIG, DEDICATEDGATEWAY, APIC) and the events pushed to the gateway (OBS
 * bucket notifications, EVENTGRID CloudEvents), and the platform's own streams (SMN topics, the CTS audit stream, LTS
 * function logs), and the extensions MQTT and NATS (JetStream); the others are answered with FSS.1101.
 */
export const SUPPORTED_TRIGGER_TYPES: readonly TriggerTypeCode[] = [
  'TIMER',
  'DIS',
  'DMS',
  'RABBITMQ',
  'APIG',
  'DEDICATEDGATEWAY',
  'APIC',
  'OBS',
  'EVENTGRID',
  'SMN',
  'CTS',
  'LTS',
  'MQTT',
  'NATS',
];

export const TRIGGER_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

export const createTriggerSchema = z
  .object({
    trigger_type_code: z.string().min(1).max(32),
    event_data: z.record(z.string(), z.unknown()),
    trigger_status: z.enum(TRIGGER_STATUSES).optional(),
    event_type_code: z.string().max(64).optional(),
  })
  .strip();
export type CreateTriggerBody = z.infer<typeof createTriggerSchema>;

/**
 * `event_data` replaces the trigger's when it is an object; the SDK's UpdateTriggerRequestBody sends an array of
 * partial objects (`UpdateriggerEventData`), which are merged over the current event_data in order.
 */
export const updateTriggerSchema = z
  .object({
    trigger_status: z.enum(TRIGGER_STATUSES).optional(),
    event_data: z
      .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).max(16)])
      .optional(),
  })
  .strip();
export type UpdateTriggerBody = z.infer<typeof updateTriggerSchema>;

/** TIMER `event_data` (spec §4.3). */
export const timerEventDataSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/),
    schedule_type: z.enum(['Rate', 'Cron']),
    schedule: z.string().min(1).max(256),
    user_event: z.string().max(4096).optional(),
  })
  .strip();
export type TimerEventData = z.infer<typeof timerEventDataSchema>;

/** The trigger object of the API (spec §3.12). */
export interface TriggerDto {
  trigger_id: string;
  trigger_type_code: string;
  trigger_status: TriggerStatus;
  event_type_code?: string;
  event_data: Record<string, unknown>;
  last_updated_time: string;
  created_time: string;
}

/** The event a TIMER trigger hands to the function (contract §5.6). */
export interface TimerEvent {
  version: 'v1.0';
  time: string;
  trigger_type: 'TIMER';
  trigger_name: string;
  user_event: string;
}
