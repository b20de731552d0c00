import { z } from 'zod';

/**
 * The most reserved instances one function qualifier may hold (FSS.1076 above it). A function whose max instances
 * (`strategy_config.concurrency`) is set lower is capped by that instead; see docs/compatibility.md.
 */
export const RESERVED_INSTANCES_MAX = 1000;
/** Scheduled and metric-driven policies a reservation may carry, each. */
export const RESERVED_TACTICS_MAX = 10;
/** Max instances range of `config-max-instance` (spec §3.6.8: -1 unlimited, 0 disabled, up to 1000). */
export const MAX_INSTANCE_NUM_RANGE = { min: -1, max: 1000 } as const;

const policyName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" or "-", 1-64 long');

/** One scheduled reservation of `tactics_config.cron_configs` (spec §3.10.1); times are epoch seconds. */
export const reservedCronConfigSchema = z
  .object({
    name: policyName,
    cron: z.string().min(1).max(256),
    count: z.number().int().min(0),
    start_time: z.number().int().min(0),
    expired_time: z.number().int().min(0),
  })
  .strip()
  .refine((c) => c.expired_time > c.start_time, {
    message: 'expired_time must be later than start_time',
    path: ['expired_time'],
  });

/** One metric-driven policy of `tactics_config.metric_configs`; `threshold` is a concurrency utilisation percentage. */
export const reservedMetricConfigSchema = z
  .object({
    name: policyName,
    type: z.literal('Concurrency'),
    threshold: z.number().int().min(1).max(100),
    min: z.number().int().min(0),
  })
  .strip();

export const reservedTacticsConfigSchema = z
  .object({
    cron_configs: z.array(reservedCronConfigSchema).max(RESERVED_TACTICS_MAX).optional(),
    metric_configs: z.array(reservedMetricConfigSchema).max(RESERVED_TACTICS_MAX).optional(),
  })
  .strip();

/** Body of `PUT .../reservedinstances`; the upper bound of `count` is checked by the service (FSS.1076). */
export const updateReservedInstancesSchema = z
  .object({
    count: z.number().int().min(0),
    idle_mode: z.boolean().optional(),
    tactics_config: reservedTacticsConfigSchema.optional(),
  })
  .strip();
export type UpdateReservedInstancesBody = z.infer<typeof updateReservedInstancesSchema>;

/** Body of `PUT .../config-max-instance`. */
export const updateMaxInstanceSchema = z
  .object({
    max_instance_num: z.number().int().min(MAX_INSTANCE_NUM_RANGE.min).max(MAX_INSTANCE_NUM_RANGE.max),
  })
  .strip();

export interface ReservedCronConfigDto {
  name: string;
  cron: string;
  count: number;
  start_time: number;
  expired_time: number;
}

export interface ReservedMetricConfigDto {
  name: string;
  type: 'Concurrency';
  threshold: number;
  min: number;
}

/** The SDK's TacticsConfig. */
export interface ReservedTacticsConfigDto {
  cron_configs: ReservedCronConfigDto[];
  metric_configs: ReservedMetricConfigDto[];
}

/** Answer of `PUT .../reservedinstances` (SDK UpdateFunctionReservedInstancesCountResponse). */
export interface ReservedInstancesDto {
  count: number;
  idle_mode: boolean;
  tactics_config: ReservedTacticsConfigDto;
}

/** The SDK's PageInfo: offsets of the neighbouring pages and the size of this one. */
export interface PageInfoDto {
  next_marker: number;
  previous_marker: number;
  current_count: number;
}

/** Item of `GET .../functions/reservedinstances` (SDK FuncReservedInstance). */
export interface FuncReservedInstanceDto {
  func_urn: string;
  count: number;
}

export interface ListFunctionReservedInstancesDto {
  reservedinstances: FuncReservedInstanceDto[];
  page_info: PageInfoDto;
  count: number;
}

/** Item of `GET .../functions/reservedinstanceconfigs` (SDK ReservedInstanceConfigs). */
export interface ReservedInstanceConfigDto {
  function_urn: string;
  qualifier_type: ReservedQualifierType;
  qualifier_name: string;
  min_count: number;
  idle_mode: boolean;
  tactics_config: ReservedTacticsConfigDto;
}

export interface ListReservedInstanceConfigsDto {
  reserved_instances: ReservedInstanceConfigDto[];
  page_info: PageInfoDto;
  count: number;
}

/** The SDK's SlaReportsValue: one point of a series, `timestamp` in epoch ms. */
export interface SlaReportValueDto {
  timestamp: number;
  value: number;
}

/** Answer of `GET .../{func_urn}/instancereports` (SDK ShowFuncReservedInstanceMetricsResponse; camelCase as the SDK has it). */
export interface FuncReservedInstanceMetricsDto {
  instanceNum: SlaReportValueDto[];
  reservedInstanceNum: SlaReportValueDto[];
}

/** What a reservation targets: a version (`latest` included) or an alias. */
export type ReservedQualifierType = 'version' | 'alias';

/**
 * Invoker membership and live instance figures in Redis, shared by the invokers (writers) and the gateway (reader).
 * Renaming a key makes running invokers and gateways miss each other until all are restarted.
 */
export const INVOKER_REGISTRY_KEYS = {
  /** Sorted set of invoker ids scored by the Redis time (ms) at which each one's heartbeat expires. */
  members: 'ofg:invokers:members',
  /** Prefix of a per-invoker hash: function id → JSON `InvokerFunctionFigures`, expiring with the heartbeat. */
  figuresPrefix: 'ofg:invokers:figures:',
} as const;

export function invokerFiguresKey(invokerId: string): string {
  return `${INVOKER_REGISTRY_KEYS.figuresPrefix}${invokerId}`;
}

/** One invoker's containers of one function: all of them, and those it holds as reserved instances. */
export interface InvokerFunctionFigures {
  instances: number;
  reserved: number;
}
