import type { z } from 'zod';
import { ErrorCode, FgsError } from '@ofg/contracts';

/**
 * Turns the first failing field of a zod result into an FgsError: the code comes from `fieldErrors`
 * (keyed by the top-level field), anything else is `fallback`; the message names the field.
 */
export function zodToFgsError(
  error: z.ZodError,
  fieldErrors: Record<string, ErrorCode> = {},
  fallback: ErrorCode = 'FSS.0400',
): FgsError {
  const issue = error.issues[0];
  if (!issue) return new FgsError(fallback);
  const path = issue.path.map(String);
  const field = path[0];
  const code = (field !== undefined && fieldErrors[field]) || fallback;
  const where = path.length > 0 ? path.join('.') : 'body';
  return new FgsError(code, `Invalid parameter ${where}: ${issue.message}`);
}

/** Parses `input` with `schema` or throws the mapped FgsError; a missing body counts as an empty object. */
export function parseBody<S extends z.ZodType>(
  schema: S,
  input: unknown,
  fieldErrors: Record<string, ErrorCode> = {},
  fallback: ErrorCode = 'FSS.0400',
): z.output<S> {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new FgsError('FSS.0400', 'The request body must be a JSON object');
  }
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw zodToFgsError(result.error, fieldErrors, fallback);
  return result.data;
}
