import { createHash } from 'node:crypto';
import type { LtsLogDetailDto } from '@ofg/contracts';

/** A stable uuid-shaped id derived from a name (the same project always gets the same log group id). */
function stableId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The log group and stream of a function in this platform's own log store (the invocation records): one group per
 * project, one stream per function, read with `GET …/functions/{function_urn}/logs`. There is no LTS here.
 */
export function ltsLogDetailOf(fn: {
  id: string;
  projectId: string;
  package: string;
  funcName: string;
}): LtsLogDetailDto {
  return {
    group_name: `functiongraph.log.group.${fn.projectId}`,
    group_id: stableId(`ofg-log-group:${fn.projectId}`),
    stream_id: fn.id,
    stream_name: `functiongraph.log.stream.${fn.package}.${fn.funcName}`,
  };
}
