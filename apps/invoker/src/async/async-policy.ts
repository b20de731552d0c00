import { Inject, Injectable } from '@nestjs/common';
import { AsyncInvokePolicy, InvocationJob } from '@ofg/contracts';
import { AsyncInvokeConfigRepository } from '@ofg/data-access';

/** First function-error retry waits about this long; each later one twice as long. */
export const ASYNC_RETRY_BASE_DELAY_MS = 1000;
/** No retry waits longer than this, whatever the retry number. */
export const ASYNC_RETRY_MAX_DELAY_MS = 60_000;
/** A cached policy is read again after this long even when no change event arrived (a missed event heals). */
export const ASYNC_POLICY_TTL_MS = 60_000;

/**
 * Delay before function-error retry number `retry` (1-based): exponential with equal jitter, so it lies in
 * [half, full] of min(base·2^(retry-1), max) and retries of a burst do not all land together.
 */
export function asyncRetryDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(ASYNC_RETRY_BASE_DELAY_MS * 2 ** Math.max(0, retry - 1), ASYNC_RETRY_MAX_DELAY_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** True when the event is older than the policy's max age, counted from the time the request was accepted. */
export function isAsyncEventExpired(acceptedAt: number, now: number, policy: AsyncInvokePolicy): boolean {
  return now - acceptedAt > policy.maxAsyncEventAgeInSeconds * 1000;
}

/** The qualifier an async config is stored under for this job: `!alias` when called through an alias. */
export function asyncConfigQualifier(job: InvocationJob): string {
  return job.alias ? `!${job.alias}` : job.function.version;
}

type PolicySource = Pick<AsyncInvokeConfigRepository, 'findForInvocation'>;

/** Async policies per (project, function, qualifier), dropped on `ofg.async-config.changed` and after a TTL. */
@Injectable()
export class AsyncPolicyCache {
  private readonly entries = new Map<string, { policy: Promise<AsyncInvokePolicy>; expiresAt: number }>();

  constructor(
    @Inject(AsyncInvokeConfigRepository) private readonly source: PolicySource,
    private readonly now: () => number = Date.now,
  ) {}

  get(projectId: string, functionId: string, qualifier: string): Promise<AsyncInvokePolicy> {
    const key = cacheKey(projectId, functionId, qualifier);
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.policy;
    const policy = this.source.findForInvocation(projectId, functionId, qualifier);
    this.entries.set(key, { policy, expiresAt: this.now() + ASYNC_POLICY_TTL_MS });
    // A failed read is not cached: the next invocation asks the database again.
    policy.catch(() => {
      if (this.entries.get(key)?.policy === policy) this.entries.delete(key);
    });
    return policy;
  }

  evict(projectId: string, functionId: string, qualifier: string): void {
    this.entries.delete(cacheKey(projectId, functionId, qualifier));
  }
}

function cacheKey(projectId: string, functionId: string, qualifier: string): string {
  return `${projectId}\u0000${functionId}\u0000${qualifier}`;
}
