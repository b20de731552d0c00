import { Inject, Injectable } from '@nestjs/common';
import { CronExpressionParser } from 'cron-parser';
import {
  FgsError,
  FunctionConfigDto,
  FuncReservedInstanceMetricsDto,
  FunctionRef,
  ListFunctionReservedInstancesDto,
  ListReservedInstanceConfigsDto,
  normaliseCronSchedule,
  RESERVED_INSTANCES_MAX,
  ReservedInstancesDto,
  UpdateReservedInstancesBody,
  updateMaxInstanceSchema,
  updateReservedInstancesSchema,
} from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  ReservedInstanceConfigFilter,
  ReservedInstanceConfigRepository,
} from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver, isLatest } from '../functions/function.resolver';
import { toFunctionConfigDto } from '../functions/function.mapper';
import { InstanceFiguresReader } from './instance-figures.reader';
import {
  toFuncReservedInstanceDto,
  toReservedInstanceConfigDto,
  toReservedInstancesDto,
} from './reserved-instances.mapper';
import { pageInfoOf, parseReservedListQuery } from './reserved-list.query';

/** The reservation key of a URN's qualifier: `version` (`latest` for none) or `alias`. */
function reservationQualifierOf(ref: FunctionRef): {
  qualifierType: 'version' | 'alias';
  qualifierName: string;
} {
  if (ref.alias !== undefined) return { qualifierType: 'alias', qualifierName: ref.alias };
  return {
    qualifierType: 'version',
    qualifierName: isLatest(ref.version) ? 'latest' : (ref.version as string),
  };
}

/**
 * Reserved instances: how many instances of a function qualifier the invokers keep warm between them, the
 * listings and live figures of the spec's reserved/scaling group, and the function's max instances.
 */
@Injectable()
export class ReservedInstancesService {
  constructor(
    private readonly reservations: ReservedInstanceConfigRepository,
    private readonly functions: FunctionRepository,
    private readonly resolver: FunctionResolver,
    private readonly events: ControlEventsPublisher,
    private readonly figures: InstanceFiguresReader,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Sets the reservation of the URN's qualifier (which must exist); count 0 without policies removes it. */
  async update(auth: FgsAuthContext, urn: string, body: unknown): Promise<ReservedInstancesDto> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    const qualifier = reservationQualifierOf(ref);
    const input = parseBody(updateReservedInstancesSchema, body);
    assertWithinMaximum(fn, input);
    assertCronExpressions(input);
    const tacticsConfig = {
      cron_configs: input.tactics_config?.cron_configs ?? [],
      metric_configs: input.tactics_config?.metric_configs ?? [],
    };
    const keep =
      input.count > 0 || tacticsConfig.cron_configs.length > 0 || tacticsConfig.metric_configs.length > 0;
    const row = {
      projectId: auth.projectId,
      functionId: fn.id,
      ...qualifier,
      domainId: auth.domainId,
      count: input.count,
      idleMode: input.idle_mode ?? false,
      tacticsConfig,
    };
    if (keep) await this.reservations.upsert(row);
    else
      await this.reservations.remove(auth.projectId, fn.id, qualifier.qualifierType, qualifier.qualifierName);
    await this.events.emitReservedInstancesChanged({
      functionId: fn.id,
      projectId: auth.projectId,
      qualifier: qualifier.qualifierName,
      count: input.count,
    });
    return toReservedInstancesDto(row);
  }

  /** `GET .../functions/reservedinstances`: reserved counts per function qualifier. */
  async listReservedInstances(
    auth: FgsAuthContext,
    query: Record<string, unknown>,
  ): Promise<ListFunctionReservedInstancesDto> {
    const q = parseReservedListQuery(query, 'urn');
    const filter = await this.filterOf(auth, q.urn);
    if (!filter) return { reservedinstances: [], page_info: pageInfoOf(q.marker, q.limit, 0), count: 0 };
    const { items, total } = await this.reservations.list(auth.projectId, filter, q.marker, q.limit);
    return {
      reservedinstances: items.map((i) => toFuncReservedInstanceDto(i, this.config.region)),
      page_info: pageInfoOf(q.marker, q.limit, items.length),
      count: total,
    };
  }

  /** `GET .../functions/reservedinstanceconfigs`: the reservations with their policies. */
  async listConfigs(
    auth: FgsAuthContext,
    query: Record<string, unknown>,
  ): Promise<ListReservedInstanceConfigsDto> {
    const q = parseReservedListQuery(query, 'function_urn');
    const filter = await this.filterOf(auth, q.urn);
    if (!filter) return { reserved_instances: [], page_info: pageInfoOf(q.marker, q.limit, 0), count: 0 };
    const { items, total } = await this.reservations.list(auth.projectId, filter, q.marker, q.limit);
    return {
      reserved_instances: items.map((i) => toReservedInstanceConfigDto(i, this.config.region)),
      page_info: pageInfoOf(q.marker, q.limit, items.length),
      count: total,
    };
  }

  /** Live instance and reserved-instance counts of the function over the running invokers, as one point each. */
  async instanceReport(auth: FgsAuthContext, urn: string): Promise<FuncReservedInstanceMetricsDto> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    let figures;
    try {
      figures = await this.figures.figuresOf(fn.id);
    } catch {
      throw new FgsError('FSS.0503', 'Instance figures are unavailable right now');
    }
    const timestamp = Date.now();
    return {
      instanceNum: [{ timestamp, value: figures.instances }],
      reservedInstanceNum: [{ timestamp, value: figures.reserved }],
    };
  }

  /**
   * `PUT .../config-max-instance`. No function-changed event: max instances is not part of what an instance runs,
   * so warm and reserved instances stay; other gateway replicas see the new value within their lookup-cache TTL.
   */
  async updateMaxInstances(auth: FgsAuthContext, urn: string, body: unknown): Promise<FunctionConfigDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(updateMaxInstanceSchema, body);
    const reserved = await this.reservations.reservedCountOf(auth.projectId, fn.id);
    if (input.max_instance_num !== -1 && reserved > input.max_instance_num) {
      throw new FgsError(
        'FSS.1076',
        `max_instance_num ${input.max_instance_num} is below the function's ${reserved} reserved instances`,
      );
    }
    const updated = await this.functions.updateConfig(auth.projectId, fn.id, {
      maxInstances: input.max_instance_num,
    });
    if (!updated) throw new FgsError('FSS.1051');
    this.resolver.evict(fn.id);
    return toFunctionConfigDto(updated, { region: this.config.region, domainId: auth.domainId });
  }

  /** The repository filter of a listing's URN parameter; undefined when it names no function of the caller. */
  private async filterOf(
    auth: FgsAuthContext,
    urn: string | undefined,
  ): Promise<ReservedInstanceConfigFilter | undefined> {
    if (urn === undefined) return {};
    try {
      const { fn, ref } = await this.resolver.find(urn, auth);
      if (ref.alias !== undefined)
        return { functionId: fn.id, qualifierType: 'alias', qualifierName: ref.alias };
      if (ref.version !== undefined)
        return {
          functionId: fn.id,
          qualifierType: 'version',
          qualifierName: ref.version.toLowerCase() === 'latest' ? 'latest' : ref.version,
        };
      return { functionId: fn.id };
    } catch (err) {
      // A filter naming nothing of the caller's lists nothing, whether the function is missing or another tenant's.
      if (err instanceof FgsError && err.code === 'FSS.1051') return undefined;
      throw err;
    }
  }
}

/** The largest reservation a function may hold: its max instances when set lower than the platform's maximum. */
export function reservedMaximumOf(fn: Pick<FunctionEntity, 'maxInstances'>): number {
  return fn.maxInstances >= 0 ? Math.min(fn.maxInstances, RESERVED_INSTANCES_MAX) : RESERVED_INSTANCES_MAX;
}

function assertWithinMaximum(fn: FunctionEntity, input: UpdateReservedInstancesBody): void {
  const max = reservedMaximumOf(fn);
  const why = max < RESERVED_INSTANCES_MAX ? `the function's max instances (${max})` : `the maximum (${max})`;
  if (input.count > max)
    throw new FgsError('FSS.1076', `Reserved instance count ${input.count} is above ${why}`);
  for (const cron of input.tactics_config?.cron_configs ?? []) {
    if (cron.count > max)
      throw new FgsError('FSS.1076', `cron_configs ${cron.name}: count ${cron.count} is above ${why}`);
  }
  for (const metric of input.tactics_config?.metric_configs ?? []) {
    if (metric.min > max)
      throw new FgsError('FSS.1076', `metric_configs ${metric.name}: min ${metric.min} is above ${why}`);
  }
}

/** Scheduled reservations take the cron dialect of TIMER triggers. */
function assertCronExpressions(input: UpdateReservedInstancesBody): void {
  for (const cron of input.tactics_config?.cron_configs ?? []) {
    const repeat = normaliseCronSchedule(cron.cron);
    let valid = repeat !== undefined;
    if (repeat && 'pattern' in repeat) {
      try {
        CronExpressionParser.parse(repeat.pattern, repeat.tz ? { tz: repeat.tz } : {}).next();
      } catch {
        valid = false;
      }
    }
    if (!valid)
      throw new FgsError(
        'FSS.0400',
        `Invalid parameter tactics_config.cron_configs ${cron.name}: bad cron expression`,
      );
  }
}
