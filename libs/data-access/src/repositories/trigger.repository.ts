import { Injectable } from '@nestjs/common';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DataSource, In } from 'typeorm';
import { TriggerEntity } from '../entities/trigger.entity';
import { withSystemScope, withTenant } from '../tenancy/tenant-scope';

/** Triggers of one project, plus the read-only cross-tenant listings the trigger service schedules from. */
@Injectable()
export class TriggerRepository {
  constructor(private readonly ds: DataSource) {}

  listForFunction(projectId: string, functionId: string): Promise<TriggerEntity[]> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(TriggerEntity).find({ where: { projectId, functionId }, order: { createdAt: 'ASC' } }),
    );
  }

  find(projectId: string, functionId: string, typeCode: string, id: string): Promise<TriggerEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(TriggerEntity).findOneBy({ projectId, functionId, triggerTypeCode: typeCode, id }),
    );
  }

  /** The project's triggers of some types (e.g. every API of its APIG groups), oldest first. */
  listForProjectOfTypes(projectId: string, typeCodes: readonly string[]): Promise<TriggerEntity[]> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(TriggerEntity).find({
        where: { projectId, triggerTypeCode: In([...typeCodes]) },
        order: { createdAt: 'ASC' },
      }),
    );
  }

  /** Used by trigger services, which serve every tenant. */
  findAnyById(id: string): Promise<TriggerEntity | null> {
    return withSystemScope(this.ds, (em) => em.getRepository(TriggerEntity).findOneBy({ id }));
  }

  listActiveOfType(typeCode: string): Promise<TriggerEntity[]> {
    return withSystemScope(this.ds, (em) =>
      em.getRepository(TriggerEntity).findBy({ triggerTypeCode: typeCode, triggerStatus: 'ACTIVE' }),
    );
  }

  listAllOfType(typeCode: string): Promise<TriggerEntity[]> {
    return withSystemScope(this.ds, (em) =>
      em.getRepository(TriggerEntity).findBy({ triggerTypeCode: typeCode }),
    );
  }

  existsByName(projectId: string, functionId: string, typeCode: string, name: string): Promise<boolean> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(TriggerEntity).existsBy({ projectId, functionId, triggerTypeCode: typeCode, name }),
    );
  }

  create(trigger: Partial<TriggerEntity>): Promise<TriggerEntity> {
    return withTenant(this.ds, trigger.projectId as string, (em) => {
      const repo = em.getRepository(TriggerEntity);
      return repo.save(repo.create(trigger));
    });
  }

  update(projectId: string, id: string, patch: Partial<TriggerEntity>): Promise<TriggerEntity | null> {
    return withTenant(this.ds, projectId, async (em) => {
      await em
        .getRepository(TriggerEntity)
        .update({ projectId, id }, patch as QueryDeepPartialEntity<TriggerEntity>);
      return em.getRepository(TriggerEntity).findOneBy({ projectId, id });
    });
  }

  delete(projectId: string, id: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em.getRepository(TriggerEntity).delete({ projectId, id });
      return (res.affected ?? 0) > 0;
    });
  }

  /** Deletes every trigger of a function and returns the deleted ids. */
  deleteAllForFunction(projectId: string, functionId: string): Promise<string[]> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = await em
        .getRepository(TriggerEntity)
        .createQueryBuilder()
        .delete()
        .where('project_id = :projectId AND function_id = :functionId', { projectId, functionId })
        .returning(['id'])
        .execute();
      return (rows.raw as { id: string }[]).map((r) => r.id);
    });
  }
}
