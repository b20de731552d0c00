import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CodePackageEntity } from '../entities/code-package.entity';
import { FunctionEntity } from '../entities/function.entity';
import { FunctionVersionEntity } from '../entities/function-version.entity';
import { withTenant } from '../tenancy/tenant-scope';

/** Code packages by digest. Reads are scoped through a function or version of the tenant that references the digest. */
@Injectable()
export class CodePackageRepository {
  constructor(private readonly ds: DataSource) {}

  findForProject(projectId: string, digest: string): Promise<Buffer | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const row = await em
        .getRepository(CodePackageEntity)
        .createQueryBuilder('c')
        .select(['c.digest', 'c.data'])
        .where('c.digest = :digest', { digest })
        .andWhere(
          (qb) =>
            '(EXISTS ' +
            qb
              .subQuery()
              .select('1')
              .from(FunctionEntity, 'f')
              .where('f.code_digest = c.digest')
              .andWhere('f.project_id = :projectId')
              .getQuery() +
            // A published version keeps its code readable after the head moved on.
            ' OR EXISTS ' +
            qb
              .subQuery()
              .select('1')
              .from(FunctionVersionEntity, 'v')
              .where('v.code_digest = c.digest')
              .andWhere('v.project_id = :projectId')
              .getQuery() +
            ')',
        )
        .setParameter('projectId', projectId)
        .getOne();
      return row?.data ?? null;
    });
  }
}
