import {
  cpuMillicoresFor,
  DependencyVersionDto,
  formatFunctionUrn,
  FunctionCodeDto,
  FunctionConfigDto,
} from '@ofg/contracts';
import type { FunctionEntity } from '@ofg/data-access';
import { isoWithOffset } from '../common/time-format';
import { readExtra } from './function-extra';
import { ENCRYPTED_USER_DATA_MASK } from './user-data.validator';

export interface FunctionMapperContext {
  region: string;
  domainId: string;
}

/**
 * `<version>-<yyMMddHHmmss>@<first 5 of digest>` from the last modification (a version's publish time, UTC), like
 * FunctionGraph's image names.
 */
export function imageNameFor(
  fn: Pick<FunctionEntity, 'updatedAt' | 'codeDigest' | 'publishedVersion'>,
): string {
  const d = fn.updatedAt;
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  return `${fn.publishedVersion ?? 'latest'}-${stamp}@${fn.codeDigest.slice(0, 5)}`;
}

/**
 * The function object of create/get/update config and publish (URN qualified by `latest` or, for a published
 * version's view, the version) and of list (`qualified` false: no qualifier in func_urn).
 */
export function toFunctionConfigDto(
  fn: FunctionEntity,
  ctx: FunctionMapperContext,
  qualified = true,
  dependencies: DependencyVersionDto[] = [],
): FunctionConfigDto {
  const extra = readExtra(fn.extra);
  const version = fn.publishedVersion ?? 'latest';
  const dto: FunctionConfigDto = {
    func_id: fn.id,
    resource_id: fn.id,
    func_urn: formatFunctionUrn(
      ctx.region,
      { projectId: fn.projectId, package: fn.package, funcName: fn.funcName },
      qualified ? version : undefined,
    ),
    func_name: fn.funcName,
    domain_id: ctx.domainId,
    namespace: fn.projectId,
    project_name: ctx.region,
    package: fn.package,
    runtime: fn.runtime,
    timeout: fn.timeoutS,
    handler: fn.handler,
    memory_size: fn.memorySize,
    cpu: cpuMillicoresFor(fn.memorySize),
    code_type: fn.codeType,
    code_url: fn.codeUrl,
    code_filename: fn.codeFilename,
    code_size: fn.codeSize,
    user_data: fn.userData,
    encrypted_user_data: fn.encryptedUserData ? ENCRYPTED_USER_DATA_MASK : '',
    digest: fn.codeDigest,
    version,
    image_name: imageNameFor(fn),
    xrole: fn.xrole,
    app_xrole: fn.appXrole,
    description: fn.description,
    last_modified: isoWithOffset(fn.updatedAt),
    strategy_config: { concurrency: fn.maxInstances, concurrent_num: fn.concurrentNum },
    initializer_handler: fn.initializerHandler,
    initializer_timeout: fn.initializerTimeoutS,
    enterprise_project_id: fn.enterpriseProjectId,
    long_time: false,
    log_group_id: '',
    log_stream_id: '',
    type: fn.funcType,
    enable_dynamic_memory: extra.enable_dynamic_memory ?? false,
    is_stateful_function: extra.is_stateful_function ?? false,
    enable_auth_in_header: false,
    depend_list: extra.depend_list ?? [],
    depend_version_list: extra.depend_version_list ?? [],
    dependencies,
    reserved_instance_count: 0,
  };
  if (extra.func_vpc) dto.func_vpc = extra.func_vpc;
  if (extra.mount_config) dto.mount_config = extra.mount_config;
  if (extra.custom_image) dto.custom_image = extra.custom_image;
  return dto;
}

/** Response of get/update code; the package itself is never echoed (`func_code` stays empty). */
export function toFunctionCodeDto(
  fn: FunctionEntity,
  ctx: FunctionMapperContext,
  dependencies: DependencyVersionDto[] = [],
): FunctionCodeDto {
  const extra = readExtra(fn.extra);
  return {
    func_urn: formatFunctionUrn(
      ctx.region,
      { projectId: fn.projectId, package: fn.package, funcName: fn.funcName },
      fn.publishedVersion ?? 'latest',
    ),
    func_name: fn.funcName,
    domain_id: ctx.domainId,
    runtime: fn.runtime,
    code_type: fn.codeType,
    code_url: fn.codeUrl,
    code_filename: fn.codeFilename,
    code_size: fn.codeSize,
    digest: fn.codeDigest,
    last_modified: isoWithOffset(fn.updatedAt),
    func_code: { file: '', link: '' },
    depend_list: extra.depend_list ?? [],
    depend_version_list: extra.depend_version_list ?? [],
    strategy_config: { concurrency: fn.maxInstances, concurrent_num: fn.concurrentNum },
    dependencies,
  };
}
