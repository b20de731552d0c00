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
import { FunctionEntity, FunctionRepository, TriggerRepository } from '@ofg/data-access';
import { SecretCipher, functionEnvAad } from '@ofg/security';
import { FgsAuthContext } from '../common/fgs-request';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { CodePackageService, PreparedCode } from './code-package.service';
import { FunctionExtra, configExtraOf, mergeExtra } from './function-extra';
import { FunctionResolver } from './function.resolver';
import { toFunctionCodeDto, toFunctionConfigDto } from './function.mapper';
import { parseListFunctionsQuery } from './list-query';
import { ENCRYPTED_USER_DATA_MASK, validateUserData } from './user-data.validator';

/** Runtime families this installation can run; the rest are refused at create/update rather than failing at invoke. */
const RUNNABLE_FAMILIES: readonly string[] = ['nodejs', 'python'];
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
  ) {
    this.cipher = new SecretCipher(config.masterKeyHex);
  }

  async create(auth: FgsAuthContext, body: unknown): Promise<FunctionConfigDto> {
    const input = parseBody(createFunctionSchema, body, FUNCTION_FIELD_ERRORS);
    assertRunnable(input.runtime);
    assertInitializerTimeout(input.initializer_handler ?? '', input.initializer_timeout);
    const userData = validateUserData(input.user_data ?? '', 'user_data');
    const encryptedUserData = validateUserData(input.encrypted_user_data ?? '', 'encrypted_user_data');
    if (await this.functions.findByName(auth.projectId, input.package, input.func_name))
      throw new FgsError('FSS.1061');
    const code = await this.codePackages.prepare({
      codeType: input.code_type,
      file: input.func_code?.file,
      codeUrl: input.code_url,
      codeFilename: input.code_filename,
      runtime: input.runtime,
      handler: input.handler,
    });
    // The id is chosen here because encrypted variables are bound to it (AAD) before the row exists.
    const id = randomUUID();
    const extra: FunctionExtra = { ...configExtraOf(input), depend_version_list: input.depend_version_list };
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
    return toFunctionConfigDto(saved, this.ctx(auth));
  }

  async list(auth: FgsAuthContext, query: Record<string, unknown>): Promise<ListFunctionsDto> {
    const q = parseListFunctionsQuery(query);
    const { items, total } = await this.functions.list(auth.projectId, q.marker, q.maxItems, {
      package: q.packageName,
      funcName: q.funcName,
    });
    const ctx = this.ctx(auth);
    return {
      functions: items.map((fn) => toFunctionConfigDto(fn, ctx, false)),
      // next_marker is the offset after this page; next_marker === count means there are no more pages.
      next_marker: q.marker + items.length,
      count: total,
    };
  }

  async getConfig(auth: FgsAuthContext, urn: string): Promise<FunctionConfigDto> {
    return toFunctionConfigDto(await this.resolver.findLatest(urn, auth), this.ctx(auth));
  }

  async getCode(auth: FgsAuthContext, urn: string): Promise<FunctionCodeDto> {
    return toFunctionCodeDto(await this.resolver.findLatest(urn, auth), this.ctx(auth));
  }

  async updateCode(auth: FgsAuthContext, urn: string, body: unknown): Promise<FunctionCodeDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(updateFunctionCodeSchema, body, FUNCTION_FIELD_ERRORS);
    const code = await this.codePackages.prepare({
      codeType: input.code_type,
      file: input.func_code?.file,
      codeUrl: input.code_url,
      codeFilename: input.code_filename,
      runtime: fn.runtime,
      handler: fn.handler,
    });
    const patch: Partial<FunctionEntity> = {
      ...codeColumns(input.code_type, code),
      extra: mergeExtra(fn.extra, {
        depend_list: input.depend_list,
        depend_version_list: input.depend_version_list,
      }),
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
    return toFunctionCodeDto(updated, this.ctx(auth));
  }

  /** Omitted optional fields keep their stored value; an empty string clears a text field. */
  async updateConfig(auth: FgsAuthContext, urn: string, body: unknown): Promise<FunctionConfigDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(updateFunctionConfigSchema, body, FUNCTION_FIELD_ERRORS);
    if (input.func_name !== fn.funcName) {
      throw new FgsError(
        'FSS.1002',
        `Invalid parameter func_name: a function cannot be renamed (expected ${fn.funcName})`,
      );
    }
    assertRunnable(input.runtime);
    const patch: Partial<FunctionEntity> = {
      runtime: input.runtime,
      handler: input.handler,
      memorySize: input.memory_size,
      timeoutS: input.timeout,
      extra: mergeExtra(fn.extra, configExtraOf(input)),
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
    return toFunctionConfigDto(updated, this.ctx(auth));
  }

  /**
   * An unqualified URN deletes the whole function with its triggers. FunctionGraph's docs say `latest` cannot be
   * deleted on its own, but the SDK and most callers pass the `:latest` URN that create returned; while versions do
   * not exist the head is the whole function, so `:latest` deletes it too rather than failing. Other versions and
   * aliases do not exist yet (FSS.1052 / FSS.1053).
   */
  async delete(auth: FgsAuthContext, urn: string): Promise<void> {
    const fn = await this.resolver.findLatest(urn, auth);
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
