import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  createFunctionSchema,
  FgsError,
  FUNCTION_FIELD_ERRORS,
  FunctionCodeDto,
  FunctionConfigDto,
  ListFunctionsDto,
  RUNTIMES,
  RuntimeName,
  updateFunctionCodeSchema,
  updateFunctionConfigSchema,
  INITIALIZER_TIMEOUT_RANGE_S,
} from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  FunctionVersionRepository,
  functionAtVersion,
  QuotaUsageRepository,
  ReservedInstanceConfigRepository,
  TriggerRepository,
} from '@ofg/data-access';
import { SecretCipher, functionEnvAad } from '@ofg/security';
import { FgsAuthContext } from '../common/fgs-request';
import { FunctionDependencies, versionIdsOf } from '../dependencies/function-dependencies';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { CodePackageService, PreparedCode } from './code-package.service';
import {
  assertBootstrapPresent,
  customImageForCreate,
  customImageForUpdate,
  imagePlaceholderCode,
  packageCodeType,
} from './custom-image.rules';
import { FunctionExtra, configExtraOf, mergeExtra } from './function-extra';
import { FunctionResolver } from './function.resolver';
import { toFunctionCodeDto, toFunctionConfigDto } from './function.mapper';
import { parseListFunctionsQuery } from './list-query';
import { announceVersionsChanged } from './qualifier-events';
import { ENCRYPTED_USER_DATA_MASK, validateUserData } from './user-data.validator';
import { QuotaDelta, tenantQuotaError } from '../quotas/tenant-quota';

/** Runtime families this installation can run; the rest are refused at create/update rather than failing at invoke. */
const RUNNABLE_FAMILIES: readonly string[] = ['nodejs', 'python', 'custom', 'http', 'custom-image'];
/** Runtimes of a runnable family that the installed images still cannot run (the Python image is Python 3). */
const UNRUNNABLE_RUNTIMES: readonly string[] = ['Python2.7'];

/** Function lifecycle: create, list, read, update code and config, delete. */
@Injectable()
export class FunctionsService {
  private readonly cipher: SecretCipher;

  constructor(
    private readonly functions: FunctionRepository,
    private readonly triggers: TriggerRepository,
    private readonly resolver: FunctionResolver,
    private readonly codePackages: CodePackageService,
    private readonly events: ControlEventsPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly dependencies: FunctionDependencies,
    private readonly reservations: ReservedInstanceConfigRepository,
    private readonly versions: FunctionVersionRepository,
    private readonly usage: QuotaUsageRepository,
  ) {
    this.cipher = new SecretCipher(config.masterKeyHex);
  }

  async create(auth: FgsAuthContext, body: unknown): Promise<FunctionConfigDto> {
    const input = parseBody(createFunctionSchema, body, FUNCTION_FIELD_ERRORS);
    assertRunnable(input.runtime);
    const customImage = customImageForCreate(input);
    assertInitializerTimeout(input.initializer_handler ?? '', input.initializer_timeout);
    const userData = validateUserData(input.user_data ?? '', 'user_data');
    const encryptedUserData = validateUserData(input.encrypted_user_data ?? '', 'encrypted_user_data');
    if (await this.functions.findByName(auth.projectId, input.package, input.func_name))
      throw new FgsError('FSS.1061');
    const dependencies = await this.dependencies.resolve(auth.projectId, input.runtime, input);
    const code = customImage
      ? await imagePlaceholderCode()
      : await this.codePackages.prepare({
          codeType: packageCodeType(undefined, input.code_type),
          file: input.func_code?.file,
          codeUrl: input.code_url,
          codeFilename: input.code_filename,
          runtime: input.runtime,
          handler: input.handler,
        });
    if (!customImage) await assertBootstrapPresent(input.runtime, code);
    // Checked before the write, not under a lock: creates racing at the limit can pass it by a few.
    await this.assertWithinQuota(auth.projectId, { functions: 1, codeBytes: code.size });
    // The id is chosen here because encrypted variables are bound to it (AAD) before the row exists.
    const id = randomUUID();
    const extra: FunctionExtra = { ...configExtraOf(input), ...dependencies, custom_image: customImage };
    const entity: Partial<FunctionEntity> = {
      id,
      projectId: auth.projectId,
      package: input.package,
      funcName: input.func_name,
      runtime: input.runtime,
      handler: input.handler,
      memorySize: input.memory_size,
      timeoutS: input.timeout,
      ...codeColumns(input.code_type, code),
      userData,
      encryptedUserData: encryptedUserData ? this.cipher.encrypt(encryptedUserData, functionEnvAad(id)) : '',
      xrole: input.xrole ?? '',
      appXrole: input.app_xrole ?? '',
      description: input.description ?? '',
      initializerHandler: input.initializer_handler ?? '',
      // FunctionGraph's default initializer timeout when a handler is given without one.
      initializerTimeoutS: input.initializer_timeout ?? (input.initializer_handler ? 3 : 0),
      maxInstances: input.strategy_config?.concurrency ?? -1,
      concurrentNum: input.strategy_config?.concurrent_num ?? 1,
      enterpriseProjectId: input.enterprise_project_id ?? '0',
      funcType: input.type ?? 'v2',
      extra: mergeExtra({}, extra),
    };
    let saved: FunctionEntity;
    try {
      saved = await this.functions.createWithCode(entity, { digest: code.digest, data: code.zip });
    } catch (err) {
      // Two creates racing past the existence check: the unique constraint decides.
      if (isUniqueViolation(err)) throw new FgsError('FSS.1061');
      throw err;
    }
    return this.configDto(auth, saved);
  }

  async list(auth: FgsAuthContext, query: Record<string, unknown>): Promise<ListFunctionsDto> {
    const q = parseListFunctionsQuery(query);
    const { items, total } = await this.functions.list(auth.projectId, q.marker, q.maxItems, {
      package: q.packageName,
      funcName: q.funcName,
    });
    const ctx = this.ctx(auth);
    const dependencies = await this.dependencies.describe(auth.projectId, items);
    return {
      functions: items.map((fn) => toFunctionConfigDto(fn, ctx, false, dependencies.get(fn.id))),
      // next_marker is the offset after this page; next_marker === count means there are no more pages.
      next_marker: q.marker + items.length,
      count: total,
    };
  }

  /** The head, a published version, or an alias's main version, as the URN's qualifier says. */
  async getConfig(auth: FgsAuthContext, urn: string): Promise<FunctionConfigDto> {
    const { fn, versionDescription } = await this.qualifiedView(auth, urn);
    const dto = await this.configDto(auth, fn);
    return versionDescription === undefined ? dto : { ...dto, version_description: versionDescription };
  }

  async getCode(auth: FgsAuthContext, urn: string): Promise<FunctionCodeDto> {
    return this.codeDto(auth, (await this.qualifiedView(auth, urn)).fn);
  }

  async updateCode(auth: FgsAuthContext, urn: string, body: unknown): Promise<FunctionCodeDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(updateFunctionCodeSchema, body, FUNCTION_FIELD_ERRORS);
    await this.assertNoReservedInstances(fn);
    const code = await this.codePackages.prepare({
      codeType: packageCodeType(fn, input.code_type),
      file: input.func_code?.file,
      codeUrl: input.code_url,
      codeFilename: input.code_filename,
      runtime: fn.runtime,
      handler: fn.handler,
    });
    await assertBootstrapPresent(fn.runtime, code);
    await this.assertWithinQuota(auth.projectId, { functions: 0, codeBytes: code.size - fn.codeSize });
    const dependencies = await this.dependencies.resolve(auth.projectId, fn.runtime, input);
    const patch: Partial<FunctionEntity> = {
      ...codeColumns(input.code_type, code),
      extra: mergeExtra(fn.extra, { ...dependencies }),
    };
    const updated = await this.functions.updateCode(auth.projectId, fn.id, patch, {
      digest: code.digest,
      data: code.zip,
    });
    if (!updated) throw new FgsError('FSS.1051');
    this.resolver.evict(fn.id);
    await this.events.emitFunctionChanged({
      functionId: fn.id,
      projectId: auth.projectId,
      action: 'updated',
    });
    return this.codeDto(auth, updated);
  }

  /** Omitted optional fields keep their stored value; an empty string clears a text field. */
  async updateConfig(auth: FgsAuthContext, urn: string, body: unknown): Promise<FunctionConfigDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(updateFunctionConfigSchema, body, FUNCTION_FIELD_ERRORS);
    await this.assertNoReservedInstances(fn);
    if (input.func_name !== fn.funcName) {
      throw new FgsError(
        'FSS.1002',
        `Invalid parameter func_name: a function cannot be renamed (expected ${fn.funcName})`,
      );
    }
    assertRunnable(input.runtime);
    const customImage = customImageForUpdate(fn, input);
    const dependencies = await this.dependencies.resolve(auth.projectId, input.runtime, input);
    // Stored dependencies must still suit a changed runtime.
    if (!dependencies && input.runtime !== fn.runtime)
      await this.dependencies.recheck(auth.projectId, input.runtime, versionIdsOf(fn.extra));
    const patch: Partial<FunctionEntity> = {
      runtime: input.runtime,
      handler: input.handler,
      memorySize: input.memory_size,
      timeoutS: input.timeout,
      extra: mergeExtra(fn.extra, { ...configExtraOf(input), ...dependencies, custom_image: customImage }),
    };
    if (input.user_data !== undefined) patch.userData = validateUserData(input.user_data, 'user_data');
    // The mask that GET returns means "unchanged", so a read-modify-write round trip keeps the secret.
    if (input.encrypted_user_data !== undefined && input.encrypted_user_data !== ENCRYPTED_USER_DATA_MASK) {
      const plain = validateUserData(input.encrypted_user_data, 'encrypted_user_data');
      patch.encryptedUserData = plain ? this.cipher.encrypt(plain, functionEnvAad(fn.id)) : '';
    }
    if (input.xrole !== undefined) patch.xrole = input.xrole;
    if (input.app_xrole !== undefined) patch.appXrole = input.app_xrole;
    if (input.description !== undefined) patch.description = input.description;
    if (input.initializer_handler !== undefined) patch.initializerHandler = input.initializer_handler;
    if (input.initializer_timeout !== undefined) patch.initializerTimeoutS = input.initializer_timeout;
    assertInitializerTimeout(
      patch.initializerHandler ?? fn.initializerHandler,
      patch.initializerTimeoutS ?? fn.initializerTimeoutS,
    );
    if (input.enterprise_project_id !== undefined) patch.enterpriseProjectId = input.enterprise_project_id;
    if (input.strategy_config?.concurrency !== undefined)
      patch.maxInstances = input.strategy_config.concurrency;
    if (input.strategy_config?.concurrent_num !== undefined)
      patch.concurrentNum = input.strategy_config.concurrent_num;
    const updated = await this.functions.updateConfig(auth.projectId, fn.id, patch);
    if (!updated) throw new FgsError('FSS.1051');
    this.resolver.evict(fn.id);
    await this.events.emitFunctionChanged({
      functionId: fn.id,
      projectId: auth.projectId,
      action: 'updated',
    });
    return this.configDto(auth, updated);
  }

  /**
   * An unqualified URN deletes the whole function with its versions, aliases and triggers. `latest` cannot be deleted
   * on its own (spec §3.6.3), and the SDK and most callers pass the `:latest` URN that create returned, so `:latest`
   * deletes the whole function too. A version URN deletes that version with its triggers, async config and reserved
   * instances, unless an alias routes to it (FSS.1094). An alias URN names the alias's version, which that alias
   * routes to, so it is refused the same way (FSS.1094): delete or move the alias first.
   */
  async delete(auth: FgsAuthContext, urn: string): Promise<void> {
    const { fn, target } = await this.resolver.findTarget(urn, auth);
    if (target.kind === 'version') return this.deleteVersion(auth, fn, target.version.version);
    if (target.kind === 'alias')
      throw new FgsError(
        'FSS.1094',
        `Alias ${target.alias.name} points at version ${target.alias.version}, so it cannot be deleted through the alias: ` +
          'delete the alias (DELETE …/aliases/{alias_name}) or move it first',
      );
    const triggerIds = await this.triggers.deleteAllForFunction(auth.projectId, fn.id);
    for (const triggerId of triggerIds) {
      await this.events.emitTriggerChanged({ triggerId, projectId: auth.projectId, action: 'delete' });
    }
    if (!(await this.functions.delete(auth.projectId, fn.id))) throw new FgsError('FSS.1051');
    this.resolver.evict(fn.id);
    await this.events.emitFunctionChanged({
      functionId: fn.id,
      projectId: auth.projectId,
      action: 'deleted',
    });
  }

  /** Deletes one published version that no alias routes to, with what was bound to it, and announces it. */
  private async deleteVersion(auth: FgsAuthContext, fn: FunctionEntity, version: string): Promise<void> {
    const cleanup = await this.versions.withFunctionLocked(auth.projectId, fn.id, async (tx) => {
      if (!(await tx.findVersion(version))) throw new FgsError('FSS.1052');
      for (const alias of await tx.aliases()) {
        if (alias.version === version)
          throw new FgsError(
            'FSS.1094',
            `Version ${version} is the main version of alias ${alias.name}: move or delete the alias first`,
          );
        if (version in alias.additionalVersionWeights || version in alias.additionalVersionStrategy)
          throw new FgsError(
            'FSS.1094',
            `Version ${version} is an additional version of alias ${alias.name}: update or delete the alias first`,
          );
      }
      return tx.deleteVersion(version);
    });
    this.resolver.evict(fn.id);
    await announceVersionsChanged(this.events, auth, fn, { qualifier: version, cleanup });
  }

  /** What a GET of config or code shows for the URN's qualifier; an alias shows its main version. */
  private async qualifiedView(
    auth: FgsAuthContext,
    urn: string,
  ): Promise<{ fn: FunctionEntity; versionDescription?: string }> {
    const { fn, target } = await this.resolver.findTarget(urn, auth);
    if (target.kind === 'latest') return { fn };
    const version =
      target.kind === 'version'
        ? target.version
        : target.versions.find((v) => v.version === target.alias.version);
    if (!version) return { fn };
    return { fn: functionAtVersion(fn, version), versionDescription: version.versionDescription };
  }

  /** Reserved instances of `latest` run its current code and configuration, which stay frozen until released. */
  private async assertNoReservedInstances(fn: FunctionEntity): Promise<void> {
    const reserved = await this.reservations.reservedCountOfLatest(fn.projectId, fn.id);
    if (reserved > 0)
      throw new FgsError(
        'FSS.1077',
        `The function has ${reserved} reserved instances; set them to 0 before changing its code or configuration`,
      );
  }

  /** The function object with its `dependencies[]` resolved. */
  private async assertWithinQuota(projectId: string, adding: QuotaDelta): Promise<void> {
    const error = tenantQuotaError(await this.usage.usageOf(projectId), adding);
    if (error) throw error;
  }

  private async configDto(auth: FgsAuthContext, fn: FunctionEntity): Promise<FunctionConfigDto> {
    const dependencies = await this.dependencies.describe(auth.projectId, [fn]);
    return toFunctionConfigDto(fn, this.ctx(auth), true, dependencies.get(fn.id));
  }

  private async codeDto(auth: FgsAuthContext, fn: FunctionEntity): Promise<FunctionCodeDto> {
    const dependencies = await this.dependencies.describe(auth.projectId, [fn]);
    return toFunctionCodeDto(fn, this.ctx(auth), dependencies.get(fn.id));
  }

  private ctx(auth: FgsAuthContext): { region: string; domainId: string } {
    return { region: this.config.region, domainId: auth.domainId };
  }
}

function assertRunnable(runtime: string): void {
  const family = RUNTIMES[runtime as RuntimeName];
  if (UNRUNNABLE_RUNTIMES.includes(runtime)) {
    throw new FgsError('FSS.1005', `runtime ${runtime} is not supported: Python functions run on Python 3`);
  }
  if (!RUNNABLE_FAMILIES.includes(family)) {
    throw new FgsError('FSS.1005', `runtime ${runtime} is not supported by this installation yet`);
  }
}

function codeColumns(codeType: string, code: PreparedCode): Partial<FunctionEntity> {
  return {
    codeType,
    codeUrl: code.codeUrl,
    codeFilename: code.codeFilename,
    codeDigest: code.digest,
    codeSize: code.size,
  };
}

/** With an initializer handler the timeout is 1–300 s; 0 (as responses show it) is only valid without one. */
function assertInitializerTimeout(handler: string, timeoutS: number | undefined): void {
  if (handler && timeoutS !== undefined && timeoutS < INITIALIZER_TIMEOUT_RANGE_S.min) {
    throw new FgsError(
      'FSS.1405',
      `initializer_timeout must be between ${INITIALIZER_TIMEOUT_RANGE_S.min} and ${INITIALIZER_TIMEOUT_RANGE_S.max} seconds`,
    );
  }
}
