import { createHash } from 'node:crypto';
import { AliasRouting, FgsError, pickAliasVersion, RouteHeaders } from '@ofg/contracts';
import { FunctionAliasEntity } from '../entities/function-alias.entity';
import { FunctionEntity } from '../entities/function.entity';
import { FunctionVersionEntity } from '../entities/function-version.entity';

/** The head columns a published version copies; the rest (identity, max instances) stay function-wide. */
export const VERSIONED_COLUMNS = [
  'runtime',
  'handler',
  'memorySize',
  'timeoutS',
  'codeType',
  'codeUrl',
  'codeFilename',
  'codeDigest',
  'codeSize',
  'userData',
  'encryptedUserData',
  'xrole',
  'appXrole',
  'description',
  'initializerHandler',
  'initializerTimeoutS',
  'concurrentNum',
  'funcType',
  'extra',
] as const satisfies readonly (keyof FunctionEntity & keyof FunctionVersionEntity)[];

type VersionedColumns = Pick<FunctionEntity, (typeof VERSIONED_COLUMNS)[number]>;

/** The versioned columns of a head or a version. */
export function versionedColumnsOf(source: VersionedColumns): VersionedColumns {
  return Object.fromEntries(VERSIONED_COLUMNS.map((c) => [c, source[c]])) as VersionedColumns;
}

/** SHA-256 over the versioned columns (object keys sorted): equal digests mean nothing changed since a publish. */
export function contentDigestOf(source: VersionedColumns): string {
  return createHash('sha256')
    .update(stableJson(versionedColumnsOf(source)))
    .digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * The function as a published version runs it: the head's identity and function-wide settings (max instances)
 * with the version's code and configuration. `publishedVersion` makes snapshots and responses name the version.
 */
export function functionAtVersion(head: FunctionEntity, version: FunctionVersionEntity): FunctionEntity {
  const view = Object.assign(Object.create(Object.getPrototypeOf(head) as object) as FunctionEntity, head);
  return Object.assign(view, versionedColumnsOf(version), {
    updatedAt: version.createdAt,
    publishedVersion: version.version,
  });
}

/** What a URN qualifier names, loaded: the head itself, one published version, or an alias with its versions. */
export type QualifierTarget =
  | { kind: 'latest' }
  | { kind: 'version'; version: FunctionVersionEntity }
  /** `versions` holds every published version the alias may route to (not `latest`, which is the head). */
  | { kind: 'alias'; alias: FunctionAliasEntity; versions: FunctionVersionEntity[] };

/** The routing of a stored alias. */
export function aliasRoutingOf(alias: FunctionAliasEntity): AliasRouting {
  return {
    version: alias.version,
    weights: alias.additionalVersionWeights ?? {},
    strategy: alias.additionalVersionStrategy ?? {},
  };
}

/** What one invocation runs, and the alias it came through (for the async config and records). */
export interface RunnableFunction {
  fn: FunctionEntity;
  alias?: string;
}

/** What a qualifier runs when nothing steers the request: the head, the version, or an alias's main version. */
export function mainFunctionAt(head: FunctionEntity, target: QualifierTarget): FunctionEntity {
  if (target.kind === 'latest') return head;
  if (target.kind === 'version') return functionAtVersion(head, target.version);
  return versionOfAlias(head, target, target.alias.version);
}

function versionOfAlias(
  head: FunctionEntity,
  target: Extract<QualifierTarget, { kind: 'alias' }>,
  name: string,
): FunctionEntity {
  if (name.toLowerCase() === 'latest') return head;
  const version = target.versions.find((v) => v.version === name);
  // Deleting a version an alias uses is refused, so this only happens if the rows changed under a stale cache entry.
  if (!version)
    throw new FgsError('FSS.1052', `Version ${name} of alias ${target.alias.name} no longer exists`);
  return functionAtVersion(head, version);
}

/**
 * The function one request runs through a qualifier: the head, the version, or for an alias the version its rules
 * or weights pick for this request (`headers` feed the rules; triggers pass none).
 */
export function runnableAt(
  head: FunctionEntity,
  target: QualifierTarget,
  headers: RouteHeaders = {},
  random: () => number = Math.random,
): RunnableFunction {
  if (target.kind !== 'alias') return { fn: mainFunctionAt(head, target) };
  const picked = pickAliasVersion(aliasRoutingOf(target.alias), headers, random);
  return { fn: versionOfAlias(head, target, picked), alias: target.alias.name };
}
