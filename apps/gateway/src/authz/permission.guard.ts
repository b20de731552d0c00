import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FgsError } from '@ofg/contracts';
import { AuthRequest } from '../auth/auth-context';
import { IS_PUBLIC_KEY } from '../auth/public.decorator';
import { IamError } from '../iam/iam-error';
import { ACTION_KEY, ActionMetadata } from './action.decorator';
import { PermissionRequest } from './permission-grant';
import { PermissionService } from './permission.service';

/**
 * Authorization, after authentication: the route's declared action is evaluated against the caller's roles in the
 * project of its credential. `/v2` routes that declare no action are refused (fail closed). Denials are 403 with
 * FunctionGraph's body (`FSS.0403`) on `/v2` and IAM's body on the `/v3` IAM routes.
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  private readonly logger = new Logger(PermissionGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly permissions: PermissionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthRequest & PermissionRequest>();
    const path = (req.path ?? (req.originalUrl ?? req.url).split('?', 1)[0])
      .toLowerCase()
      .replace(/\/{2,}/g, '/');
    const iamRoute = /^\/v3(\.0)?\//.test(path);

    const declared = this.reflector.getAllAndOverride<ActionMetadata | undefined>(ACTION_KEY, targets);
    if (!declared) {
      if (!path.startsWith('/v2/')) return true;
      this.logger.error(`route ${req.method} ${path} declares no IAM action; refused`);
      throw new FgsError('FSS.0403', 'Policy denies the request: this operation declares no IAM action');
    }

    const auth = req.fgsAuth;
    if (!auth) {
      throw new FgsError(
        'APIGW.0301',
        'Incorrect IAM authentication information: the request was not authenticated',
      );
    }
    let granted: boolean;
    try {
      granted = await this.permissions.isAllowed(auth, declared.action);
    } catch (err) {
      this.logger.error(`role look-up failed: ${String(err)}`);
      throw new FgsError('FSS.0503', 'Authorization is temporarily unavailable');
    }
    req.fgsPermission = { action: declared.action, granted };
    if (granted || declared.selfService) return true;

    const message = `Policy doesn't allow ${declared.action} to be performed: action ${declared.action} is not allowed for this user in project ${auth.projectId}`;
    if (iamRoute) throw new IamError(403, message);
    throw new FgsError('FSS.0403', message);
  }
}
