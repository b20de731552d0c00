import { SetMetadata } from '@nestjs/common';
import type { PermissionAction } from '@ofg/contracts';

export const ACTION_KEY = 'ofg:action';

/** What a route declares: its IAM action, and whether a caller without it may still act on their own resources. */
export interface ActionMetadata {
  action: PermissionAction;
  /**
   * When true a caller lacking the action is let through with `granted: false` (see PermissionGrant); the service
   * then limits the call to the caller's own user (own keys, own project). Huawei IAM allows that for access keys.
   */
  selfService: boolean;
}

/** Declares the IAM action a route needs; `/v2` routes without one are refused (fail closed). */
export const Action = (
  action: PermissionAction,
  options: { selfService?: boolean } = {},
): MethodDecorator & ClassDecorator =>
  SetMetadata(ACTION_KEY, { action, selfService: options.selfService ?? false } satisfies ActionMetadata);
