import { Inject, Injectable } from '@nestjs/common';
import {
  additionalVersionsOf,
  ALIAS_LIMITS,
  AliasDto,
  AliasRouting,
  createAliasSchema,
  FgsError,
  isLatestVersion,
  LATEST,
  normaliseAliasRouting,
  updateAliasSchema,
  VERSION_FIELD_ERRORS,
  VERSION_NAME_PATTERN,
} from '@ofg/contracts';
import {
  FunctionAliasEntity,
  FunctionVersionRepository,
  FunctionVersionsTransaction,
} from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { announceVersionsChanged } from '../functions/qualifier-events';
import { toAliasDto } from './alias.mapper';

/** The stored spelling of a main version: `latest` in any case becomes `latest`, a published version stays as given. */
function mainVersionName(version: string): string {
  if (isLatestVersion(version)) return LATEST;
  if (!VERSION_NAME_PATTERN.test(version))
    throw new FgsError('FSS.1015', `Invalid parameter version: ${version.slice(0, 64)}`);
  return version;
}

/**
 * Aliases (spec §2.9, §3.7 #1–#5): a main version (`latest` allowed) that only this alias may have (FSS.1066), and
 * at most one additional published version reached by weight or by header/cookie rules. At most 10 per function.
 */
@Injectable()
export class AliasesService {
  constructor(
    private readonly resolver: FunctionResolver,
    private readonly versions: FunctionVersionRepository,
    private readonly events: ControlEventsPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async create(auth: FgsAuthContext, urn: string, body: unknown): Promise<AliasDto> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const input = parseBody(createAliasSchema, body, VERSION_FIELD_ERRORS);
    const routing = normaliseAliasRouting(
      mainVersionName(input.version),
      input.additional_version_weights,
      input.additional_version_strategy,
    );
    let alias: FunctionAliasEntity;
    try {
      alias = await this.versions.withFunctionLocked(auth.projectId, fn.id, async (tx) => {
        const aliases = await tx.aliases();
        if (aliases.some((a) => a.name === input.name)) throw aliasExists(input.name);
        if (aliases.length >= ALIAS_LIMITS.perFunction)
          throw new FgsError('FSS.1043', `A function has at most ${ALIAS_LIMITS.perFunction} aliases`);
        await assertRoutable(tx, routing, aliases);
        return tx.insertAlias({
          projectId: auth.projectId,
          functionId: fn.id,
          name: input.name,
          version: routing.version,
          description: input.description ?? '',
          additionalVersionWeights: routing.weights,
          additionalVersionStrategy: routing.strategy,
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw aliasExists(input.name);
      throw err;
    }
    this.resolver.evict(fn.id);
    await announceVersionsChanged(this.events, auth, fn);
    return toAliasDto(alias, fn, this.config.region);
  }

  async get(auth: FgsAuthContext, urn: string, name: string): Promise<AliasDto> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const alias = await this.versions.findAlias(auth.projectId, fn.id, name);
    if (!alias) throw aliasNotFound(name);
    return toAliasDto(alias, fn, this.config.region);
  }

  /** A bare array (spec §3.7 #1), oldest first. */
  async list(auth: FgsAuthContext, urn: string): Promise<AliasDto[]> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const aliases = await this.versions.listAliases(auth.projectId, fn.id);
    return aliases.map((a) => toAliasDto(a, fn, this.config.region));
  }

  /** Replaces the main version, description and routing; omitted routing maps clear it. */
  async update(auth: FgsAuthContext, urn: string, name: string, body: unknown): Promise<AliasDto> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const input = parseBody(updateAliasSchema, body, VERSION_FIELD_ERRORS);
    const routing = normaliseAliasRouting(
      mainVersionName(input.version),
      input.additional_version_weights,
      input.additional_version_strategy,
    );
    const alias = await this.versions.withFunctionLocked(auth.projectId, fn.id, async (tx) => {
      const aliases = await tx.aliases();
      const current = aliases.find((a) => a.name === name);
      if (!current) throw aliasNotFound(name);
      await assertRoutable(
        tx,
        routing,
        aliases.filter((a) => a.id !== current.id),
      );
      return tx.updateAlias(current.id, {
        version: routing.version,
        description: input.description ?? current.description,
        additionalVersionWeights: routing.weights,
        additionalVersionStrategy: routing.strategy,
      });
    });
    this.resolver.evict(fn.id);
    await announceVersionsChanged(this.events, auth, fn);
    return toAliasDto(alias, fn, this.config.region);
  }

  /** Refused while triggers are bound to the alias (FSS.1154); its async config and reservation go with it. */
  async delete(auth: FgsAuthContext, urn: string, name: string): Promise<void> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const cleanup = await this.versions.withFunctionLocked(auth.projectId, fn.id, async (tx) => {
      if (!(await tx.aliases()).some((a) => a.name === name)) throw aliasNotFound(name);
      const triggers = await tx.countTriggers(`!${name}`);
      if (triggers > 0)
        throw new FgsError(
          'FSS.1154',
          `Alias ${name} has ${triggers} trigger(s): delete them (DELETE …/triggers/{urn}:!${name}) first`,
        );
      return tx.deleteAlias(name);
    });
    this.resolver.evict(fn.id);
    await announceVersionsChanged(this.events, auth, fn, { qualifier: `!${name}`, cleanup });
  }
}

/**
 * The versions exist (main FSS.1052, additional FSS.1091) and no other alias has the same main version (FSS.1066;
 * `others` excludes the alias being updated).
 */
async function assertRoutable(
  tx: FunctionVersionsTransaction,
  routing: AliasRouting,
  others: FunctionAliasEntity[],
): Promise<void> {
  const extra = additionalVersionsOf(routing);
  const wanted = isLatestVersion(routing.version) ? extra : [routing.version, ...extra];
  const found = new Set((await tx.versionsNamed(wanted)).map((v) => v.version));
  if (!isLatestVersion(routing.version) && !found.has(routing.version))
    throw new FgsError('FSS.1052', `Version ${routing.version} does not exist`);
  for (const name of extra) {
    if (!found.has(name))
      throw new FgsError('FSS.1091', `Additional version ${name} does not exist: publish it first`);
  }
  const bound = others.find((a) => a.version === routing.version);
  if (bound)
    throw new FgsError(
      'FSS.1066',
      `Version ${routing.version} is already the main version of alias ${bound.name}; a version backs one alias`,
    );
}

function aliasExists(name: string): FgsError {
  return new FgsError('FSS.1063', `Alias ${name} already exists`);
}

function aliasNotFound(name: string): FgsError {
  return new FgsError('FSS.1053', `Not found the function alias ${name.slice(0, 64)}`);
}
