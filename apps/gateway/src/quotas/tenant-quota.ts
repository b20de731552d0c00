import { FgsError, TENANT_QUOTAS } from '@ofg/contracts';
import { ProjectUsage } from '@ofg/data-access';

const MB = 1024 * 1024;

/** What a write would add to the project's usage. */
export interface QuotaDelta {
  functions: number;
  codeBytes: number;
}

/**
 * The quota a write would break, as FunctionGraph reports it: 403 FSS.1041 past the function count, 403 FSS.1042 past
 * the code size (functions' code plus own dependency versions, the figure `GET …/quotas` shows). Undefined when it fits.
 */
export function tenantQuotaError(
  usage: Pick<ProjectUsage, 'functions' | 'codeBytes' | 'dependencyBytes'>,
  adding: QuotaDelta,
): FgsError | undefined {
  if (adding.functions > 0 && usage.functions + adding.functions > TENANT_QUOTAS.functions)
    return new FgsError(
      'FSS.1041',
      `The project already has ${usage.functions} functions; the quota is ${TENANT_QUOTAS.functions}`,
    );
  const codeBytes = usage.codeBytes + usage.dependencyBytes;
  if (adding.codeBytes > 0 && codeBytes + adding.codeBytes > TENANT_QUOTAS.codeSizeMb * MB)
    return new FgsError(
      'FSS.1042',
      `The project's code would take ${Math.ceil((codeBytes + adding.codeBytes) / MB)} MB; the quota is ${TENANT_QUOTAS.codeSizeMb} MB`,
    );
  return undefined;
}
