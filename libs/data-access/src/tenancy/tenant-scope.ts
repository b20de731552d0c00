import { FgsError } from '@ofg/contracts';
import { DataSource, EntityManager } from 'typeorm';

/** The NOLOGIN role the row-level security policies apply to (migration 1732270000000). */
export const TENANT_ROLE = 'ofg_tenant';

/**
 * Switches the current transaction to one project: the tenant role plus `app.project_id`, both transaction-local so
 * a pooled connection goes back clean at commit or rollback. `app.scope` is cleared in case a session set it.
 */
export async function enterTenant(em: EntityManager, projectId: string): Promise<void> {
  // An empty id would read as "no project" and silently match nothing; a missing one is a caller's bug.
  if (typeof projectId !== 'string' || projectId === '')
    throw new FgsError('FSS.0500', 'a tenant-scoped query needs a project id');
  await em.query(
    `SELECT set_config('role', $1, true), set_config('app.project_id', $2, true), set_config('app.scope', '', true)`,
    [TENANT_ROLE, projectId],
  );
}

/** Runs `fn` in a transaction that PostgreSQL confines to one project's rows, whatever SQL `fn` sends. */
export function withTenant<T>(
  ds: DataSource,
  projectId: string,
  fn: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return ds.transaction(async (em) => {
    await enterTenant(em, projectId);
    return fn(em);
  });
}

/** Runs `fn` in a read-only transaction that may read every project's functions, triggers and invocations. */
export function withSystemScope<T>(ds: DataSource, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(async (em) => {
    await em.query(
      `SELECT set_config('transaction_read_only', 'on', true), set_config('role', $1, true),
              set_config('app.scope', 'system', true), set_config('app.project_id', '', true)`,
      [TENANT_ROLE],
    );
    return fn(em);
  });
}
