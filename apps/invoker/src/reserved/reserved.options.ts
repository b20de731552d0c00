import { z } from 'zod';
import { parseEnv } from '@ofg/contracts';

/** Environment of the reserved-instance reconciler (units in the names). */
export const reservedEnvSchema = z.object({
  // How often every invoker re-reads the reservations and tops up or releases its share.
  RESERVED_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(500).max(3_600_000).default(5_000),
  // A silent invoker leaves the split after this, and its containers are swept after twice this.
  INVOKER_HEARTBEAT_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
});

export interface ReservedOptions {
  invokerId: string;
  region: string;
  reconcileIntervalMs: number;
  heartbeatTtlMs: number;
  /** A third of the TTL, so two missed beats still keep the membership. */
  heartbeatIntervalMs: number;
  /** Reservations brought up or released at once. */
  reserveConcurrency: number;
}

export const RESERVED_OPTIONS = Symbol('RESERVED_OPTIONS');

export function loadReservedOptions(
  invokerId: string,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): ReservedOptions {
  const e = parseEnv(reservedEnvSchema, env, 'invoker');
  return {
    invokerId,
    region,
    reconcileIntervalMs: e.RESERVED_RECONCILE_INTERVAL_MS,
    heartbeatTtlMs: e.INVOKER_HEARTBEAT_TTL_MS,
    heartbeatIntervalMs: Math.max(250, Math.floor(e.INVOKER_HEARTBEAT_TTL_MS / 3)),
    reserveConcurrency: 4,
  };
}
