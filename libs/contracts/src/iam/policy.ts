import { z } from 'zod';

/** One statement of an IAM policy document (Huawei IAM's shape, actions only: no resources or conditions yet). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  /** `service:resource:verb` patterns; `*` matches any run of characters, `?` one character. */
  Action: readonly string[];
}

/** `{"Version":"1.1","Statement":[...]}` as Huawei IAM writes fine-grained policies. */
export interface PolicyDocument {
  Version: '1.1';
  Statement: readonly PolicyStatement[];
}

export const policyDocumentSchema = z.object({
  Version: z.literal('1.1'),
  Statement: z
    .array(
      z.object({
        Effect: z.enum(['Allow', 'Deny']),
        Action: z
          .array(
            z
              .string()
              .min(1)
              .max(128)
              .regex(/^[A-Za-z0-9*?]+:[A-Za-z0-9*?]+:[A-Za-z0-9*?]+$/, 'must be service:resource:action'),
          )
          .min(1)
          .max(100),
      }),
    )
    .min(1)
    .max(100),
});

const ACTION = /^[A-Za-z0-9]+:[A-Za-z0-9]+:[A-Za-z0-9]+$/;
const compiled = new Map<string, RegExp>();

/** True when an action pattern matches an action; case-insensitive, as Huawei prints actions with either case. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 'i');
    if (compiled.size < 1000) compiled.set(pattern, re);
  }
  return re.test(action);
}

/**
 * IAM evaluation: an explicit Deny in any policy wins, otherwise any Allow grants, otherwise the action is denied.
 * A malformed action (not `service:resource:verb`) is always denied.
 */
export function isAllowed(policies: readonly PolicyDocument[], action: string): boolean {
  if (!ACTION.test(action)) return false;
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.Statement) {
      if (!statement.Action.some((pattern) => actionMatches(pattern, action))) continue;
      if (statement.Effect === 'Deny') return false;
      allowed = true;
    }
  }
  return allowed;
}
