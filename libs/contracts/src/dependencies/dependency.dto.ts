/**
 * A dependency as list, get, create and update return it (`ListDependenciesResult`): `id` is the dependency, the
 * other fields are those of its newest version.
 */
export interface DependencyDto {
  id: string;
  /** The owner's domain id, or `public`. */
  owner: string;
  /** The URL the package was imported from (`depend_link`); empty for an uploaded zip. */
  link: string;
  runtime: string;
  /** MD5 of the zip, hex. */
  etag: string;
  size: number;
  name: string;
  description: string;
  file_name: string;
  version: number;
  /** Unix seconds. */
  last_modified: number;
}

/** One version of a dependency (`ListDependencyVersionsResult`, create/show version, function `dependencies[]`). */
export interface DependencyVersionDto extends DependencyDto {
  /** The dependency this version belongs to; `id` is the version's own id. */
  dep_id: string;
  is_shared: boolean;
}

/** Show-version response: a version plus where to fetch it (empty: packages are not downloadable here). */
export interface DependencyVersionDetailDto extends DependencyVersionDto {
  download_link: string;
}

export interface ListDependenciesDto {
  dependencies: DependencyDto[];
  next_marker: number;
  count: number;
}

export interface ListDependencyVersionsDto {
  dependencies: DependencyVersionDto[];
  next_marker: number;
  count: number;
}
