import { DependencyVersionDto, FunctionConfigDto } from '@ofg/contracts';
import { FunctionEntity, functionAtVersion, FunctionVersionEntity } from '@ofg/data-access';
import { FunctionMapperContext, toFunctionConfigDto } from '../functions/function.mapper';

/** The function object of a published version: its URN and `version` name it, `version_description` added. */
export function toVersionConfigDto(
  head: FunctionEntity,
  version: FunctionVersionEntity,
  ctx: FunctionMapperContext,
  dependencies: DependencyVersionDto[] = [],
): FunctionConfigDto {
  return {
    ...toFunctionConfigDto(functionAtVersion(head, version), ctx, true, dependencies),
    version_description: version.versionDescription,
  };
}

/** `vYYYYMMDD-HHMMSS` (UTC), the name FunctionGraph gives a version published without one. */
export function defaultVersionName(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `v${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}` +
    `-${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`
  );
}
