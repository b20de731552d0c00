import { Injectable } from '@nestjs/common';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DataSource, EntityManager } from 'typeorm';
import { CodePackageEntity } from '../entities/code-package.entity';
import { FunctionEntity } from '../entities/function.entity';
import { withTenant } from '../tenancy/tenant-scope';

/** Functions of one project at a time: every query takes the tenant, and row-level security holds it to it. */
@Injectable()
export class FunctionRepository {
  constructor(private readonly ds: DataSource) {}

  findByName(projectId: string, pkg: string, funcName: string): Promise<FunctionEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(FunctionEntity).findOneBy({ projectId, package: pkg, funcName }),
    );
  }

  findById(projectId: string, id: string): Promise<FunctionEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(FunctionEntity).findOneBy({ projectId, id }),
    );
  }

  /** Page of functions ordered by creation; `marker` is the offset of the first row. */
  list(
    projectId: string,
    marker: number,
    maxItems: number,
    filter: { package?: string; funcName?: string },
  ): Promise<{ items: FunctionEntity[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const qb = em
        .getRepository(FunctionEntity)
        .createQueryBuilder('f')
        .where('f.project_id = :projectId', { projectId });
      if (filter.package) qb.andWhere('f.package = :pkg', { pkg: filter.package });
      if (filter.funcName) qb.andWhere('f.func_name = :name', { name: filter.funcName });
      const [items, total] = await qb
        .orderBy('f.created_at', 'ASC')
        .addOrderBy('f.id', 'ASC')
        .skip(marker)
        .take(maxItems)
        .getManyAndCount();
      return { items, total };
    });
  }

  /** Stores the code package (if new) and the function in one transaction. */
  createWithCode(
    fn: Partial<FunctionEntity>,
    code: { digest: string; data: Buffer },
  ): Promise<FunctionEntity> {
    return withTenant(this.ds, fn.projectId as string, async (em) => {
      await this.saveCode(em, code);
      return em.getRepository(FunctionEntity).save(em.getRepository(FunctionEntity).create(fn));
    });
  }

  updateCode(
    projectId: string,
    id: string,
    patch: Partial<FunctionEntity>,
    code: { digest: string; data: Buffer },
  ): Promise<FunctionEntity | null> {
    return withTenant(this.ds, projectId, async (em) => {
      await this.saveCode(em, code);
      await em
        .getRepository(FunctionEntity)
        .update({ projectId, id }, patch as QueryDeepPartialEntity<FunctionEntity>);
      return em.getRepository(FunctionEntity).findOneBy({ projectId, id });
    });
  }

  updateConfig(
    projectId: string,
    id: string,
    patch: Partial<FunctionEntity>,
  ): Promise<FunctionEntity | null> {
    return withTenant(this.ds, projectId, async (em) => {
      await em
        .getRepository(FunctionEntity)
        .update({ projectId, id }, patch as QueryDeepPartialEntity<FunctionEntity>);
      return em.getRepository(FunctionEntity).findOneBy({ projectId, id });
    });
  }

  /** Deletes the function; its triggers go with it (foreign key cascade). */
  delete(projectId: string, id: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em.getRepository(FunctionEntity).delete({ projectId, id });
      return (res.affected ?? 0) > 0;
    });
  }

  private async saveCode(em: EntityManager, code: { digest: string; data: Buffer }): Promise<void> {
    // No RETURNING: the new package is not readable until a function of this project references it.
    await em
      .createQueryBuilder()
      .insert()
      .into(CodePackageEntity)
      .values({ digest: code.digest, size: code.data.length, data: code.data })
      .orIgnore()
      .updateEntity(false)
      .execute();
  }
}
