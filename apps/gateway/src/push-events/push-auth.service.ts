import { Inject, Injectable } from '@nestjs/common';
import { FGS_ACTIONS, FgsError } from '@ofg/contracts';
import { AuthRequest } from '../auth/auth-context';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { PermissionService } from '../authz/permission.service';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { isPushToken, presentedPushToken, pushTokenOf } from './push-token';

/** How a push was authenticated. */
export type PushPrincipal = { kind: 'token' } | { kind: 'iam'; userId: string };

/**
 * Authenticates pushes to a project's OBS and EVENTGRID endpoints: the project's push token (what a bucket webhook
 * can send), or IAM credentials (token or AK/SK signature) of a user allowed to invoke functions there.
 */
@Injectable()
export class PushAuthService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly authGuard: FgsAuthGuard,
    private readonly permissions: PermissionService,
  ) {}

  /** The token a trigger's answered URL carries. */
  tokenOf(projectId: string): string {
    return pushTokenOf(this.config.pushEvents.tokenKeyHex, projectId);
  }

  async authenticate(req: AuthRequest, projectId: string): Promise<PushPrincipal> {
    const target = req.originalUrl ?? req.url;
    const queryAt = target.indexOf('?');
    const token = presentedPushToken(queryAt < 0 ? '' : target.slice(queryAt + 1), req.headers);
    if (token !== undefined) {
      if (!isPushToken(this.config.pushEvents.tokenKeyHex, projectId, token))
        throw new FgsError('FSS.0401', 'The push token is not valid for this project');
      return { kind: 'token' };
    }
    if (req.headers['x-auth-token'] === undefined && req.headers['authorization'] === undefined)
      throw new FgsError(
        'FSS.0401',
        "Pushes need the project's push token (?token=, Authorization: Bearer or X-Ofg-Push-Token) or IAM credentials",
      );
    const auth = await this.authGuard.authenticateForProject(req, projectId);
    let allowed: boolean;
    try {
      allowed = await this.permissions.isAllowed(auth, FGS_ACTIONS.functionInvoke);
    } catch {
      throw new FgsError('FSS.0503', 'Authorization is temporarily unavailable');
    }
    if (!allowed)
      throw new FgsError(
        'FSS.0403',
        `Policy doesn't allow ${FGS_ACTIONS.functionInvoke} to be performed for this user in project ${projectId}`,
      );
    return { kind: 'iam', userId: auth.userId };
  }
}
