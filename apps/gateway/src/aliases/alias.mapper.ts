import { AliasDto, formatFunctionUrn } from '@ofg/contracts';
import type { FunctionAliasEntity, FunctionEntity } from '@ofg/data-access';
import { isoWithOffset } from '../common/time-format';

/** The alias object of create, get, update and list; `alias_urn` carries the `!alias` qualifier. */
export function toAliasDto(
  alias: FunctionAliasEntity,
  fn: Pick<FunctionEntity, 'projectId' | 'package' | 'funcName'>,
  region: string,
): AliasDto {
  return {
    name: alias.name,
    version: alias.version,
    description: alias.description,
    last_modified: isoWithOffset(alias.updatedAt),
    alias_urn: formatFunctionUrn(region, fn, `!${alias.name}`),
    additional_version_weights: { ...alias.additionalVersionWeights },
    additional_version_strategy: { ...alias.additionalVersionStrategy },
  };
}
