import { z } from 'zod';

/** Backing-service URLs every app takes from its environment (12-factor). */
export const databaseUrlSchema = z
  .string()
  .min(1)
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');
export const redisUrlSchema = z
  .string()
  .min(1)
  .regex(/^rediss?:\/\//, 'must be a redis:// URL');

/** A configuration that failed validation; the message names every bad variable. */
export class EnvConfigError extends Error {
  override readonly name: string = 'EnvConfigError';
}

/**
 * Validates an app's environment against its schema, all problems in one error so boot fails fast and says why.
 * Empty strings count as unset, so compose files can leave optional variables blank.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, app: string): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`).join('; ');
  throw new EnvConfigError(`invalid ${app} configuration: ${problems}`);
}
