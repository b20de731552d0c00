import { Injectable } from '@nestjs/common';
import { ASYNC_CONFIG_DEFAULTS, AsyncInvokePolicy, parseAsyncDestination } from '@ofg/contracts';
import { DataSource } from 'typeorm';
import { AsyncInvokeConfigEntity } from '../entities/async-invoke-config.entity';
import { withTenant } from '../tenancy/tenant-scope';

/** The fields a config is written with; id and times are kept by the database. */
export type AsyncInvokeConfigInput = Pick<
  AsyncInvokeConfigEntity,
  | 'projectId'
  | 'functionId'
  | 'qualifier'
  | 'maxAsyncEventAgeS'
  | 'maxAsyncRetryAttempts'
  | 'onSuccess'
  | 'onFailure'
  | 'enableAsyncStatusLog'
>;

/** Async notification configs of one project, keyed by function and qualifier (`latest`, a version or `!alias`). */
@Injectable()
export class AsyncInvokeConfigRepository {
  constructor(private readonly ds: DataSource) {}

  /** Creates or replaces the config of one qualifier; `created_at` survives a replacement. */
  upsert(input: AsyncInvokeConfigInput): Promise<AsyncInvokeConfigEntity> {
    return withTenant(this.ds, input.projectId, async (em) => {
      const rows = (await em.query(
        `INSERT INTO async_invoke_configs
           (project_id, function_id, qualifier, max_async_event_age_s, max_async_retry_attempts,
            on_success, on_failure, enable_async_status_log)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT uq_async_invoke_configs_qualifier DO UPDATE
           SET max_async_event_age_s = EXCLUDED.max_async_event_age_s,
               max_async_retry_attempts = EXCLUDED.max_async_retry_attempts,
               on_success = EXCLUDED.on_success, on_failure = EXCLUDED.on_failure,
               enable_async_status_log = EXCLUDED.enable_async_status_log, updated_at = now()
         RETURNING id`,
        [
          input.projectId,
          input.functionId,
          input.qualifier,
          input.maxAsyncEventAgeS,
          input.maxAsyncRetryAttempts,
          input.onSuccess === null ? null : JSON.stringify(input.onSuccess),
          input.onFailure === null ? null : JSON.stringify(input.onFailure),
          input.enableAsyncStatusLog,
        ],
      )) as { id: string }[];
      return em
        .getRepository(AsyncInvokeConfigEntity)
        .findOneByOrFail({ projectId: input.projectId, id: rows[0].id });
    });
  }

  find(projectId: string, functionId: string, qualifier: string): Promise<AsyncInvokeConfigEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(AsyncInvokeConfigEntity).findOneBy({ projectId, functionId, qualifier }),
    );
  }

  /** False when the qualifier had no config. */
  delete(projectId: string, functionId: string, qualifier: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .getRepository(AsyncInvokeConfigEntity)
        .delete({ projectId, functionId, qualifier });
      return (res.affected ?? 0) > 0;
    });
  }

  /** Every qualifier's config of a function, oldest first; `offset` is the list marker. */
  listForFunction(
    projectId: string,
    functionId: string,
    offset: number,
    limit: number,
  ): Promise<{ items: AsyncInvokeConfigEntity[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const [items, total] = await em.getRepository(AsyncInvokeConfigEntity).findAndCount({
        where: { projectId, functionId },
        order: { createdAt: 'ASC', id: 'ASC' },
        skip: offset,
        take: limit,
      });
      return { items, total };
    });
  }

  /**
   * What an invoker applies to an async invocation: the qualifier's config with its destinations parsed, or the
   * defaults when it has none. `qualifier` is the URN's: `latest`, a version name or `!alias`.
   */
  async findForInvocation(
    projectId: string,
    functionId: string,
    qualifier: string,
  ): Promise<AsyncInvokePolicy> {
    const row = await this.find(projectId, functionId, qualifier);
    return toAsyncInvokePolicy(row);
  }
}

/** The policy of a stored config (destinations were validated when written), or the defaults for none. */
export function toAsyncInvokePolicy(row: AsyncInvokeConfigEntity | null): AsyncInvokePolicy {
  if (!row) {
    return {
      configured: false,
      maxAsyncEventAgeInSeconds: ASYNC_CONFIG_DEFAULTS.maxAsyncEventAgeInSeconds,
      maxAsyncRetryAttempts: ASYNC_CONFIG_DEFAULTS.maxAsyncRetryAttempts,
      enableAsyncStatusLog: ASYNC_CONFIG_DEFAULTS.enableAsyncStatusLog,
    };
  }
  return {
    configured: true,
    maxAsyncEventAgeInSeconds: row.maxAsyncEventAgeS,
    maxAsyncRetryAttempts: row.maxAsyncRetryAttempts,
    ...(row.onSuccess ? { onSuccess: parseAsyncDestination(row.onSuccess, 'on_success') } : {}),
    ...(row.onFailure ? { onFailure: parseAsyncDestination(row.onFailure, 'on_failure') } : {}),
    enableAsyncStatusLog: row.enableAsyncStatusLog,
  };
}
