import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { FunctionEntity } from '../entities/function.entity';
import { ReservedInstanceConfigEntity } from '../entities/reserved-instance-config.entity';
import { withSystemScope, withTenant } from '../tenancy/tenant-scope';

/** The fields a reservation is written with; the rest are kept by the database. */
export type ReservedInstanceConfigInput = Pick<
  ReservedInstanceConfigEntity,
  | 'projectId'
  | 'functionId'
  | 'qualifierType'
  | 'qualifierName'
  | 'domainId'
  | 'count'
  | 'idleMode'
  | 'tacticsConfig'
>;

/** A reservation with the function it belongs to (URNs and snapshots need both). */
export interface ReservedInstanceConfigWithFunction {
  config: ReservedInstanceConfigEntity;
  fn: FunctionEntity;
}

export interface ReservedInstanceConfigFilter {
  functionId?: string;
  qualifierType?: 'version' | 'alias';
  qualifierName?: string;
}

/** Reserved-instance configurations of one project, plus the cross-tenant listing invokers reconcile from. */
@Injectable()
export class ReservedInstanceConfigRepository {
  constructor(private readonly ds: DataSource) {}

  /** Creates or replaces the reservation of one qualifier (the unique constraint decides between racing writers). */
  upsert(input: ReservedInstanceConfigInput): Promise<ReservedInstanceConfigEntity> {
    return withTenant(this.ds, input.projectId, async (em) => {
      const rows = (await em.query(
        `INSERT INTO reserved_instance_configs
           (project_id, function_id, qualifier_type, qualifier_name, domain_id, count, idle_mode, tactics_config)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT uq_reserved_instance_configs_qualifier DO UPDATE
           SET domain_id = EXCLUDED.domain_id, count = EXCLUDED.count, idle_mode = EXCLUDED.idle_mode,
               tactics_config = EXCLUDED.tactics_config, updated_at = now()
         RETURNING id`,
        [
          input.projectId,
          input.functionId,
          input.qualifierType,
          input.qualifierName,
          input.domainId,
          input.count,
          input.idleMode,
          JSON.stringify(input.tacticsConfig),
        ],
      )) as { id: string }[];
      return em
        .getRepository(ReservedInstanceConfigEntity)
        .findOneByOrFail({ projectId: input.projectId, id: rows[0].id });
    });
  }

  /** Removes the reservation of one qualifier; false when there was none. */
  remove(
    projectId: string,
    functionId: string,
    qualifierType: 'version' | 'alias',
    qualifierName: string,
  ): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .getRepository(ReservedInstanceConfigEntity)
        .delete({ projectId, functionId, qualifierType, qualifierName });
      return (res.affected ?? 0) > 0;
    });
  }

  /** Reserved instances of a function over all its qualifiers (0 when it has none). */
  reservedCountOf(projectId: string, functionId: string): Promise<number> {
    return withTenant(this.ds, projectId, async (em) => {
      const sum = await em
        .getRepository(ReservedInstanceConfigEntity)
        .sum('count', { projectId, functionId });
      return Number(sum ?? 0);
    });
  }

  /**
   * Reserved instances that run the `latest` head: its own reservation and those of aliases whose main version is
   * latest. Published versions never change, so reserving one does not freeze the head.
   */
  reservedCountOfLatest(projectId: string, functionId: string): Promise<number> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT COALESCE(SUM(r.count), 0)::int AS reserved FROM reserved_instance_configs r
          WHERE r.project_id = $1 AND r.function_id = $2
            AND ((r.qualifier_type = 'version' AND r.qualifier_name = 'latest')
              OR (r.qualifier_type = 'alias' AND EXISTS (
                SELECT 1 FROM function_aliases a
                 WHERE a.function_id = r.function_id AND a.name = r.qualifier_name AND lower(a.version) = 'latest')))`,
        [projectId, functionId],
      )) as { reserved: number }[];
      return Number(rows[0]?.reserved ?? 0);
    });
  }

  /** One page in creation order; `marker` is the offset of the first row. */
  list(
    projectId: string,
    filter: ReservedInstanceConfigFilter,
    marker: number,
    limit: number,
  ): Promise<{ items: ReservedInstanceConfigWithFunction[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const [configs, total] = await em.getRepository(ReservedInstanceConfigEntity).findAndCount({
        where: { projectId, ...filter },
        order: { createdAt: 'ASC', id: 'ASC' },
        skip: marker,
        take: limit,
      });
      return { items: await withFunctions(em, configs, { projectId }), total };
    });
  }

  /** Every project's reservations that hold instances, for the invokers (read-only system scope). */
  listReservedInAllProjects(): Promise<ReservedInstanceConfigWithFunction[]> {
    return withSystemScope(this.ds, async (em) => {
      const configs = await em
        .getRepository(ReservedInstanceConfigEntity)
        .createQueryBuilder('r')
        .where('r.count > 0')
        .orderBy('r.created_at', 'ASC')
        .addOrderBy('r.id', 'ASC')
        .getMany();
      return withFunctions(em, configs, {});
    });
  }
}

async function withFunctions(
  em: EntityManager,
  configs: ReservedInstanceConfigEntity[],
  scope: { projectId?: string },
): Promise<ReservedInstanceConfigWithFunction[]> {
  if (configs.length === 0) return [];
  const ids = [...new Set(configs.map((c) => c.functionId))];
  const fns = await em.getRepository(FunctionEntity).findBy({ id: In(ids), ...scope });
  const byId = new Map(fns.map((f) => [f.id, f]));
  return configs.flatMap((config) => {
    const fn = byId.get(config.functionId);
    return fn ? [{ config, fn }] : [];
  });
}
