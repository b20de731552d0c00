import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Header a pusher may carry the token in when it can neither set a query parameter nor a Bearer token. */
export const PUSH_TOKEN_HEADER = 'x-ofg-push-token';

/**
 * A project's push token: HMAC-SHA256 of the project id under the gateway's push key, in hex. It authorises pushing
 * bucket notifications and CloudEvents to the project's OBS and EVENTGRID triggers, nothing else.
 */
export function pushTokenOf(tokenKeyHex: string, projectId: string): string {
  return createHmac('sha256', Buffer.from(tokenKeyHex, 'hex')).update(`ofg-push:${projectId}`).digest('hex');
}

/** Constant-time comparison (of digests, so lengths never leak either). */
export function isPushToken(tokenKeyHex: string, projectId: string, candidate: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(pushTokenOf(tokenKeyHex, projectId)), digest(candidate));
}

/**
 * The token a push carries: `?token=` (any webhook target), `Authorization: Bearer <token>` (MinIO's `auth_token`)
 * or the X-Ofg-Push-Token header; undefined when none is there.
 */
export function presentedPushToken(query: string, headers: IncomingHttpHeaders): string | undefined {
  const fromQuery = new URLSearchParams(query).get('token');
  if (fromQuery) return fromQuery;
  const authorization = headers['authorization'];
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (bearer) return bearer[1];
  const header = headers[PUSH_TOKEN_HEADER];
  return typeof header === 'string' && header !== '' ? header : undefined;
}
