import { Injectable } from '@nestjs/common';
import { FgsError, ListQuotasDto, QUOTA_TYPES, QuotaResourceDto, TENANT_QUOTAS } from '@ofg/contracts';
import { ProjectUsage, QuotaUsageRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { LiveInstancesReader } from './live-instances.reader';

const MB = 1024 * 1024;

/** Quota types beyond the spec's: usage this platform counts without a limit (quota -1, as for max instances). */
export const EXTRA_QUOTA_TYPES = {
  dependencies: 'fgs_dependency_num',
  triggers: 'fgs_trigger_num',
} as const;

/** The quota list for a project's usage and its live instances, in the spec's order. */
export function toQuotaResources(usage: ProjectUsage, liveInstances: number): QuotaResourceDto[] {
  return [
    { type: QUOTA_TYPES.scaleDownTimeout, quota: TENANT_QUOTAS.scaleDownTimeout, used: 0 },
    { type: QUOTA_TYPES.concurrency, quota: TENANT_QUOTAS.concurrency, used: liveInstances },
    { type: QUOTA_TYPES.patIdleTime, quota: TENANT_QUOTAS.patIdleTime, used: 0 },
    { type: QUOTA_TYPES.functions, quota: TENANT_QUOTAS.functions, used: usage.functions },
    {
      type: QUOTA_TYPES.codeSize,
      quota: TENANT_QUOTAS.codeSizeMb,
      // Whole MB rounded up, so any stored code shows.
      used: Math.ceil((usage.codeBytes + usage.dependencyBytes) / MB),
      unit: 'MB',
    },
    // No function flows on this platform.
    { type: QUOTA_TYPES.workflows, quota: TENANT_QUOTAS.workflows, used: 0 },
    { type: EXTRA_QUOTA_TYPES.dependencies, quota: -1, used: usage.dependencies },
    { type: EXTRA_QUOTA_TYPES.triggers, quota: -1, used: usage.triggers },
  ];
}

/** `GET …/quotas` (spec §3.2): the tenant limits with what the project uses of them. */
@Injectable()
export class QuotasService {
  constructor(
    private readonly usage: QuotaUsageRepository,
    private readonly instances: LiveInstancesReader,
  ) {}

  async list(auth: FgsAuthContext): Promise<ListQuotasDto> {
    const usage = await this.usage.usageOf(auth.projectId);
    let live: number;
    try {
      live = await this.instances.instancesOf(usage.functionIds);
    } catch {
      throw new FgsError('FSS.0503', 'Instance figures are unavailable right now');
    }
    return { quotas: { resources: toQuotaResources(usage, live) } };
  }
}
