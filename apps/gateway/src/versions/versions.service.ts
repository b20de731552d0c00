import { Inject, Injectable } from '@nestjs/common';
import {
  FgsError,
  FunctionConfigDto,
  ListVersionsDto,
  publishVersionSchema,
  VERSION_FIELD_ERRORS,
} from '@ofg/contracts';
import {
  contentDigestOf,
  FunctionEntity,
  FunctionVersionEntity,
  FunctionVersionRepository,
  FunctionVersionsTransaction,
  versionedColumnsOf,
} from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionDependencies } from '../dependencies/function-dependencies';
import { toFunctionConfigDto } from '../functions/function.mapper';
import { FunctionResolver } from '../functions/function.resolver';
import { parseListVersionsQuery } from './version-list.query';
import { defaultVersionName, toVersionConfigDto } from './version.mapper';

/** Publishing and listing versions (spec §2.8, §3.7 #6–#7); deleting one is `DELETE` of its URN (FunctionsService). */
@Injectable()
export class VersionsService {
  constructor(
    private readonly resolver: FunctionResolver,
    private readonly versions: FunctionVersionRepository,
    private readonly dependencies: FunctionDependencies,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Publishes an immutable copy of `latest`'s code and configuration. `digest`, when given, must be latest's code
   * digest (FSS.0428); an unchanged head since the newest version is FSS.1016; a taken name FSS.1062.
   */
  async publish(auth: FgsAuthContext, urn: string, body: unknown): Promise<FunctionConfigDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(publishVersionSchema, body, VERSION_FIELD_ERRORS);
    let published: { head: FunctionEntity; version: FunctionVersionEntity };
    try {
      published = await this.versions.withFunctionLocked(auth.projectId, fn.id, async (tx) => {
        const { head } = tx;
        if (input.digest && input.digest.toLowerCase() !== head.codeDigest.toLowerCase())
          throw new FgsError(
            'FSS.0428',
            "digest does not match latest's code digest: the code changed since it was read",
          );
        const contentDigest = contentDigestOf(head);
        const newest = await tx.newestVersion();
        if (newest?.contentDigest === contentDigest)
          throw new FgsError(
            'FSS.1016',
            `Nothing changed since version ${newest.version} was published: update the code or configuration first`,
          );
        const name = input.version ?? (await this.freeDefaultName(tx));
        if (await tx.findVersion(name)) throw versionExists(name);
        const version = await tx.insertVersion({
          projectId: auth.projectId,
          functionId: head.id,
          version: name,
          versionDescription: input.description ?? '',
          contentDigest,
          ...versionedColumnsOf(head),
        });
        return { head, version };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw versionExists(input.version ?? '');
      throw err;
    }
    const dependencies = await this.dependencies.describe(auth.projectId, [published.version]);
    return toVersionConfigDto(
      published.head,
      published.version,
      this.ctx(auth),
      dependencies.get(published.version.id),
    );
  }

  /** `latest` first, then the published versions oldest first; `marker` is an offset into that sequence. */
  async list(auth: FgsAuthContext, urn: string, query: Record<string, unknown>): Promise<ListVersionsDto> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const q = parseListVersionsQuery(query);
    const withLatest = q.marker === 0;
    const limit = withLatest ? q.maxItems - 1 : q.maxItems;
    // A page holding only `latest` still needs the total.
    const page =
      limit > 0
        ? await this.versions.listVersions(auth.projectId, fn.id, Math.max(0, q.marker - 1), limit)
        : { items: [], total: await this.versions.countVersions(auth.projectId, fn.id) };
    const { items } = page;
    const dependencies = await this.dependencies.describe(auth.projectId, [fn, ...items]);
    const ctx = this.ctx(auth);
    const versions = items.map((v) => toVersionConfigDto(fn, v, ctx, dependencies.get(v.id)));
    if (withLatest) versions.unshift(toFunctionConfigDto(fn, ctx, true, dependencies.get(fn.id)));
    return { versions, next_marker: q.marker + versions.length, count: page.total + 1 };
  }

  /** `vYYYYMMDD-HHMMSS`, suffixed `-2`, `-3`, … when a version of that second exists already. */
  private async freeDefaultName(tx: FunctionVersionsTransaction): Promise<string> {
    const base = defaultVersionName(new Date());
    let name = base;
    for (let n = 2; await tx.findVersion(name); n += 1) name = `${base}-${n}`;
    return name;
  }

  private ctx(auth: FgsAuthContext): { region: string; domainId: string } {
    return { region: this.config.region, domainId: auth.domainId };
  }
}

function versionExists(name: string): FgsError {
  return new FgsError('FSS.1062', `Version ${name.slice(0, 64)} already exists`);
}
