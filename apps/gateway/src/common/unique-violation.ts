const PG_UNIQUE_VIOLATION = '23505';

/** True for a Postgres unique-constraint violation surfacing through the ORM (code copied onto the error or on driverError). */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  return e.code === PG_UNIQUE_VIOLATION || e.driverError?.code === PG_UNIQUE_VIOLATION;
}
