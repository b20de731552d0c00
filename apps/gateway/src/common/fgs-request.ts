import type { Request } from 'express';

import type { FgsAuthContext } from '../auth/auth-context';

export type { FgsAuthContext };

/** The Express request after the body middleware and the auth guard ran. */
export type FgsRequest = Request & { rawBody?: Buffer; fgsAuth?: FgsAuthContext };

export const REQUEST_ID_HEADER = 'x-request-id';

/** The request id the request-id middleware assigned (also the one pino logs). */
export function requestIdOf(req: Pick<Request, 'headers'>): string {
  const value = req.headers[REQUEST_ID_HEADER];
  return typeof value === 'string' ? value : '';
}
