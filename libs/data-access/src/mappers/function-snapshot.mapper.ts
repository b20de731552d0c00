import { createHash } from 'node:crypto';
import { cpuMillicoresFor, formatFunctionUrn, FunctionSnapshot } from '@ofg/contracts';
import { FunctionEntity } from '../entities/function.entity';

/** Environment variables from the API's `user_data` JSON object string; anything else yields none. */
export function parseUserData(userData: string): Record<string, string> {
  if (!userData) return {};
  try {
    const parsed: unknown = JSON.parse(userData);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  } catch {
    return {};
  }
}

/** The immutable view of the function an invoker runs; the config digest keys warm instances. */
export function toFunctionSnapshot(
  fn: FunctionEntity,
  region: string,
  domainId: string,
  version = 'latest',
): FunctionSnapshot {
  const userData = parseUserData(fn.userData);
  const shape = {
    runtime: fn.runtime,
    handler: fn.handler,
    memorySize: fn.memorySize,
    timeoutS: fn.timeoutS,
    initializerHandler: fn.initializerHandler,
    initializerTimeoutS: fn.initializerTimeoutS,
    codeDigest: fn.codeDigest,
    userData,
    encryptedUserData: fn.encryptedUserData,
    concurrentNum: fn.concurrentNum,
    version,
  };
  const configDigest = createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 32);
  return {
    functionId: fn.id,
    projectId: fn.projectId,
    domainId,
    funcUrn: formatFunctionUrn(region, {
      projectId: fn.projectId,
      package: fn.package,
      funcName: fn.funcName,
    }),
    funcName: fn.funcName,
    package: fn.package,
    version,
    runtime: fn.runtime,
    handler: fn.handler,
    memorySize: fn.memorySize,
    cpu: cpuMillicoresFor(fn.memorySize),
    timeoutS: fn.timeoutS,
    initializerHandler: fn.initializerHandler || undefined,
    initializerTimeoutS: fn.initializerHandler ? fn.initializerTimeoutS || 3 : undefined,
    codeDigest: fn.codeDigest,
    userData,
    hasEncryptedUserData: fn.encryptedUserData !== '',
    concurrentNum: Math.max(1, fn.concurrentNum),
    configDigest,
  };
}
