import {
  formatFunctionUrn,
  FuncReservedInstanceDto,
  ReservedCronConfigDto,
  ReservedInstanceConfigDto,
  ReservedInstancesDto,
  ReservedMetricConfigDto,
  ReservedTacticsConfigDto,
} from '@ofg/contracts';
import type { ReservedInstanceConfigEntity, ReservedInstanceConfigWithFunction } from '@ofg/data-access';

/** The URN qualifier a reservation is shown under: a version name, or `!alias`. */
export function qualifierOf(
  config: Pick<ReservedInstanceConfigEntity, 'qualifierType' | 'qualifierName'>,
): string {
  return config.qualifierType === 'alias' ? `!${config.qualifierName}` : config.qualifierName;
}

/** Stored `tactics_config` with both lists always present, as the SDK model reads them. */
export function toTacticsDto(stored: Record<string, unknown> | undefined): ReservedTacticsConfigDto {
  const cron = stored?.['cron_configs'];
  const metric = stored?.['metric_configs'];
  return {
    cron_configs: Array.isArray(cron) ? (cron as ReservedCronConfigDto[]) : [],
    metric_configs: Array.isArray(metric) ? (metric as ReservedMetricConfigDto[]) : [],
  };
}

export function toReservedInstancesDto(
  config: Pick<ReservedInstanceConfigEntity, 'count' | 'idleMode' | 'tacticsConfig'>,
): ReservedInstancesDto {
  return {
    count: config.count,
    idle_mode: config.idleMode,
    tactics_config: toTacticsDto(config.tacticsConfig),
  };
}

export function toFuncReservedInstanceDto(
  item: ReservedInstanceConfigWithFunction,
  region: string,
): FuncReservedInstanceDto {
  return {
    func_urn: formatFunctionUrn(region, item.fn, qualifierOf(item.config)),
    count: item.config.count,
  };
}

export function toReservedInstanceConfigDto(
  item: ReservedInstanceConfigWithFunction,
  region: string,
): ReservedInstanceConfigDto {
  return {
    function_urn: formatFunctionUrn(region, item.fn),
    qualifier_type: item.config.qualifierType,
    qualifier_name: item.config.qualifierName,
    min_count: item.config.count,
    idle_mode: item.config.idleMode,
    tactics_config: toTacticsDto(item.config.tacticsConfig),
  };
}
