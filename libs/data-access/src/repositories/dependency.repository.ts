import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CodePackageEntity } from '../entities/code-package.entity';
import { DependencyVersionEntity } from '../entities/dependency-version.entity';
import { DependencyEntity } from '../entities/dependency.entity';
import { withSystemScope, withTenant } from '../tenancy/tenant-scope';

/** A dependency with one of its versions (the newest one, where the API shows a dependency). */
export interface DependencyWithVersion {
  dependency: DependencyEntity;
  version: DependencyVersionEntity;
}

export type DependencyVisibility = 'all' | 'public' | 'private';

export interface DependencyListFilter {
  visibility: DependencyVisibility;
  runtime?: string;
  /** Substring of the name. */
  name?: string;
}

/** The content and description of a new version. */
export interface NewDependencyVersion {
  runtime: string;
  description: string;
  dependType: string;
  codeDigest: string;
  etag: string;
  size: number;
  fileName: string;
  link: string;
}

export interface NewDependency {
  owner: string;
  isPublic: boolean;
  name: string;
}

const DEPENDENCY_COLUMNS: Record<keyof DependencyEntity, string> = {
  id: 'id',
  projectId: 'project_id',
  owner: 'owner',
  isPublic: 'is_public',
  name: 'name',
  lastVersion: 'last_version',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const VERSION_COLUMNS: Record<keyof DependencyVersionEntity, string> = {
  id: 'id',
  dependencyId: 'dependency_id',
  projectId: 'project_id',
  version: 'version',
  runtime: 'runtime',
  description: 'description',
  dependType: 'depend_type',
  codeDigest: 'code_digest',
  etag: 'etag',
  size: 'size',
  fileName: 'file_name',
  link: 'link',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** `d.<col> AS "d_<col>", v.<col> AS "v_<col>"` for the joined queries below. */
const JOINED_SELECT = [
  ...Object.values(DEPENDENCY_COLUMNS).map((c) => `d.${c} AS "d_${c}"`),
  ...Object.values(VERSION_COLUMNS).map((c) => `v.${c} AS "v_${c}"`),
].join(', ');

/** The newest version of each dependency (its row with the highest number). */
const NEWEST_VERSION_JOIN = `JOIN dependency_versions v ON v.dependency_id = d.id
  AND v.version = (SELECT max(x.version) FROM dependency_versions x WHERE x.dependency_id = d.id)`;

type Row = Record<string, unknown>;

function fromRow<T extends object>(row: Row, prefix: string, columns: Record<string, string>, target: T): T {
  for (const [field, column] of Object.entries(columns)) {
    (target as Record<string, unknown>)[field] = row[`${prefix}${column}`];
  }
  return target;
}

function toPair(row: Row): DependencyWithVersion {
  const dependency = fromRow(row, 'd_', DEPENDENCY_COLUMNS, new DependencyEntity());
  const version = fromRow(row, 'v_', VERSION_COLUMNS, new DependencyVersionEntity());
  version.size = Number(version.size);
  return { dependency, version };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Dependencies and versions as one tenant sees them: its own project's, plus public ones to read. Row-level security
 * holds every query to that, and the project conditions here say it again.
 */
@Injectable()
export class DependencyRepository {
  constructor(private readonly ds: DataSource) {}

  /** Page of visible dependencies with their newest version, oldest dependency first; `marker` is an offset. */
  list(
    projectId: string,
    filter: DependencyListFilter,
    marker: number,
    limit: number,
  ): Promise<{ items: DependencyWithVersion[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const params: unknown[] = [projectId];
      const where = ['(d.project_id = $1 OR d.is_public)'];
      if (filter.visibility === 'public') where.push('d.is_public');
      if (filter.visibility === 'private') where.push('NOT d.is_public');
      if (filter.runtime !== undefined) {
        params.push(filter.runtime);
        where.push(`v.runtime = $${params.length}`);
      }
      if (filter.name !== undefined) {
        params.push(`%${escapeLike(filter.name)}%`);
        where.push(`d.name LIKE $${params.length}`);
      }
      const from = `FROM dependencies d ${NEWEST_VERSION_JOIN} WHERE ${where.join(' AND ')}`;
      const [{ total }] = (await em.query(`SELECT count(*)::int AS total ${from}`, params)) as Array<{
        total: number;
      }>;
      const rows = (await em.query(
        `SELECT ${JOINED_SELECT} ${from} ORDER BY d.created_at, d.id OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, marker, limit],
      )) as Row[];
      return { items: rows.map(toPair), total };
    });
  }

  /** A visible dependency with its newest version. */
  find(projectId: string, dependencyId: string): Promise<DependencyWithVersion | null> {
    return withTenant(this.ds, projectId, (em) => this.findIn(em, projectId, dependencyId));
  }

  /** Page of a visible dependency's versions, lowest number first; null when the dependency is not visible. */
  listVersions(
    projectId: string,
    dependencyId: string,
    marker: number,
    limit: number,
  ): Promise<{ dependency: DependencyEntity; versions: DependencyVersionEntity[]; total: number } | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const dependency = await em
        .getRepository(DependencyEntity)
        .createQueryBuilder('d')
        .where('d.id = :dependencyId', { dependencyId })
        .andWhere('(d.project_id = :projectId OR d.is_public)', { projectId })
        .getOne();
      if (!dependency) return null;
      const [versions, total] = await em
        .getRepository(DependencyVersionEntity)
        .createQueryBuilder('v')
        .where('v.dependency_id = :dependencyId', { dependencyId })
        .orderBy('v.version', 'ASC')
        .skip(marker)
        .take(limit)
        .getManyAndCount();
      return { dependency, versions, total };
    });
  }

  /** One visible version by its dependency and number. */
  findVersion(
    projectId: string,
    dependencyId: string,
    version: number,
  ): Promise<DependencyWithVersion | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT ${JOINED_SELECT} FROM dependencies d JOIN dependency_versions v ON v.dependency_id = d.id
          WHERE d.id = $1 AND v.version = $2 AND (d.project_id = $3 OR d.is_public)`,
        [dependencyId, version, projectId],
      )) as Row[];
      return rows.length > 0 ? toPair(rows[0]) : null;
    });
  }

  /** The visible versions among `versionIds` (invisible or unknown ids are simply absent). */
  findVersionsByIds(projectId: string, versionIds: readonly string[]): Promise<DependencyWithVersion[]> {
    if (versionIds.length === 0) return Promise.resolve([]);
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT ${JOINED_SELECT} FROM dependencies d JOIN dependency_versions v ON v.dependency_id = d.id
          WHERE v.id = ANY($1::uuid[]) AND (d.project_id = $2 OR d.is_public)`,
        [versionIds, projectId],
      )) as Row[];
      return rows.map(toPair);
    });
  }

  /** The newest version of each visible dependency among `dependencyIds`. */
  findNewestVersions(projectId: string, dependencyIds: readonly string[]): Promise<DependencyWithVersion[]> {
    if (dependencyIds.length === 0) return Promise.resolve([]);
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT ${JOINED_SELECT} FROM dependencies d ${NEWEST_VERSION_JOIN}
          WHERE d.id = ANY($1::uuid[]) AND (d.project_id = $2 OR d.is_public)`,
        [dependencyIds, projectId],
      )) as Row[];
      return rows.map(toPair);
    });
  }

  /** A new dependency with version 1; throws the unique violation when the project already has the name. */
  create(
    projectId: string,
    dependency: NewDependency,
    version: NewDependencyVersion,
    zip: Buffer,
  ): Promise<DependencyWithVersion> {
    return withTenant(this.ds, projectId, async (em) => {
      await this.savePackage(em, version.codeDigest, zip);
      const created = await em
        .getRepository(DependencyEntity)
        .save(em.getRepository(DependencyEntity).create({ ...dependency, projectId, lastVersion: 1 }));
      const saved = await em
        .getRepository(DependencyVersionEntity)
        .save(
          em
            .getRepository(DependencyVersionEntity)
            .create({ ...version, projectId, dependencyId: created.id, version: 1 }),
        );
      return { dependency: created, version: saved };
    });
  }

  /** The project's own dependency of that name, if any. */
  findOwnByName(projectId: string, name: string): Promise<DependencyEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(DependencyEntity).findOneBy({ projectId, name }),
    );
  }

  /** Adds the next version to the project's own dependency; null when it is not the project's own. */
  addVersion(
    projectId: string,
    dependencyId: string,
    version: NewDependencyVersion,
    zip: Buffer,
    rename?: string,
  ): Promise<DependencyWithVersion | null> {
    return withTenant(this.ds, projectId, async (em) => {
      // The row lock of this update orders concurrent publishers; numbers are never handed out twice.
      const bumped = (await em.query(
        `UPDATE dependencies SET last_version = last_version + 1, updated_at = now(), name = COALESCE($3, name)
          WHERE id = $1 AND project_id = $2 RETURNING last_version`,
        [dependencyId, projectId, rename ?? null],
      )) as [Array<{ last_version: number }>, number];
      const next = bumped[0][0]?.last_version;
      if (next === undefined) return null;
      await this.savePackage(em, version.codeDigest, zip);
      const saved = await em
        .getRepository(DependencyVersionEntity)
        .save(
          em
            .getRepository(DependencyVersionEntity)
            .create({ ...version, projectId, dependencyId, version: next }),
        );
      const dependency = await em
        .getRepository(DependencyEntity)
        .findOneByOrFail({ id: dependencyId, projectId });
      return { dependency, version: saved };
    });
  }

  /** Renames the project's own dependency and changes its newest version's description in place. */
  updateNewest(
    projectId: string,
    dependencyId: string,
    patch: { name: string; description: string },
  ): Promise<DependencyWithVersion | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .getRepository(DependencyEntity)
        .update({ id: dependencyId, projectId }, { name: patch.name });
      if ((res.affected ?? 0) === 0) return null;
      await em.query(
        `UPDATE dependency_versions SET description = $3, updated_at = now()
          WHERE dependency_id = $1 AND project_id = $2
            AND version = (SELECT max(x.version) FROM dependency_versions x WHERE x.dependency_id = $1)`,
        [dependencyId, projectId, patch.description],
      );
      return this.findIn(em, projectId, dependencyId);
    });
  }

  /** Deletes the project's own dependency with all its versions. */
  delete(projectId: string, dependencyId: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em.getRepository(DependencyEntity).delete({ id: dependencyId, projectId });
      return (res.affected ?? 0) > 0;
    });
  }

  /** Deletes one version of the project's own dependency; the dependency goes with its last version. */
  deleteVersion(projectId: string, dependencyId: string, version: number): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .getRepository(DependencyVersionEntity)
        .delete({ dependencyId, projectId, version });
      if ((res.affected ?? 0) === 0) return false;
      await em.query(
        `DELETE FROM dependencies d WHERE d.id = $1 AND d.project_id = $2
           AND NOT EXISTS (SELECT 1 FROM dependency_versions v WHERE v.dependency_id = d.id)`,
        [dependencyId, projectId],
      );
      return true;
    });
  }

  /** Version ids of a dependency, visible or not to the caller (used with the in-use check). */
  versionIdsOf(projectId: string, dependencyId: string): Promise<string[]> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = await em
        .getRepository(DependencyVersionEntity)
        .find({ select: { id: true }, where: { dependencyId, projectId } });
      return rows.map((r) => r.id);
    });
  }

  /**
   * Whether any function (or published function version) of any project lists one of these versions. Public
   * versions are used across tenants, so this reads every project (read-only) and answers only yes or no.
   */
  isInUse(versionIds: readonly string[]): Promise<boolean> {
    if (versionIds.length === 0) return Promise.resolve(false);
    return withSystemScope(this.ds, async (em) => {
      const rows = (await em.query(
        `SELECT 1 FROM functions WHERE extra -> 'depend_version_list' ?| $1::text[]
         UNION ALL
         SELECT 1 FROM function_versions WHERE extra -> 'depend_version_list' ?| $1::text[]
         LIMIT 1`,
        [versionIds],
      )) as unknown[];
      return rows.length > 0;
    });
  }

  /** The zip of a dependency package the project may read (its own or a public version references it). */
  findPackageForProject(projectId: string, digest: string): Promise<Buffer | null> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT c.data FROM code_packages c
          WHERE c.digest = $1 AND EXISTS (
            SELECT 1 FROM dependency_versions v JOIN dependencies d ON d.id = v.dependency_id
             WHERE v.code_digest = c.digest AND (d.project_id = $2 OR d.is_public))`,
        [digest, projectId],
      )) as Array<{ data: Buffer }>;
      return rows[0]?.data ?? null;
    });
  }

  private async findIn(
    em: EntityManager,
    projectId: string,
    dependencyId: string,
  ): Promise<DependencyWithVersion | null> {
    const rows = (await em.query(
      `SELECT ${JOINED_SELECT} FROM dependencies d ${NEWEST_VERSION_JOIN}
        WHERE d.id = $1 AND (d.project_id = $2 OR d.is_public)`,
      [dependencyId, projectId],
    )) as Row[];
    return rows.length > 0 ? toPair(rows[0]) : null;
  }

  private async savePackage(em: EntityManager, digest: string, zip: Buffer): Promise<void> {
    // No RETURNING: the package is readable only once a version of this project references it.
    await em
      .createQueryBuilder()
      .insert()
      .into(CodePackageEntity)
      .values({ digest, size: zip.length, data: zip })
      .orIgnore()
      .updateEntity(false)
      .execute();
  }
}
