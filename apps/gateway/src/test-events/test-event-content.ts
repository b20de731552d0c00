import { FgsError, TEST_EVENT_LIMITS } from '@ofg/contracts';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON document a test event's `content` carries: strict Base64 (standard or URL-safe, whitespace ignored) of
 * UTF-8 JSON, at most 4 KB decoded. Too large is FSS.1069 (checked before decoding); anything else malformed FSS.1074.
 */
export function decodeTestEventContent(content: string): string {
  const compact = content.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact) || compact.length % 4 === 1)
    throw invalid('content must be the Base64 encoding of a JSON document');
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  if (Math.floor((compact.length * 3) / 4) - padding > TEST_EVENT_LIMITS.contentBytes)
    throw new FgsError(
      'FSS.1069',
      `The test event is larger than ${TEST_EVENT_LIMITS.contentBytes / 1024} KB once decoded`,
    );
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(compact, 'base64'));
  } catch {
    throw invalid('content does not decode to UTF-8 text');
  }
  try {
    JSON.parse(text);
  } catch {
    throw invalid('content does not decode to a JSON document');
  }
  return text;
}

/** What GET returns: the stored document in standard Base64. */
export function encodeTestEventContent(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Event ids are uuids; anything else cannot name an event (and must not reach a uuid column). */
export function isTestEventId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

function invalid(detail: string): FgsError {
  return new FgsError('FSS.1074', `Invalid parameter content: ${detail}`);
}
