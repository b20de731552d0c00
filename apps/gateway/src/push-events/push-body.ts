import { FgsError } from '@ofg/contracts';
import { FgsRequest } from '../common/fgs-request';

/** The pushed JSON: parsed by the body middleware for JSON types, else read from the raw bytes (webhooks vary). */
export function pushBodyOf(req: FgsRequest): unknown {
  if (req.body !== undefined) return req.body as unknown;
  const raw = req.rawBody ?? Buffer.alloc(0);
  if (raw.length === 0) throw new FgsError('FSS.0400', 'The push has no body');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new FgsError('FSS.0400', 'The push body is not valid JSON');
  }
}
