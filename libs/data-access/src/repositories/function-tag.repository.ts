import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../tenancy/tenant-scope';
import { lockFunction } from './test-event.repository';

export interface TagRecord {
  key: string;
  value: string;
}

/** Why adding tags wrote nothing: the function would hold more than the cap, or it is gone. */
export type AddTagsResult = { kind: 'added' } | { kind: 'full'; count: number } | { kind: 'no-function' };

/** Which functions a resource-instance query selects; every condition must hold. */
export interface ResourceFilter {
  /** Only functions without any tag (the tag conditions are then ignored). */
  withoutAnyTag?: boolean;
  /** Each key present with one of `values` (any value when `values` is empty). */
  tags: { key: string; values: string[] }[];
  /** Case-insensitive substrings the function name must contain. */
  nameContains: string[];
  /** The enterprise project must be one of these (no condition when absent). */
  enterpriseProjects?: string[];
}

/** A function a resource-instance query found, with its tags. */
export interface TaggedFunction {
  id: string;
  funcName: string;
  package: string;
  enterpriseProjectId: string;
  tags: TagRecord[];
}

/** Function tags of one project: per-function key/value pairs, the project's tag list and tag queries. */
@Injectable()
export class FunctionTagRepository {
  constructor(private readonly ds: DataSource) {}

  /** The function's tags by key. */
  listForFunction(projectId: string, functionId: string): Promise<TagRecord[]> {
    return withTenant(this.ds, projectId, (em) =>
      tagsOf(em, projectId, [functionId]).then((m) => m.get(functionId) ?? []),
    );
  }

  /**
   * Sets each tag (a key the function has gets the new value) unless the function would then hold more than
   * `maxPerFunction` keys; the function row is locked for the check.
   */
  add(
    projectId: string,
    functionId: string,
    tags: TagRecord[],
    maxPerFunction: number,
  ): Promise<AddTagsResult> {
    return withTenant(this.ds, projectId, async (em): Promise<AddTagsResult> => {
      if (!(await lockFunction(em, projectId, functionId))) return { kind: 'no-function' };
      const current = (await em.query(
        `SELECT key FROM function_tags WHERE project_id = $1 AND function_id = $2`,
        [projectId, functionId],
      )) as { key: string }[];
      const keys = new Set([...current.map((t) => t.key), ...tags.map((t) => t.key)]);
      if (keys.size > maxPerFunction) return { kind: 'full', count: current.length };
      await em.query(
        `INSERT INTO function_tags (project_id, function_id, key, value)
         SELECT $1, $2, t.key, t.value FROM unnest($3::text[], $4::text[]) AS t(key, value)
         ON CONFLICT ON CONSTRAINT pk_function_tags DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [projectId, functionId, tags.map((t) => t.key), tags.map((t) => t.value)],
      );
      return { kind: 'added' };
    });
  }

  /** Removes the keys the function has; returns how many were removed. */
  remove(projectId: string, functionId: string, keys: string[]): Promise<number> {
    return withTenant(this.ds, projectId, async (em) => {
      const [, affected] = (await em.query(
        `DELETE FROM function_tags WHERE project_id = $1 AND function_id = $2 AND key = ANY($3::text[])`,
        [projectId, functionId, keys],
      )) as [unknown, number];
      return affected;
    });
  }

  /** Every key the project's functions use, each with its distinct values, sorted. */
  projectTags(projectId: string): Promise<{ key: string; values: string[] }[]> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT key, array_agg(DISTINCT value ORDER BY value) AS values
           FROM function_tags WHERE project_id = $1 GROUP BY key ORDER BY key`,
        [projectId],
      )) as { key: string; values: string[] }[];
      return rows.map((r) => ({ key: r.key, values: r.values }));
    });
  }

  /** A page of the project's functions matching `filter`, oldest first, with the total. */
  findResources(
    projectId: string,
    filter: ResourceFilter,
    offset: number,
    limit: number,
  ): Promise<{ items: TaggedFunction[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const { where, params } = resourceWhere(projectId, filter);
      const rows = (await em.query(
        `SELECT f.id, f.func_name, f.package, f.enterprise_project_id, count(*) OVER () AS total
           FROM functions f WHERE ${where}
          ORDER BY f.created_at, f.id
          OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, offset, limit],
      )) as {
        id: string;
        func_name: string;
        package: string;
        enterprise_project_id: string;
        total: string;
      }[];
      const total = rows[0] ? Number(rows[0].total) : await countWhere(em, where, params);
      const tags = await tagsOf(
        em,
        projectId,
        rows.map((r) => r.id),
      );
      return {
        items: rows.map((r) => ({
          id: r.id,
          funcName: r.func_name,
          package: r.package,
          enterpriseProjectId: r.enterprise_project_id,
          tags: tags.get(r.id) ?? [],
        })),
        total,
      };
    });
  }

  countResources(projectId: string, filter: ResourceFilter): Promise<number> {
    return withTenant(this.ds, projectId, (em) => {
      const { where, params } = resourceWhere(projectId, filter);
      return countWhere(em, where, params);
    });
  }
}

async function countWhere(em: EntityManager, where: string, params: unknown[]): Promise<number> {
  const rows = (await em.query(`SELECT count(*) AS n FROM functions f WHERE ${where}`, params)) as {
    n: string;
  }[];
  return Number(rows[0]?.n ?? 0);
}

async function tagsOf(
  em: EntityManager,
  projectId: string,
  functionIds: string[],
): Promise<Map<string, TagRecord[]>> {
  const byFunction = new Map<string, TagRecord[]>();
  if (functionIds.length === 0) return byFunction;
  const rows = (await em.query(
    `SELECT function_id, key, value FROM function_tags
      WHERE project_id = $1 AND function_id = ANY($2::uuid[]) ORDER BY key`,
    [projectId, functionIds],
  )) as { function_id: string; key: string; value: string }[];
  for (const row of rows) {
    const list = byFunction.get(row.function_id) ?? [];
    list.push({ key: row.key, value: row.value });
    byFunction.set(row.function_id, list);
  }
  return byFunction;
}

/** The WHERE clause of a resource query over `functions f`, with its positional parameters. */
export function resourceWhere(
  projectId: string,
  filter: ResourceFilter,
): { where: string; params: unknown[] } {
  const params: unknown[] = [projectId];
  const next = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = ['f.project_id = $1'];
  if (filter.withoutAnyTag) {
    conditions.push(`NOT EXISTS (SELECT 1 FROM function_tags t WHERE t.function_id = f.id)`);
  } else {
    for (const tag of filter.tags) {
      const key = next(tag.key);
      const valueCondition = tag.values.length > 0 ? ` AND t.value = ANY(${next(tag.values)}::text[])` : '';
      conditions.push(
        `EXISTS (SELECT 1 FROM function_tags t WHERE t.function_id = f.id AND t.key = ${key}${valueCondition})`,
      );
    }
  }
  for (const name of filter.nameContains) {
    conditions.push(`f.func_name ILIKE ${next(`%${escapeLike(name)}%`)} ESCAPE '\\'`);
  }
  if (filter.enterpriseProjects)
    conditions.push(`f.enterprise_project_id = ANY(${next(filter.enterpriseProjects)}::text[])`);
  return { where: conditions.join(' AND '), params };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
