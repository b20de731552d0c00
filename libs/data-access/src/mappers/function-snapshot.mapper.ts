import { createHash } from 'node:crypto';
import { cpuMillicoresFor, formatFunctionUrn, FunctionSnapshot, toCustomImageRun } from '@ofg/contracts';
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

/** Digests of the dependency versions a function references, as the gateway stored them beside their ids. */
export function dependencyDigestsOf(fn: Pick<FunctionEntity, 'extra'>): string[] {
  const value = (fn.extra as { dependency_digests?: unknown } | null | undefined)?.dependency_digests;
  return Array.isArray(value) ? value.filter((d): d is string => typeof d === 'string') : [];
}

/**
 * The immutable view of the function an invoker runs; the config digest keys warm instances. The version is the
 * published one of a `functionAtVersion` view, else `latest`.
 */
export function toFunctionSnapshot(
  fn: FunctionEntity,
  region: string,
  domainId: string,
  version = fn.publishedVersion ?? 'latest',
): FunctionSnapshot {
  const userData = parseUserData(fn.userData);
  const dependencyDigests = dependencyDigestsOf(fn);
  const customImage = toCustomImageRun(fn.extra?.['custom_image']);
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
    // Only when present, so functions without dependencies keep their digest.
    ...(dependencyDigests.length > 0 ? { dependencyDigests } : {}),
    ...(customImage ? { customImage } : {}),
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
    ...(dependencyDigests.length > 0 ? { dependencyDigests } : {}),
    userData,
    hasEncryptedUserData: fn.encryptedUserData !== '',
    concurrentNum: Math.max(1, fn.concurrentNum),
    maxInstances: fn.maxInstances,
    configDigest,
    ...(customImage ? { customImage } : {}),
  };
}

const snapshots = new WeakMap<FunctionEntity, { key: string; snapshot: FunctionSnapshot }>();

/**
 * toFunctionSnapshot remembered per entity object: invocations reuse the entity of the gateway's lookup cache, so a
 * warm call builds the snapshot (and hashes its config digest) once per cached lookup, not on every call. The key
 * guards against an entity changed in place.
 */
export function cachedFunctionSnapshot(
  fn: FunctionEntity,
  region: string,
  domainId: string,
  version = fn.publishedVersion ?? 'latest',
): FunctionSnapshot {
  const key = `${region}\n${domainId}\n${version}\n${fn.updatedAt?.getTime?.() ?? ''}\n${fn.memorySize}\n${fn.codeDigest}\n${fn.maxInstances}`;
  const known = snapshots.get(fn);
  if (known?.key === key) return known.snapshot;
  const snapshot = toFunctionSnapshot(fn, region, domainId, version);
  snapshots.set(fn, { key, snapshot });
  return snapshot;
}
