import type { CanActivate, ExceptionFilter, INestApplication } from '@nestjs/common';
import { ForbiddenException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FgsError } from '@ofg/contracts';
import { accessLogger, redactUrlSecrets } from '@ofg/observability';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { PermissionGuard } from '../authz/permission.guard';
import { FgsRequest, requestIdOf } from '../common/fgs-request';
import { requestIdMiddleware } from '../http/request-id.middleware';
import { InvocationsController } from './invocations.controller';

/** The canonical spelling of the sync invocation route; any other spelling takes the Nest route. */
const INVOKE_PATH = /^\/v2\/[^/?#]+\/fgs\/functions\/([^/?#]+)\/invocations(?:\?|$)/;

export interface InvokeFastLaneParts {
  rawBody: RequestHandler;
  filter: ExceptionFilter;
  /** Global guards in the order Nest runs them. */
  guards: CanActivate[];
  controller: Pick<InvocationsController, 'invoke'>;
  log: (req: Request, res: Response, startedAt: number) => void;
}

/**
 * `POST /v2/{project_id}/fgs/functions/{function_urn}/invocations` served ahead of Express's route table: the same
 * request-id and body middleware, global guards, controller method and exception filter as the Nest route, without
 * the route scan over every API path, the interceptor chain (no interceptor acts on invocations) and the per-request
 * child logger, which together cost more CPU than the invocation itself.
 */
export function invokeFastLane(parts: InvokeFastLaneParts): RequestHandler {
  const invoke = InvocationsController.prototype.invoke;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') return next();
    const match = INVOKE_PATH.exec(req.url);
    if (!match) return next();
    let urn: string;
    try {
      urn = decodeURIComponent(match[1]);
    } catch {
      return next();
    }
    const startedAt = Date.now();
    res.once('close', () => parts.log(req, res, startedAt));
    requestIdMiddleware(req, res, () => {
      parts.rawBody(req, res, () => {
        const context = new ExecutionContextHost([req, res, next], InvocationsController, invoke);
        context.setType('http');
        void serve(parts, context, req as FgsRequest, res, urn);
      });
    });
  };
}

async function serve(
  parts: InvokeFastLaneParts,
  context: ExecutionContextHost,
  req: FgsRequest,
  res: Response,
  urn: string,
): Promise<void> {
  try {
    for (const guard of parts.guards)
      if (!(await guard.canActivate(context))) throw new ForbiddenException('Forbidden resource');
    if (!req.fgsAuth) throw new FgsError('FSS.0401', 'Authentication required');
    await parts.controller.invoke(req.fgsAuth, urn, req, res);
  } catch (err) {
    try {
      parts.filter.catch(err, context);
    } catch {
      // Never an unhandled rejection: a filter that fails still ends the request.
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  }
}

/** The parts of a built gateway. */
export function invokeFastLaneOf(
  app: INestApplication,
  rawBody: RequestHandler,
  filter: ExceptionFilter,
): RequestHandler {
  // The line pino-http writes for other routes, built here from trusted fields so it needs no redaction pass.
  const access = accessLogger('gateway');
  return invokeFastLane({
    rawBody,
    filter,
    guards: [app.get(FgsAuthGuard, { strict: false }), app.get(PermissionGuard, { strict: false })],
    controller: app.get(InvocationsController, { strict: false }),
    log: (req, res, startedAt) => {
      const line = {
        req: { id: requestIdOf(req), method: req.method, url: redactUrlSecrets(req.url) },
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - startedAt,
      };
      if (!res.writableFinished) access.info(line, 'request aborted');
      else if (res.statusCode >= 500) access.error(line, 'request errored');
      else access.info(line, 'request completed');
    },
  });
}
