import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { FgsError } from '@ofg/contracts';
import type { IncomingHttpHeaders } from 'node:http';

/** Who is calling, as established by FgsAuthGuard (`req.fgsAuth`). */
export interface FgsAuthContext {
  projectId: string;
  domainId: string;
  userId: string;
  /** Set when the request was signed with an access key. */
  accessKey?: string;
  method: 'aksk' | 'token';
}

/** The parts of the Express request the guard reads and writes (see the request-object contract). */
export interface AuthRequest {
  method: string;
  url: string;
  originalUrl?: string;
  /** Express's parsed pathname (what routes match on). */
  path?: string;
  headers: IncomingHttpHeaders;
  /** Exact body bytes, set by the body middleware. */
  rawBody?: Buffer;
  fgsAuth?: FgsAuthContext;
}

/** Route parameter decorator giving the caller's FgsAuthContext; fails closed when no guard authenticated the request. */
export const FgsAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext): FgsAuthContext => {
  const auth = ctx.switchToHttp().getRequest<AuthRequest>().fgsAuth;
  if (!auth)
    throw new FgsError(
      'APIGW.0301',
      'Incorrect IAM authentication information: the request was not authenticated',
    );
  return auth;
});
