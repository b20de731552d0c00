import { Injectable } from '@nestjs/common';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DataSource } from 'typeorm';
import { TriggerEntity } from '../entities/trigger.entity';

@Injectable()
export class TriggerRepository {
  constructor(private readonly ds: DataSource) {}

  listForFunction(projectId: string, functionId: string): Promise<TriggerEntity[]> {
    return this.ds
      .getRepository(TriggerEntity)
      .find({ where: { projectId, functionId }, order: { createdAt: 'ASC' } });
  }

  find(projectId: string, functionId: string, typeCode: string, id: string): Promise<TriggerEntity | null> {
    return this.ds
      .getRepository(TriggerEntity)
      .findOneBy({ projectId, functionId, triggerTypeCode: typeCode, id });
  }

  /** Used by trigger services, which serve every tenant. */
  findAnyById(id: string): Promise<TriggerEntity | null> {
    return this.ds.getRepository(TriggerEntity).findOneBy({ id });
  }

  listActiveOfType(typeCode: string): Promise<TriggerEntity[]> {
    return this.ds
      .getRepository(TriggerEntity)
      .findBy({ triggerTypeCode: typeCode, triggerStatus: 'ACTIVE' });
  }

  listAllOfType(typeCode: string): Promise<TriggerEntity[]> {
    return this.ds.getRepository(TriggerEntity).findBy({ triggerTypeCode: typeCode });
  }

  existsByName(projectId: string, functionId: string, typeCode: string, name: string): Promise<boolean> {
    return this.ds
      .getRepository(TriggerEntity)
      .existsBy({ projectId, functionId, triggerTypeCode: typeCode, name });
  }

  create(trigger: Partial<TriggerEntity>): Promise<TriggerEntity> {
    const repo = this.ds.getRepository(TriggerEntity);
    return repo.save(repo.create(trigger));
  }

  async update(projectId: string, id: string, patch: Partial<TriggerEntity>): Promise<TriggerEntity | null> {
    await this.ds
      .getRepository(TriggerEntity)
      .update({ projectId, id }, patch as QueryDeepPartialEntity<TriggerEntity>);
    return this.ds.getRepository(TriggerEntity).findOneBy({ projectId, id });
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const res = await this.ds.getRepository(TriggerEntity).delete({ projectId, id });
    return (res.affected ?? 0) > 0;
  }

  /** Deletes every trigger of a function and returns the deleted ids. */
  async deleteAllForFunction(projectId: string, functionId: string): Promise<string[]> {
    const rows = await this.ds
      .getRepository(TriggerEntity)
      .createQueryBuilder()
      .delete()
      .where('project_id = :projectId AND function_id = :functionId', { projectId, functionId })
      .returning(['id'])
      .execute();
    return (rows.raw as { id: string }[]).map((r) => r.id);
  }
}
