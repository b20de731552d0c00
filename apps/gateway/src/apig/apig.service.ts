import { Injectable } from '@nestjs/common';
import { FGS_ACTIONS, FgsError, LIMITS } from '@ofg/contracts';
import { runnableAt } from '@ofg/data-access';
import { InvocationDispatcher } from '@ofg/queue';
import { AuthRequest, FgsAuthContext } from '../auth/auth-context';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { PermissionService } from '../authz/permission.service';
import { FunctionResolver } from '../functions/function.resolver';
import { ApigRequest, buildApigEvent } from './apig-event';
import { ApigHttpResponse, renderApigReply } from './apig-response';
import { ApigRoute, matchApigRoute } from './apig-route';
import { ApigRouteTable } from './apig-route.table';

const PROJECT_ID = /^[A-Za-z0-9-]{1,64}$/;
/** The principal APIG invocations without IAM authentication run as (for logs; it holds no permissions). */
const APIG_PRINCIPAL = 'apig:anonymous';

export interface ApigCall {
  projectId: string;
  groupId: string;
  request: ApigRequest;
  /** The parts of the Express request IAM authentication reads. */
  authRequest: AuthRequest;
  requestId: string;
}

/**
 * Serves APIG-type triggers: finds the group's API for the request (longest path prefix, then method), applies its
 * authentication, builds the APIG event, invokes the bound function or alias synchronously and answers with the
 * function's APIG response.
 */
@Injectable()
export class ApigService {
  constructor(
    private readonly routes: ApigRouteTable,
    private readonly resolver: FunctionResolver,
    private readonly dispatcher: InvocationDispatcher,
    private readonly authGuard: FgsAuthGuard,
    private readonly permissions: PermissionService,
  ) {}

  async serve(call: ApigCall): Promise<ApigHttpResponse> {
    const match = PROJECT_ID.test(call.projectId)
      ? matchApigRoute(
          await this.routes.routesOf(call.projectId, call.groupId),
          call.request.method,
          call.request.path,
        )
      : undefined;
    if (!match) throw new FgsError('APIGW.0101');
    const { route } = match;
    const auth = await this.authenticate(route, call.authRequest);
    const event = buildApigEvent(
      call.request,
      { apiId: route.apiId, stage: route.stage, rest: match.rest },
      call.requestId,
    );
    const eventText = JSON.stringify(event);
    if (Buffer.byteLength(eventText) > LIMITS.syncPayloadBytes)
      throw new FgsError('FSS.0413', 'The request is larger than the 6 MB an APIG event may carry');
    const { fn: head, target } = await this.resolver.findForInvoke(urnOf(route), auth);
    if (head.maxInstances === 0) throw new FgsError('FSS.0429', 'Function Disabled');
    const runnable = runnableAt(head, target, call.request.headers);
    const reply = await this.dispatcher.invokeSync(runnable.fn, eventText, {
      domainId: route.domainId,
      requestId: call.requestId,
      ...(runnable.alias ? { alias: runnable.alias } : {}),
      trigger: { type: route.triggerType, id: route.triggerId, name: route.apiName, hop: 1 },
    });
    return renderApigReply(reply, call.requestId);
  }

  /** NONE: anyone. IAM: a token or AK/SK signature valid for the API's project, allowed to invoke functions. */
  private async authenticate(route: ApigRoute, req: AuthRequest): Promise<FgsAuthContext> {
    if (route.auth === 'NONE')
      return {
        projectId: route.projectId,
        domainId: route.domainId,
        userId: APIG_PRINCIPAL,
        method: 'token',
      };
    const auth = await this.authGuard.authenticateForProject(req, route.projectId);
    let allowed: boolean;
    try {
      allowed = await this.permissions.isAllowed(auth, FGS_ACTIONS.functionInvoke);
    } catch {
      throw new FgsError('FSS.0503', 'Authorization is temporarily unavailable');
    }
    if (!allowed)
      throw new FgsError(
        'FSS.0403',
        `Policy doesn't allow ${FGS_ACTIONS.functionInvoke} to be performed for this user in project ${route.projectId}`,
      );
    return auth;
  }
}

/** The short URN form `<project>:<package>:<name>:<qualifier>` the resolver and its cache key on. */
function urnOf(route: ApigRoute): string {
  return `${route.projectId}:${route.package}:${route.funcName}:${route.qualifier}`;
}
