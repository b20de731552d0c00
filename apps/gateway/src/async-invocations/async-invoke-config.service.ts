import { Inject, Injectable } from '@nestjs/common';
import {
  ASYNC_CONFIG_DEFAULTS,
  AsyncInvokeConfigDto,
  FgsError,
  formatQualifier,
  FuncDestinationConfigBody,
  FunctionRef,
  ListAsyncInvokeConfigsDto,
  parseAsyncDestination,
  SMN_TOPIC_URN,
  updateAsyncInvokeConfigSchema,
} from '@ofg/contracts';
import {
  AsyncInvokeConfigRepository,
  FunctionEntity,
  FunctionRepository,
  StoredAsyncDestination,
} from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { toAsyncInvokeConfigDto } from './async-invoke-config.mapper';
import { parseConfigListQuery } from './async-list-query';

/** A function and the qualifier its async config is stored under. */
export interface ConfigTarget {
  fn: FunctionEntity;
  qualifier: string;
}

/** The qualifier key of a URN: `latest` (also for an unqualified URN), a version or `!alias`. */
export function configQualifier(ref: FunctionRef): string {
  return formatQualifier(ref);
}

/** Async notification configs (spec §3.13 #1–#4, §5.1): validated, stored per qualifier, announced to invokers. */
@Injectable()
export class AsyncInvokeConfigService {
  constructor(
    private readonly configs: AsyncInvokeConfigRepository,
    private readonly functions: FunctionRepository,
    private readonly resolver: FunctionResolver,
    private readonly events: ControlEventsPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async get(auth: FgsAuthContext, urn: string): Promise<AsyncInvokeConfigDto> {
    const { fn, qualifier } = await this.target(auth, urn);
    const row = await this.configs.find(auth.projectId, fn.id, qualifier);
    if (!row) throw notConfigured(qualifier);
    return toAsyncInvokeConfigDto(row, fn, this.config.region);
  }

  /** Replaces the qualifier's config: omitted fields take their defaults, an omitted destination is removed. */
  async put(auth: FgsAuthContext, urn: string, body: unknown): Promise<AsyncInvokeConfigDto> {
    const { fn, qualifier } = await this.target(auth, urn);
    const input = parseBody(updateAsyncInvokeConfigSchema, body);
    const onSuccess = await this.destination(
      auth,
      { fn, qualifier },
      input.destination_config?.on_success,
      'on_success',
    );
    const onFailure = await this.destination(
      auth,
      { fn, qualifier },
      input.destination_config?.on_failure,
      'on_failure',
    );
    const row = await this.configs.upsert({
      projectId: auth.projectId,
      functionId: fn.id,
      qualifier,
      maxAsyncEventAgeS:
        input.max_async_event_age_in_seconds ?? ASYNC_CONFIG_DEFAULTS.maxAsyncEventAgeInSeconds,
      maxAsyncRetryAttempts: input.max_async_retry_attempts ?? ASYNC_CONFIG_DEFAULTS.maxAsyncRetryAttempts,
      onSuccess,
      onFailure,
      enableAsyncStatusLog: input.enable_async_status_log ?? ASYNC_CONFIG_DEFAULTS.enableAsyncStatusLog,
    });
    await this.events.emitAsyncConfigChanged({
      functionId: fn.id,
      projectId: auth.projectId,
      qualifier,
      action: 'upsert',
    });
    return toAsyncInvokeConfigDto(row, fn, this.config.region);
  }

  async delete(auth: FgsAuthContext, urn: string): Promise<void> {
    const { fn, qualifier } = await this.target(auth, urn);
    if (!(await this.configs.delete(auth.projectId, fn.id, qualifier))) throw notConfigured(qualifier);
    await this.events.emitAsyncConfigChanged({
      functionId: fn.id,
      projectId: auth.projectId,
      qualifier,
      action: 'delete',
    });
  }

  /** Every qualifier's config of the function; the URN's own qualifier only has to exist. */
  async list(
    auth: FgsAuthContext,
    urn: string,
    query: Record<string, unknown>,
  ): Promise<ListAsyncInvokeConfigsDto> {
    const { fn } = await this.target(auth, urn);
    const page = parseConfigListQuery(query);
    const { items, total } = await this.configs.listForFunction(
      auth.projectId,
      fn.id,
      page.offset,
      page.limit,
    );
    return {
      async_invoke_configs: items.map((row) => toAsyncInvokeConfigDto(row, fn, this.config.region)),
      count: total,
      page_info: {
        next_marker: page.offset + items.length,
        previous_marker: Math.max(0, page.offset - page.limit),
        current_count: items.length,
      },
    };
  }

  /** The function and the qualifier the config is stored under; the version or alias must exist (FSS.1052/1053). */
  private async target(auth: FgsAuthContext, urn: string): Promise<ConfigTarget> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    return { fn, qualifier: configQualifier(ref) };
  }

  /** Validates one destination; what it names must exist in the caller's project. */
  private async destination(
    auth: FgsAuthContext,
    owner: ConfigTarget,
    config: FuncDestinationConfigBody | null | undefined,
    where: 'on_success' | 'on_failure',
  ): Promise<StoredAsyncDestination | null> {
    if (!config) return null;
    const parsed = parseAsyncDestination(config, `destination_config.${where}`);
    const field = `destination_config.${where}.param`;
    if (parsed.destination === 'FunctionGraph') {
      await this.assertDestinationFunction(auth, owner, parsed.param.func_urn, field);
    } else if (parsed.destination === 'SMN') {
      const [, region, projectId] = SMN_TOPIC_URN.exec(parsed.param.topic_urn) ?? [];
      if (region !== this.config.region || projectId !== auth.projectId) {
        throw new FgsError(
          'FSS.0400',
          `Invalid parameter ${field}.topic_urn: the topic must be in region ${this.config.region} and this project`,
        );
      }
    }
    return { destination: parsed.destination, param: config.param };
  }

  private async assertDestinationFunction(
    auth: FgsAuthContext,
    owner: ConfigTarget,
    urn: string,
    field: string,
  ): Promise<void> {
    const invalid = (why: string) => new FgsError('FSS.0400', `Invalid parameter ${field}.func_urn: ${why}`);
    let ref: FunctionRef;
    try {
      ref = this.resolver.parse(urn, auth);
    } catch {
      // Another project's URN is answered like a missing function, so nothing leaks across tenants.
      throw invalid('no such function in this project');
    }
    if (ref.alias !== undefined || (ref.version !== undefined && ref.version.toLowerCase() !== 'latest')) {
      throw invalid('a destination function runs its latest version: give its unqualified or latest URN');
    }
    const target = await this.functions.findByName(auth.projectId, ref.package, ref.funcName);
    if (!target) throw invalid('no such function in this project');
    // A function that notifies itself would run forever.
    if (target.id === owner.fn.id) throw invalid('a function cannot be its own destination');
  }
}

function notConfigured(qualifier: string): FgsError {
  return new FgsError('FSS.0404', `The function has no async invoke config for qualifier ${qualifier}`);
}
