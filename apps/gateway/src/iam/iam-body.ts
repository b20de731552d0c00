import type { z } from 'zod';
import { IamError } from './iam-error';

/** Parses a request body with a contracts schema; the first problem becomes an IAM 400 naming the field. */
export function parseIamBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw IamError.badRequest(`Invalid request body: ${issue.path.join('.') || 'body'}: ${issue.message}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** User ids are uuids here; anything else cannot name a user (and must not reach a uuid column). */
export function isUserId(value: string): boolean {
  return UUID.test(value);
}

/** The first value of a query parameter that may repeat. */
export function firstQueryValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
}
