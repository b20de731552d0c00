import { Injectable } from '@nestjs/common';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DataSource, EntityManager } from 'typeorm';
import { CodePackageEntity } from '../entities/code-package.entity';
import { FunctionEntity } from '../entities/function.entity';

/** Functions of one project at a time: every query takes the tenant. */
@Injectable()
export class FunctionRepository {
  constructor(private readonly ds: DataSource) {}

  findByName(projectId: string, pkg: string, funcName: string): Promise<FunctionEntity | null> {
    return this.ds.getRepository(FunctionEntity).findOneBy({ projectId, package: pkg, funcName });
  }

  findById(projectId: string, id: string): Promise<FunctionEntity | null> {
    return this.ds.getRepository(FunctionEntity).findOneBy({ projectId, id });
  }

  /** Page of functions ordered by creation; `marker` is the offset of the first row. */
  async list(
    projectId: string,
    marker: number,
    maxItems: number,
    filter: { package?: string; funcName?: string },
  ): Promise<{ items: FunctionEntity[]; total: number }> {
    const qb = this.ds
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
  }

  /** Stores the code package (if new) and the function in one transaction. */
  async createWithCode(
    fn: Partial<FunctionEntity>,
    code: { digest: string; data: Buffer },
  ): Promise<FunctionEntity> {
    return this.ds.transaction(async (em) => {
      await this.saveCode(em, code);
      return em.getRepository(FunctionEntity).save(em.getRepository(FunctionEntity).create(fn));
    });
  }

  async updateCode(
    projectId: string,
    id: string,
    patch: Partial<FunctionEntity>,
    code: { digest: string; data: Buffer },
  ): Promise<FunctionEntity | null> {
    return this.ds.transaction(async (em) => {
      await this.saveCode(em, code);
      await em
        .getRepository(FunctionEntity)
        .update({ projectId, id }, patch as QueryDeepPartialEntity<FunctionEntity>);
      return em.getRepository(FunctionEntity).findOneBy({ projectId, id });
    });
  }

  async updateConfig(
    projectId: string,
    id: string,
    patch: Partial<FunctionEntity>,
  ): Promise<FunctionEntity | null> {
    await this.ds
      .getRepository(FunctionEntity)
      .update({ projectId, id }, patch as QueryDeepPartialEntity<FunctionEntity>);
    return this.findById(projectId, id);
  }

  /** Deletes the function; its triggers go with it (foreign key cascade). */
  async delete(projectId: string, id: string): Promise<boolean> {
    const res = await this.ds.getRepository(FunctionEntity).delete({ projectId, id });
    return (res.affected ?? 0) > 0;
  }

  private async saveCode(em: EntityManager, code: { digest: string; data: Buffer }): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(CodePackageEntity)
      .values({ digest: code.digest, size: code.data.length, data: code.data })
      .orIgnore()
      .execute();
  }
}
