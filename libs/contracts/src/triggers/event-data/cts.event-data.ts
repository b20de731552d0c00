import { z } from 'zod';
import type { ErrorCode } from '../../errors/error-code';

/** One audited operation a CTS trigger subscribes to: `<service_type>:<resource_type>:<trace_name>`. */
export const CTS_OPERATION =
  /^[A-Za-z][A-Za-z0-9_-]{0,63}:[A-Za-z][A-Za-z0-9_-]{0,63}:[A-Za-z][A-Za-z0-9_-]{0,127}$/;

/** At most this many operations per trigger (FSS.1313; the console's 10 services × 10 operations). */
export const CTS_MAX_OPERATIONS = 100;

/**
 * CTS `event_data` (undocumented in the spec; read from FSS.1301–1318 and the console's key-operation notification):
 * a notification name and the operations whose audit records invoke the function.
 */
export const ctsEventDataSchema = z
  .object({
    notification_name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\p{L}\p{N}_]+$/u, 'must be letters, digits or _'),
    operations: z
      .array(z.string().regex(CTS_OPERATION, 'must be <service_type>:<resource_type>:<trace_name>'))
      .min(1)
      .max(CTS_MAX_OPERATIONS)
      .refine((ops) => new Set(ops).size === ops.length, 'must not select an operation twice'),
  })
  .strip();
export type CtsEventData = z.infer<typeof ctsEventDataSchema>;

/** The spec's CTS codes for what is wrong with a CTS `event_data` (FSS.1305 for anything else). */
export function ctsIssueCode(issue: { code: string; path: readonly PropertyKey[] }): ErrorCode | undefined {
  const [field, index] = issue.path;
  if (field === 'notification_name') {
    if (issue.code === 'too_big') return 'FSS.1317';
    if (issue.code === 'too_small' || issue.code === 'invalid_type') return 'FSS.1312';
    return undefined;
  }
  if (field === 'operations') {
    if (index !== undefined) return 'FSS.1318';
    if (issue.code === 'too_big') return 'FSS.1313';
    if (issue.code === 'too_small' || issue.code === 'invalid_type') return 'FSS.1314';
    if (issue.code === 'custom') return 'FSS.1316';
  }
  return undefined;
}
