import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { PermissionAction } from '@ofg/contracts';
import { IamError } from '../iam/iam-error';
import { ACTION_KEY, ActionMetadata } from './action.decorator';

/** The outcome of the permission check, put on the request by PermissionGuard (`req.fgsPermission`). */
export interface PermissionGrant {
  action: PermissionAction;
  /** True when the caller's roles allow the action; false only on self-service routes. */
  granted: boolean;
}

export interface PermissionRequest {
  fgsPermission?: PermissionGrant;
}

/** Route parameter with the permission outcome; a route reached without the guard is treated as not granted. */
export const Permission = createParamDecorator((_data: unknown, ctx: ExecutionContext): PermissionGrant => {
  const grant = ctx.switchToHttp().getRequest<PermissionRequest>().fgsPermission;
  if (grant) return grant;
  const declared = (Reflect.getMetadata(ACTION_KEY, ctx.getHandler()) ??
    Reflect.getMetadata(ACTION_KEY, ctx.getClass())) as ActionMetadata | undefined;
  return { action: declared?.action ?? 'iam:users:getUser', granted: false };
});

/** Throws the IAM 403 unless the grant holds or the caller acts on their own user. */
export function requireGrantOrSelf(grant: PermissionGrant, callerUserId: string, targetUserId: string): void {
  if (grant.granted || callerUserId === targetUserId) return;
  throw new IamError(403, `Policy doesn't allow ${grant.action} to be performed on another user.`);
}
