import { Injectable, Optional } from '@nestjs/common';
import { FgsError, FunctionRef, parseFunctionUrn } from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  FunctionVersionRepository,
  QualifierTarget,
} from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { FunctionLookupCache } from './function-lookup.cache';
import { ResolvedFunction } from './resolved-function';

const FULL_URN_FIELDS = [7, 8];

export function isLatest(version: string | undefined): boolean {
  return version === undefined || version.toLowerCase() === 'latest';
}

/** Whether a URN names the `latest` head (no qualifier or `latest`). */
export function isLatestRef(ref: Pick<FunctionRef, 'version' | 'alias'>): boolean {
  return ref.alias === undefined && isLatest(ref.version);
}

/** Resolves `{function_urn}` path parameters inside the caller's project. */
@Injectable()
export class FunctionResolver {
  constructor(
    private readonly functions: FunctionRepository,
    // Absent in unit tests that build the resolver alone; lookups then always go to Postgres.
    @Optional() private readonly cache?: FunctionLookupCache,
    // Absent in unit tests about `latest` only; every version and alias then counts as missing.
    @Optional() private readonly versions?: FunctionVersionRepository,
  ) {}

  /** Parses a URN; one naming another project is answered like a missing function, so nothing leaks across tenants. */
  parse(urn: string, auth: FgsAuthContext): FunctionRef {
    // `urn:fss:local` would otherwise parse as the short form <project>:<package>:<name> and answer a misleading 404.
    if (urn.startsWith('urn:fss:') && !FULL_URN_FIELDS.includes(urn.split(':').length)) {
      throw new FgsError('FSS.1309', `Invalid function URN: ${urn.slice(0, 300)}`);
    }
    const ref = parseFunctionUrn(urn, auth.projectId);
    if (ref.projectId !== auth.projectId) throw new FgsError('FSS.1051');
    return ref;
  }

  /** The function and the URN's qualifier, without judging the qualifier. */
  async find(urn: string, auth: FgsAuthContext): Promise<{ fn: FunctionEntity; ref: FunctionRef }> {
    const ref = this.parse(urn, auth);
    const fn = await this.functions.findByName(auth.projectId, ref.package, ref.funcName);
    if (!fn) throw new FgsError('FSS.1051');
    return { fn, ref };
  }

  /** The function and what its qualifier names: FSS.1052 for a missing version, FSS.1053 for a missing alias. */
  async findTarget(urn: string, auth: FgsAuthContext): Promise<ResolvedFunction> {
    const { fn, ref } = await this.find(urn, auth);
    return { fn, ref, target: await this.targetOf(fn, ref) };
  }

  /** What a qualifier of a found function names; FSS.1052 / FSS.1053 when it does not exist. */
  async targetOf(fn: FunctionEntity, ref: Pick<FunctionRef, 'version' | 'alias'>): Promise<QualifierTarget> {
    if (isLatestRef(ref)) return { kind: 'latest' };
    const target = this.versions ? await this.versions.loadQualifier(fn.projectId, fn.id, ref) : null;
    if (!target) throw ref.alias !== undefined ? new FgsError('FSS.1053') : new FgsError('FSS.1052');
    return target;
  }

  /**
   * The `latest` head, for operations that change it or apply to it alone. A published version is immutable
   * (FSS.1015) and an alias only points (FSS.1014); naming one that does not exist is FSS.1052 / FSS.1053.
   */
  async findLatest(urn: string, auth: FgsAuthContext): Promise<FunctionEntity> {
    const { fn, ref } = await this.find(urn, auth);
    if (isLatestRef(ref)) return fn;
    await this.targetOf(fn, ref);
    if (ref.alias !== undefined)
      throw new FgsError('FSS.1014', `!${ref.alias} is an alias: this operation applies to latest only`);
    throw new FgsError(
      'FSS.1015',
      `Version ${ref.version} is published and cannot change: this operation applies to latest only`,
    );
  }

  /** `findTarget` for the invocation hot path, served from the lookup cache when it can be. */
  findForInvoke(urn: string, auth: FgsAuthContext): Promise<ResolvedFunction> {
    return this.cache
      ? this.cache.get(auth.projectId, urn, () => this.findTarget(urn, auth))
      : this.findTarget(urn, auth);
  }

  /** Forgets cached lookups of a function this gateway changed, before the change is answered. */
  evict(functionId: string): void {
    this.cache?.evictFunction(functionId);
  }
}

/** Refuses any qualifier but `latest` as missing: for callers that only ever deal with the head. */
export function assertLatestQualifier(ref: FunctionRef): void {
  if (ref.alias !== undefined) throw new FgsError('FSS.1053');
  if (!isLatest(ref.version)) throw new FgsError('FSS.1052');
}
