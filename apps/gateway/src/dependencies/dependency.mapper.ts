import type { DependencyDto, DependencyVersionDetailDto, DependencyVersionDto } from '@ofg/contracts';
import type { DependencyWithVersion } from '@ofg/data-access';

/** The owner string of a dependency: `public` for public ones, else the owner's domain id. */
export function ownerOf(pair: DependencyWithVersion): string {
  return pair.dependency.isPublic ? 'public' : pair.dependency.owner;
}

/** A dependency as list/get/create/update show it: its own id with its newest version's fields. */
export function toDependencyDto(pair: DependencyWithVersion): DependencyDto {
  const { dependency, version } = pair;
  return {
    id: dependency.id,
    owner: ownerOf(pair),
    link: version.link,
    runtime: version.runtime,
    etag: version.etag,
    size: version.size,
    name: dependency.name,
    description: version.description,
    file_name: version.fileName,
    version: version.version,
    last_modified: Math.floor(version.updatedAt.getTime() / 1000),
  };
}

/** One version: its own id, with `dep_id` naming the dependency. */
export function toDependencyVersionDto(pair: DependencyWithVersion): DependencyVersionDto {
  return {
    ...toDependencyDto(pair),
    id: pair.version.id,
    dep_id: pair.dependency.id,
    is_shared: pair.dependency.isPublic,
  };
}

export function toDependencyVersionDetailDto(pair: DependencyWithVersion): DependencyVersionDetailDto {
  return { ...toDependencyVersionDto(pair), download_link: '' };
}
