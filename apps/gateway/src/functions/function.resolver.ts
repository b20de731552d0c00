import { Injectable, Optional } from '@nestjs/common';
import { FgsError, FunctionRef, parseFunctionUrn } from '@ofg/contracts';
import { FunctionEntity, FunctionRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { FunctionLookupCache } from './function-lookup.cache';

const FULL_URN_FIELDS = [7, 8];

export function isLatest(version: string | undefined): boolean {
  return version === undefined || version.toLowerCase() === 'latest';
}

/** Resolves `{function_urn}` path parameters inside the caller's project. */
@Injectable()
export class FunctionResolver {
  constructor(
    private readonly functions: FunctionRepository,
    // Absent in unit tests that build the resolver alone; lookups then always go to Postgres.
    @Optional() private readonly cache?: FunctionLookupCache,
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

  /** The `latest` head; versions and aliases are not implemented yet, so naming one is a 404 for it. */
  async findLatest(urn: string, auth: FgsAuthContext): Promise<FunctionEntity> {
    const { fn, ref } = await this.find(urn, auth);
    assertLatestQualifier(ref);
    return fn;
  }

  /** `findLatest` for the invocation hot path, served from the lookup cache when it can be. */
  findLatestForInvoke(urn: string, auth: FgsAuthContext): Promise<FunctionEntity> {
    return this.cache
      ? this.cache.get(auth.projectId, urn, () => this.findLatest(urn, auth))
      : this.findLatest(urn, auth);
  }

  /** Forgets cached lookups of a function this gateway changed, before the change is answered. */
  evict(functionId: string): void {
    this.cache?.evictFunction(functionId);
  }
}

export function assertLatestQualifier(ref: FunctionRef): void {
  if (ref.alias !== undefined) throw new FgsError('FSS.1053');
  if (!isLatest(ref.version)) throw new FgsError('FSS.1052');
}
