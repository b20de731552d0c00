import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { withTenant } from '../tenancy/tenant-scope';

/** What one project holds of the resources its quotas limit. */
export interface ProjectUsage {
  functions: number;
  /** Ids of those functions (their live instances are counted from the invokers' figures). */
  functionIds: string[];
  /** Bytes of the functions' code packages. */
  codeBytes: number;
  /** Own (not public) dependencies and the bytes of their versions. */
  dependencies: number;
  dependencyBytes: number;
  triggers: number;
}

/** Usage figures behind `GET …/quotas`, read in one tenant transaction. */
@Injectable()
export class QuotaUsageRepository {
  constructor(private readonly ds: DataSource) {}

  usageOf(projectId: string): Promise<ProjectUsage> {
    return withTenant(this.ds, projectId, async (em) => {
      const [row] = (await em.query(
        `SELECT (SELECT count(*)::int FROM functions WHERE project_id = $1) AS functions,
                (SELECT coalesce(array_agg(id::text ORDER BY id), '{}') FROM functions WHERE project_id = $1)
                  AS function_ids,
                (SELECT coalesce(sum(code_size), 0)::bigint FROM functions WHERE project_id = $1) AS code_bytes,
                (SELECT count(*)::int FROM dependencies WHERE project_id = $1) AS dependencies,
                (SELECT coalesce(sum(size), 0)::bigint FROM dependency_versions WHERE project_id = $1)
                  AS dependency_bytes,
                (SELECT count(*)::int FROM triggers WHERE project_id = $1) AS triggers`,
        [projectId],
      )) as UsageRow[];
      return {
        functions: row.functions,
        functionIds: row.function_ids,
        codeBytes: Number(row.code_bytes),
        dependencies: row.dependencies,
        dependencyBytes: Number(row.dependency_bytes),
        triggers: row.triggers,
      };
    });
  }
}

interface UsageRow {
  functions: number;
  function_ids: string[];
  code_bytes: string;
  dependencies: number;
  dependency_bytes: string;
  triggers: number;
}
