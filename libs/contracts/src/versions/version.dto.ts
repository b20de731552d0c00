import type { FunctionConfigDto } from '../functions/function.dto';
import type { VersionStrategy } from './version.schemas';

/** An alias as create, get, update and list return it (SDK CreateVersionAliasResponse, ListVersionAliasResult). */
export interface AliasDto {
  name: string;
  /** The main version. */
  version: string;
  description: string;
  last_modified: string;
  /** `urn:fss:<region>:<project>:function:<package>:<name>:!<alias>`. */
  alias_urn: string;
  additional_version_weights: Record<string, number>;
  additional_version_strategy: Record<string, VersionStrategy>;
}

/** `GET …/versions`: `latest` first, then the published versions oldest first (SDK ListFunctionVersionsResponse). */
export interface ListVersionsDto {
  versions: FunctionConfigDto[];
  next_marker: number;
  count: number;
}
