import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { REQUEST_ID_HEADER } from '../common/fgs-request';

/**
 * Gives every request a fresh server-side id (never the caller's: it doubles as the invocation job id, and a
 * caller-chosen id could collide with another request's job), exposes it as `X-Request-Id`, and stores it in the
 * request header so pino's genReqId logs the same value.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const id = randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader('X-Request-Id', id);
  next();
}
