import { Inject, Injectable } from '@nestjs/common';
import {
  FgsError,
  formatFunctionUrn,
  FunctionTagsDto,
  ProjectTagsDto,
  ResourceInstanceQueryBody,
  resourceInstanceQuerySchema,
  ResourceInstancesDto,
  SYS_TAG_ENTERPRISE_PROJECT,
  TAG_LIMITS,
  TagDto,
  UpdateTagsBody,
  updateTagsSchema,
} from '@ofg/contracts';
import { FunctionEntity, FunctionRepository, FunctionTagRepository, ResourceFilter } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const RESOURCE_QUERY_ACTIONS = ['filter', 'count'] as const;
export type ResourceQueryAction = (typeof RESOURCE_QUERY_ACTIONS)[number];

/**
 * Function tags (resource type `functions`): at most 20 per function, keys unique, set and removed by key; the
 * project's tag list and the tag query over the project's functions. `resource_id` is the function id (`func_id`);
 * a function URN is accepted too.
 */
@Injectable()
export class TagsService {
  constructor(
    private readonly tags: FunctionTagRepository,
    private readonly functions: FunctionRepository,
    private readonly resolver: FunctionResolver,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async list(auth: FgsAuthContext, resourceId: string): Promise<FunctionTagsDto> {
    const fn = await this.function(auth, resourceId);
    return {
      tags: await this.tags.listForFunction(auth.projectId, fn.id),
      sys_tags: sysTagsOf(fn.enterpriseProjectId),
    };
  }

  /** Sets the tags; a key the function already has takes the new value. */
  async create(auth: FgsAuthContext, resourceId: string, body: unknown): Promise<void> {
    const fn = await this.function(auth, resourceId);
    const input = parseTagsBody(body, 'create');
    const result = await this.tags.add(
      auth.projectId,
      fn.id,
      input.tags.map((t) => ({ key: t.key, value: t.value ?? '' })),
      TAG_LIMITS.perResource,
    );
    if (result.kind === 'no-function') throw new FgsError('FSS.1051');
    if (result.kind === 'full')
      throw new FgsError(
        'FSS.0400',
        `Invalid parameter tags: a function has at most ${TAG_LIMITS.perResource} tags (it has ${result.count})`,
      );
  }

  /** Removes the tags by key (a value, when given, is not compared); keys the function lacks are ignored. */
  async delete(auth: FgsAuthContext, resourceId: string, body: unknown): Promise<void> {
    const fn = await this.function(auth, resourceId);
    const input = parseTagsBody(body, 'delete');
    await this.tags.remove(
      auth.projectId,
      fn.id,
      input.tags.map((t) => t.key),
    );
  }

  async projectTags(auth: FgsAuthContext): Promise<ProjectTagsDto> {
    return { tags: await this.tags.projectTags(auth.projectId), sys_tags: [] };
  }

  /** `filter`: a page of matching functions with their tags; `count`: how many match. */
  async queryResources(auth: FgsAuthContext, action: string, body: unknown): Promise<ResourceInstancesDto> {
    if (!(RESOURCE_QUERY_ACTIONS as readonly string[]).includes(action))
      throw new FgsError('FSS.0400', `Invalid parameter action: ${action.slice(0, 32)} (filter or count)`);
    const input = parseBody(resourceInstanceQuerySchema, body);
    if (input.action !== undefined && input.action !== action)
      throw new FgsError(
        'FSS.0400',
        `Invalid parameter action: the body says ${input.action}, the path ${action}`,
      );
    const filter = resourceFilterOf(input);
    if (action === 'count') return { total_count: await this.tags.countResources(auth.projectId, filter) };
    const limit = pageParam(input.limit, 'limit', TAG_LIMITS.pageMax, 1, TAG_LIMITS.pageMax);
    const offset = pageParam(input.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const page = await this.tags.findResources(auth.projectId, filter, offset, limit);
    return {
      resources: page.items.map((item) => ({
        resource_id: item.id,
        resource_name: item.funcName,
        resource_detail: {
          detailId: formatFunctionUrn(this.config.region, {
            projectId: auth.projectId,
            package: item.package,
            funcName: item.funcName,
          }),
        },
        tags: item.tags,
        sys_tags: sysTagsOf(item.enterpriseProjectId),
      })),
      total_count: page.total,
    };
  }

  /** A function id of the caller's project, or a URN; anything else answers FSS.1051. */
  private async function(auth: FgsAuthContext, resourceId: string): Promise<FunctionEntity> {
    if (UUID.test(resourceId)) {
      const fn = await this.functions.findById(auth.projectId, resourceId);
      if (!fn) throw new FgsError('FSS.1051');
      return fn;
    }
    return (await this.resolver.findTarget(resourceId, auth)).fn;
  }
}

/** The create/delete body: `action`, when given, must be the path's; a key may appear once. */
export function parseTagsBody(body: unknown, action: 'create' | 'delete'): UpdateTagsBody {
  const input = parseBody(updateTagsSchema, body);
  if (input.action !== undefined && input.action !== action)
    throw new FgsError('FSS.0400', `Invalid parameter action: must be ${action}`);
  const keys = new Set<string>();
  for (const tag of input.tags) {
    if (keys.has(tag.key))
      throw new FgsError('FSS.0400', `Invalid parameter tags: the key ${tag.key} repeats`);
    keys.add(tag.key);
  }
  return input;
}

/** `matches` on `resource_name` filter by name, other `matches` keys and `tags` by tag; `sys_tags` by enterprise project. */
export function resourceFilterOf(input: ResourceInstanceQueryBody): ResourceFilter {
  const filter: ResourceFilter = {
    withoutAnyTag: input.without_any_tag === true,
    tags: [],
    nameContains: [],
  };
  for (const tag of input.tags ?? []) filter.tags.push({ key: tag.key, values: tag.values ?? [] });
  for (const match of input.matches ?? []) {
    if (match.key === 'resource_name') {
      if (match.value) filter.nameContains.push(match.value);
    } else {
      filter.tags.push({ key: match.key, values: match.value ? [match.value] : [] });
    }
  }
  const projects = input.sys_tags?.[0]?.values;
  if (projects && projects.length > 0) filter.enterpriseProjects = projects;
  return filter;
}

function pageParam(
  raw: string | number | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new FgsError('FSS.0400', `Invalid parameter ${name}: must be between ${min} and ${max}`);
  return value;
}

function sysTagsOf(enterpriseProjectId: string): TagDto[] {
  return [{ key: SYS_TAG_ENTERPRISE_PROJECT, value: enterpriseProjectId }];
}
