import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FgsError } from '@ofg/contracts';
import { FgsAuthContext, FgsRequest } from './fgs-request';

/** The caller's tenant context set by the global auth guard; a route reached without it is a wiring bug, answered 401. */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): FgsAuthContext => {
  const req = ctx.switchToHttp().getRequest<FgsRequest>();
  if (!req.fgsAuth) throw new FgsError('FSS.0401', 'Authentication required');
  return req.fgsAuth;
});
