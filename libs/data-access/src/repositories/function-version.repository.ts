import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { additionalVersionsOf, FgsError, FunctionRef } from '@ofg/contracts';
import { AsyncInvokeConfigEntity } from '../entities/async-invoke-config.entity';
import { FunctionAliasEntity } from '../entities/function-alias.entity';
import { FunctionVersionEntity } from '../entities/function-version.entity';
import { FunctionEntity } from '../entities/function.entity';
import { ReservedInstanceConfigEntity } from '../entities/reserved-instance-config.entity';
import { TriggerEntity } from '../entities/trigger.entity';
import { aliasRoutingOf, QualifierTarget } from '../mappers/function-version.mapper';
import { withTenant } from '../tenancy/tenant-scope';

/** What went with a deleted version or alias, so the caller can announce it. */
export interface QualifierCleanup {
  triggerIds: string[];
  asyncConfigDeleted: boolean;
  reservationsDeleted: boolean;
}

/**
 * Published versions and aliases of one project's functions. Reads stand alone; every change runs inside
 * `withFunctionLocked`, which holds the function row's lock so the rules a service checks (name taken, version in
 * use by an alias, alias count) still hold when it writes.
 */
@Injectable()
export class FunctionVersionRepository {
  constructor(private readonly ds: DataSource) {}

  findVersion(projectId: string, functionId: string, version: string): Promise<FunctionVersionEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(FunctionVersionEntity).findOneBy({ projectId, functionId, version }),
    );
  }

  /** One page of published versions, oldest first; `offset` counts published versions only. */
  listVersions(
    projectId: string,
    functionId: string,
    offset: number,
    limit: number,
  ): Promise<{ items: FunctionVersionEntity[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const [items, total] = await em.getRepository(FunctionVersionEntity).findAndCount({
        where: { projectId, functionId },
        order: { createdAt: 'ASC', id: 'ASC' },
        skip: offset,
        take: limit,
      });
      return { items, total };
    });
  }

  countVersions(projectId: string, functionId: string): Promise<number> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(FunctionVersionEntity).countBy({ projectId, functionId }),
    );
  }

  findAlias(projectId: string, functionId: string, name: string): Promise<FunctionAliasEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(FunctionAliasEntity).findOneBy({ projectId, functionId, name }),
    );
  }

  listAliases(projectId: string, functionId: string): Promise<FunctionAliasEntity[]> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(FunctionAliasEntity).find({
        where: { projectId, functionId },
        order: { createdAt: 'ASC', id: 'ASC' },
      }),
    );
  }

  /** What a URN qualifier names, read in one transaction; null when the version or alias does not exist. */
  loadQualifier(
    projectId: string,
    functionId: string,
    ref: Pick<FunctionRef, 'version' | 'alias'>,
  ): Promise<QualifierTarget | null> {
    if (ref.alias === undefined && (ref.version === undefined || ref.version.toLowerCase() === 'latest'))
      return Promise.resolve({ kind: 'latest' });
    return withTenant(this.ds, projectId, async (em) => {
      const versions = em.getRepository(FunctionVersionEntity);
      if (ref.alias === undefined) {
        const version = await versions.findOneBy({ projectId, functionId, version: ref.version });
        return version ? { kind: 'version', version } : null;
      }
      const alias = await em
        .getRepository(FunctionAliasEntity)
        .findOneBy({ projectId, functionId, name: ref.alias });
      if (!alias) return null;
      const names = [alias.version, ...additionalVersionsOf(aliasRoutingOf(alias))];
      return {
        kind: 'alias',
        alias,
        versions: await versions.findBy({ projectId, functionId, version: In(names) }),
      };
    });
  }

  /** Runs `work` in one tenant transaction holding the function's row lock; FSS.1051 when the function is gone. */
  withFunctionLocked<T>(
    projectId: string,
    functionId: string,
    work: (tx: FunctionVersionsTransaction) => Promise<T>,
  ): Promise<T> {
    return withTenant(this.ds, projectId, async (em) => {
      const head = await em
        .getRepository(FunctionEntity)
        .createQueryBuilder('f')
        .setLock('pessimistic_write')
        .where('f.project_id = :projectId AND f.id = :functionId', { projectId, functionId })
        .getOne();
      if (!head) throw new FgsError('FSS.1051');
      return work(new FunctionVersionsTransaction(em, head));
    });
  }
}

/** Queries on one locked function's versions and aliases, inside `withFunctionLocked`. */
export class FunctionVersionsTransaction {
  private readonly scope: { projectId: string; functionId: string };

  constructor(
    private readonly em: EntityManager,
    /** The `latest` head as locked. */
    readonly head: FunctionEntity,
  ) {
    this.scope = { projectId: head.projectId, functionId: head.id };
  }

  /** The most recently published version, or null before the first publish. */
  newestVersion(): Promise<FunctionVersionEntity | null> {
    return this.em
      .getRepository(FunctionVersionEntity)
      .findOne({ where: this.scope, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  findVersion(version: string): Promise<FunctionVersionEntity | null> {
    return this.em.getRepository(FunctionVersionEntity).findOneBy({ ...this.scope, version });
  }

  versionsNamed(names: string[]): Promise<FunctionVersionEntity[]> {
    if (names.length === 0) return Promise.resolve([]);
    return this.em.getRepository(FunctionVersionEntity).findBy({ ...this.scope, version: In(names) });
  }

  insertVersion(row: Omit<FunctionVersionEntity, 'id' | 'createdAt'>): Promise<FunctionVersionEntity> {
    const repo = this.em.getRepository(FunctionVersionEntity);
    return repo.save(repo.create(row));
  }

  aliases(): Promise<FunctionAliasEntity[]> {
    return this.em
      .getRepository(FunctionAliasEntity)
      .find({ where: this.scope, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  insertAlias(
    row: Omit<FunctionAliasEntity, 'id' | 'createdAt' | 'updatedAt'>,
  ): Promise<FunctionAliasEntity> {
    const repo = this.em.getRepository(FunctionAliasEntity);
    return repo.save(repo.create(row));
  }

  async updateAlias(
    id: string,
    patch: Pick<
      FunctionAliasEntity,
      'version' | 'description' | 'additionalVersionWeights' | 'additionalVersionStrategy'
    >,
  ): Promise<FunctionAliasEntity> {
    const repo = this.em.getRepository(FunctionAliasEntity);
    await repo.update({ ...this.scope, id }, patch as QueryDeepPartialEntity<FunctionAliasEntity>);
    return repo.findOneByOrFail({ ...this.scope, id });
  }

  /** Triggers bound to a qualifier (`v1`, `!dev`). */
  countTriggers(qualifier: string): Promise<number> {
    return this.em.getRepository(TriggerEntity).countBy({ ...this.scope, qualifier });
  }

  /** Deletes a version with its triggers, async config and reserved-instance configuration. */
  async deleteVersion(version: string): Promise<QualifierCleanup> {
    const cleanup = await this.deleteDependents(version, {
      qualifierType: 'version',
      qualifierName: version,
    });
    await this.em.getRepository(FunctionVersionEntity).delete({ ...this.scope, version });
    return cleanup;
  }

  /** Deletes an alias with its async config and reserved-instance configuration (and triggers, if any remain). */
  async deleteAlias(name: string): Promise<QualifierCleanup> {
    const cleanup = await this.deleteDependents(`!${name}`, { qualifierType: 'alias', qualifierName: name });
    await this.em.getRepository(FunctionAliasEntity).delete({ ...this.scope, name });
    return cleanup;
  }

  private async deleteDependents(
    qualifier: string,
    reservation: Pick<ReservedInstanceConfigEntity, 'qualifierType' | 'qualifierName'>,
  ): Promise<QualifierCleanup> {
    const triggers = await this.em
      .getRepository(TriggerEntity)
      .createQueryBuilder()
      .delete()
      .where('project_id = :projectId AND function_id = :functionId AND qualifier = :qualifier', {
        ...this.scope,
        qualifier,
      })
      .returning(['id'])
      .execute();
    const configs = await this.em.getRepository(AsyncInvokeConfigEntity).delete({ ...this.scope, qualifier });
    const reservations = await this.em
      .getRepository(ReservedInstanceConfigEntity)
      .delete({ ...this.scope, ...reservation });
    return {
      triggerIds: (triggers.raw as { id: string }[]).map((r) => r.id),
      asyncConfigDeleted: (configs.affected ?? 0) > 0,
      reservationsDeleted: (reservations.affected ?? 0) > 0,
    };
  }
}
