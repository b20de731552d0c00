import { Inject, Injectable } from '@nestjs/common';
import {
  ADMIN_ROLE,
  DEPENDENCY_FIELD_ERRORS,
  DependencyBody,
  dependencyBodySchema,
  DependencyDto,
  DependencyVersionDetailDto,
  DependencyVersionDto,
  FgsError,
  ListDependenciesDto,
  ListDependencyVersionsDto,
} from '@ofg/contracts';
import { DependencyRepository, DependencyWithVersion, NewDependency } from '@ofg/data-access';
import { PermissionService } from '../authz/permission.service';
import { FgsAuthContext } from '../common/fgs-request';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { DependencyPackageService, PreparedDependency } from './dependency-package.service';
import {
  isDependencyId,
  parseListDependenciesQuery,
  parsePageQuery,
  parseVersionNumber,
} from './dependency-query';
import { toDependencyDto, toDependencyVersionDetailDto, toDependencyVersionDto } from './dependency.mapper';

/** Who may publish a public dependency: administrators of this installation. */
export type RoleLookup = Pick<PermissionService, 'rolesOf'>;

/**
 * Dependencies and their versions (spec §3.3 and the SDK's version operations). A tenant manages its own project's
 * dependencies and reads public ones; another project's private dependency answers FSS.1056 like a missing one.
 */
@Injectable()
export class DependenciesService {
  constructor(
    private readonly repo: DependencyRepository,
    private readonly packages: DependencyPackageService,
    @Inject(PermissionService) private readonly permissions: RoleLookup,
  ) {}

  async list(auth: FgsAuthContext, query: Record<string, unknown>): Promise<ListDependenciesDto> {
    const q = parseListDependenciesQuery(query);
    if (q.visibility === 'none') return { dependencies: [], next_marker: q.marker, count: 0 };
    const { items, total } = await this.repo.list(
      auth.projectId,
      { visibility: q.visibility, runtime: q.runtime, name: q.name },
      q.marker,
      q.limit,
    );
    // next_marker is the offset after this page; equal to count when there are no more pages.
    return { dependencies: items.map(toDependencyDto), next_marker: q.marker + items.length, count: total };
  }

  async get(auth: FgsAuthContext, dependencyId: string): Promise<DependencyDto> {
    return toDependencyDto(await this.findVisible(auth, dependencyId));
  }

  /** `POST .../dependencies`: a new dependency (version 1); its name must be new in the project. */
  async create(auth: FgsAuthContext, body: unknown): Promise<DependencyDto> {
    const input = parseDependencyBody(body);
    const isPublic = await this.publicFlag(auth, input);
    if (await this.repo.findOwnByName(auth.projectId, input.name)) throw alreadyExists(input.name);
    const prepared = await this.packages.prepare(input);
    try {
      return toDependencyDto(await this.createNamed(auth, input.name, isPublic, prepared));
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(input.name);
      throw err;
    }
  }

  /** `POST .../dependencies/version`: the next version of the project's dependency of that name, or its first. */
  async createVersion(auth: FgsAuthContext, body: unknown): Promise<DependencyVersionDto> {
    const input = parseDependencyBody(body);
    const existing = await this.repo.findOwnByName(auth.projectId, input.name);
    if (existing && input.is_public !== undefined && input.is_public !== existing.isPublic)
      throw new FgsError('FSS.1024', 'Invalid parameter is_public: a dependency keeps its visibility');
    const isPublic = existing ? existing.isPublic : await this.publicFlag(auth, input);
    const prepared = await this.packages.prepare(input);
    if (existing) return this.addVersion(auth, existing.id, prepared);
    try {
      return toDependencyVersionDto(await this.createNamed(auth, input.name, isPublic, prepared));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another request created the name first: become its next version.
      const winner = await this.repo.findOwnByName(auth.projectId, input.name);
      if (!winner) throw err;
      return this.addVersion(auth, winner.id, prepared);
    }
  }

  /**
   * `PUT .../dependencies/{id}`: with a package (`depend_file` or `depend_link`) a new version; without one, the name
   * and the newest version's description change in place (the runtime then cannot change).
   */
  async update(auth: FgsAuthContext, dependencyId: string, body: unknown): Promise<DependencyDto> {
    const current = await this.findOwn(auth, dependencyId);
    const input = parseDependencyBody(body);
    DependencyPackageService.assertDependType(input.depend_type);
    if (input.is_public !== undefined && input.is_public !== current.dependency.isPublic)
      throw new FgsError('FSS.1024', 'Invalid parameter is_public: a dependency keeps its visibility');
    if (input.name !== current.dependency.name) {
      const clash = await this.repo.findOwnByName(auth.projectId, input.name);
      if (clash && clash.id !== dependencyId) throw alreadyExists(input.name);
    }
    const rename = input.name !== current.dependency.name ? input.name : undefined;
    try {
      if (DependencyPackageService.hasContent(input)) {
        const prepared = await this.packages.prepare(input);
        const added = await this.repo.addVersion(
          auth.projectId,
          dependencyId,
          prepared.version,
          prepared.zip,
          rename,
        );
        if (!added) throw notFound(dependencyId);
        return toDependencyDto(added);
      }
      if (input.runtime !== current.version.runtime)
        throw new FgsError(
          'FSS.1024',
          `Invalid parameter runtime: changing the runtime (${current.version.runtime}) needs a new package`,
        );
      const updated = await this.repo.updateNewest(auth.projectId, dependencyId, {
        name: input.name,
        description: input.description ?? current.version.description,
      });
      if (!updated) throw notFound(dependencyId);
      return toDependencyDto(updated);
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(input.name);
      throw err;
    }
  }

  /** Deletes the dependency with every version; refused with FSS.1033 while a function lists one of them. */
  async delete(auth: FgsAuthContext, dependencyId: string): Promise<void> {
    await this.findOwn(auth, dependencyId);
    const versionIds = await this.repo.versionIdsOf(auth.projectId, dependencyId);
    if (await this.repo.isInUse(versionIds)) throw inUse();
    if (!(await this.repo.delete(auth.projectId, dependencyId))) throw notFound(dependencyId);
  }

  async listVersions(
    auth: FgsAuthContext,
    dependencyId: string,
    query: Record<string, unknown>,
  ): Promise<ListDependencyVersionsDto> {
    const q = parsePageQuery(query);
    if (!isDependencyId(dependencyId)) throw notFound(dependencyId);
    const page = await this.repo.listVersions(auth.projectId, dependencyId, q.marker, q.limit);
    if (!page) throw notFound(dependencyId);
    return {
      dependencies: page.versions.map((version) =>
        toDependencyVersionDto({ dependency: page.dependency, version }),
      ),
      next_marker: q.marker + page.versions.length,
      count: page.total,
    };
  }

  async getVersion(
    auth: FgsAuthContext,
    dependencyId: string,
    rawVersion: string,
  ): Promise<DependencyVersionDetailDto> {
    const version = parseVersionNumber(rawVersion);
    if (!isDependencyId(dependencyId)) throw notFound(dependencyId);
    const found = await this.repo.findVersion(auth.projectId, dependencyId, version);
    if (!found) throw versionNotFound(dependencyId, version);
    return toDependencyVersionDetailDto(found);
  }

  /** Deletes one version (the dependency goes with its last one); FSS.1033 while a function lists it. */
  async deleteVersion(auth: FgsAuthContext, dependencyId: string, rawVersion: string): Promise<void> {
    const version = parseVersionNumber(rawVersion);
    await this.findOwn(auth, dependencyId);
    const found = await this.repo.findVersion(auth.projectId, dependencyId, version);
    if (!found) throw versionNotFound(dependencyId, version);
    if (await this.repo.isInUse([found.version.id])) throw inUse();
    if (!(await this.repo.deleteVersion(auth.projectId, dependencyId, version)))
      throw versionNotFound(dependencyId, version);
  }

  private async addVersion(
    auth: FgsAuthContext,
    dependencyId: string,
    prepared: PreparedDependency,
  ): Promise<DependencyVersionDto> {
    const added = await this.repo.addVersion(auth.projectId, dependencyId, prepared.version, prepared.zip);
    if (!added) throw notFound(dependencyId);
    return toDependencyVersionDto(added);
  }

  private async findVisible(auth: FgsAuthContext, dependencyId: string): Promise<DependencyWithVersion> {
    if (!isDependencyId(dependencyId)) throw notFound(dependencyId);
    const found = await this.repo.find(auth.projectId, dependencyId);
    if (!found) throw notFound(dependencyId);
    return found;
  }

  /** A dependency the caller's project owns; a public one of another project is readable, not changeable. */
  private async findOwn(auth: FgsAuthContext, dependencyId: string): Promise<DependencyWithVersion> {
    const found = await this.findVisible(auth, dependencyId);
    if (found.dependency.projectId !== auth.projectId)
      throw new FgsError(
        'FSS.0403',
        'A public dependency can only be changed by the project that published it',
      );
    return found;
  }

  /** `is_public: true` needs the installation administrator role; anyone else gets FSS.0403. */
  private async publicFlag(auth: FgsAuthContext, input: DependencyBody): Promise<boolean> {
    if (input.is_public !== true) return false;
    const roles = await this.permissions.rolesOf(auth);
    if (!roles.includes(ADMIN_ROLE))
      throw new FgsError('FSS.0403', `Publishing a public dependency needs the ${ADMIN_ROLE} role`);
    return true;
  }

  /** A new dependency of this name with the prepared package as version 1 (a unique violation when it exists). */
  private createNamed(
    auth: FgsAuthContext,
    name: string,
    isPublic: boolean,
    prepared: PreparedDependency,
  ): ReturnType<DependencyRepository['create']> {
    const dependency: NewDependency = { owner: isPublic ? 'public' : auth.domainId, isPublic, name };
    return this.repo.create(auth.projectId, dependency, prepared.version, prepared.zip);
  }
}

function parseDependencyBody(body: unknown): DependencyBody {
  return parseBody(dependencyBodySchema, body, DEPENDENCY_FIELD_ERRORS);
}

function notFound(dependencyId: string): FgsError {
  return new FgsError('FSS.1056', `Not found the dependency ${dependencyId.slice(0, 64)}`);
}

function versionNotFound(dependencyId: string, version: number): FgsError {
  return new FgsError(
    'FSS.1056',
    `Not found version ${version} of the dependency ${dependencyId.slice(0, 64)}`,
  );
}

function alreadyExists(name: string): FgsError {
  return new FgsError('FSS.1065', `The dependency ${name} already exists`);
}

function inUse(): FgsError {
  return new FgsError('FSS.1033', 'The dependency is in use by a function and cannot be deleted');
}
