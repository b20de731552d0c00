import { Inject, Injectable } from '@nestjs/common';
import { DEPENDENCY_LIMITS, DependencyVersionDto, FgsError, RUNTIMES, RuntimeName } from '@ofg/contracts';
import { DependencyRepository, DependencyWithVersion } from '@ofg/data-access';
import { isDependencyId } from './dependency-query';
import { toDependencyVersionDto } from './dependency.mapper';

/** What a function stores about its dependencies (in `functions.extra`). */
export interface FunctionDependencyFields {
  depend_version_list: string[];
  /** The dependency ids of those versions, in the same order. */
  depend_list: string[];
  /** The versions' zip digests, in the same order: what the invoker unpacks (versions never change content). */
  dependency_digests: string[];
}

/** What a create or update body may say about dependencies. */
export interface DependencyRequest {
  depend_version_list?: string[];
  depend_list?: string[];
}

export type DependencyLookup = Pick<DependencyRepository, 'findVersionsByIds' | 'findNewestVersions'>;

/** The dependency side of functions: validating `depend_version_list` and showing `dependencies[]`. */
@Injectable()
export class FunctionDependencies {
  constructor(@Inject(DependencyRepository) private readonly repo: DependencyLookup) {}

  /**
   * The fields to store for the versions a body asks for, or undefined when it names none (stored ones stay).
   * `depend_version_list` (version ids) wins; the older `depend_list` (dependency ids) takes their newest versions.
   * Each must be visible to the project, at most 20, listed once, and built for the function's runtime family.
   */
  async resolve(
    projectId: string,
    runtime: string,
    request: DependencyRequest,
  ): Promise<FunctionDependencyFields | undefined> {
    if (request.depend_version_list !== undefined)
      return this.fromVersions(projectId, runtime, request.depend_version_list, 'depend_version_list');
    if (request.depend_list === undefined) return undefined;
    const ids = checkList(request.depend_list, 'depend_list');
    const newest = await this.repo.findNewestVersions(projectId, ids.filter(isDependencyId));
    const byDependency = new Map(newest.map((p) => [p.dependency.id, p]));
    const pairs = ids.map((id) => {
      const pair = byDependency.get(id);
      if (!pair)
        throw new FgsError('FSS.1056', `Invalid parameter depend_list: no dependency ${id.slice(0, 64)}`);
      return pair;
    });
    return fieldsOf(runtime, pairs);
  }

  /** Re-checks stored versions against a new runtime (update-config may change it). */
  async recheck(projectId: string, runtime: string, storedVersionIds: readonly string[]): Promise<void> {
    if (storedVersionIds.length === 0) return;
    await this.fromVersions(projectId, runtime, [...storedVersionIds], 'depend_version_list');
  }

  /** The resolved `dependencies[]` of each function, by function id, in `depend_version_list` order. */
  async describe(
    projectId: string,
    functions: ReadonlyArray<{ id: string; extra: Record<string, unknown> }>,
  ): Promise<Map<string, DependencyVersionDto[]>> {
    const lists = new Map(functions.map((fn) => [fn.id, versionIdsOf(fn.extra)]));
    const wanted = [...new Set([...lists.values()].flat())].filter(isDependencyId);
    const found = await this.repo.findVersionsByIds(projectId, wanted);
    const byId = new Map(found.map((p) => [p.version.id, toDependencyVersionDto(p)]));
    const out = new Map<string, DependencyVersionDto[]>();
    for (const [fnId, ids] of lists) {
      // A version deleted in a race with an update is left out rather than failing the read.
      out.set(
        fnId,
        ids.flatMap((id) => byId.get(id) ?? []),
      );
    }
    return out;
  }

  private async fromVersions(
    projectId: string,
    runtime: string,
    list: string[],
    field: string,
  ): Promise<FunctionDependencyFields> {
    const ids = checkList(list, field);
    const found = await this.repo.findVersionsByIds(projectId, ids.filter(isDependencyId));
    const byId = new Map(found.map((p) => [p.version.id, p]));
    const pairs = ids.map((id) => {
      const pair = byId.get(id);
      if (!pair)
        throw new FgsError(
          'FSS.1056',
          `Invalid parameter ${field}: no dependency version ${id.slice(0, 64)}`,
        );
      return pair;
    });
    return fieldsOf(runtime, pairs);
  }
}

/** The version ids a function's stored configuration lists. */
export function versionIdsOf(extra: Record<string, unknown> | null | undefined): string[] {
  const value = extra?.['depend_version_list'];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function checkList(list: readonly string[], field: string): string[] {
  if (list.length > DEPENDENCY_LIMITS.perFunction)
    throw new FgsError(
      'FSS.1045',
      `Invalid parameter ${field}: a function can use at most ${DEPENDENCY_LIMITS.perFunction} dependencies`,
    );
  const seen = new Set<string>();
  for (const id of list) {
    if (seen.has(id))
      throw new FgsError('FSS.1024', `Invalid parameter ${field}: ${id.slice(0, 64)} is listed twice`);
    seen.add(id);
  }
  return [...list];
}

function fieldsOf(runtime: string, pairs: DependencyWithVersion[]): FunctionDependencyFields {
  const family = RUNTIMES[runtime as RuntimeName];
  for (const { dependency, version } of pairs) {
    if (RUNTIMES[version.runtime as RuntimeName] !== family)
      throw new FgsError(
        'FSS.1024',
        `Dependency ${dependency.name} version ${version.version} is for ${version.runtime}; the function runs ${runtime}`,
      );
  }
  return {
    depend_version_list: pairs.map((p) => p.version.id),
    depend_list: pairs.map((p) => p.dependency.id),
    dependency_digests: pairs.map((p) => p.version.codeDigest),
  };
}
