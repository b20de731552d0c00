import { createHash, createHmac } from 'node:crypto';

/** Algorithm name of Huawei's SDK request signing (sdk-and-runtime-contract §2). */
export const SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** Literal payload hash a client may sign instead of the body (`X-Sdk-Content-Sha256`). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SHA-256 of the empty body. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The SDK's `urlEncode`: unreserved characters stay, every other UTF-8 byte becomes `%XX` (upper-case hex). */
export function sdkUrlEncode(value: string): string {
  if (UNRESERVED_ONLY.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const isUnreserved =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x7e;
    out += isUnreserved ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** decodeURIComponent that leaves malformed escapes as they are, like the reference verifier. */
export function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Canonical URI: encode each `/` segment, always end with `/`; `decodeFirst` percent-decodes each segment before encoding. */
export function canonicalUri(path: string, decodeFirst = false): string {
  const encoded = path
    .split('/')
    .map((segment) => sdkUrlEncode(decodeFirst ? safeDecode(segment) : segment))
    .join('/');
  return encoded.endsWith('/') ? encoded : encoded + '/';
}

/** Canonical query from parameters: names sorted by code unit, each name's values sorted, `enc(name)=enc(value)` joined by `&`. */
export function canonicalQueryFromParams(params: ReadonlyMap<string, readonly string[]>): string {
  const pairs: string[] = [];
  for (const name of [...params.keys()].sort()) {
    const values = [...(params.get(name) ?? [])].sort();
    for (const value of values) pairs.push(sdkUrlEncode(name) + '=' + sdkUrlEncode(value));
  }
  return pairs.join('&');
}

/** Splits a raw query (no leading `?`) on `&` and the first `=`, percent-decoding names and values (`+` is a space). */
export function parseRawQuery(rawQuery: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  return params;
}

/** Canonical query of a raw query string as received: decode, then re-encode the SDK's way. */
export function canonicalQueryFromRaw(rawQuery: string): string {
  return canonicalQueryFromParams(parseRawQuery(rawQuery));
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  /** `[lower-cased name, value]` in the order they are signed. */
  headers: ReadonlyArray<readonly [string, string]>;
  payloadHash: string;
}

/** The six parts joined by `\n`; the header block ends in `\n`, so an empty line precedes SignedHeaders. */
export function buildCanonicalRequest(parts: CanonicalRequestParts): string {
  const headerBlock = parts.headers.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaders = parts.headers.map(([name]) => name).join(';');
  return [
    parts.method,
    parts.canonicalUri,
    parts.canonicalQuery,
    headerBlock,
    signedHeaders,
    parts.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function buildStringToSign(sdkDate: string, canonicalRequest: string): string {
  return `${SDK_SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
}

/** Lower-case hex HMAC-SHA256 keyed with the SK's UTF-8 bytes. */
export function computeSignature(secretKey: string, stringToSign: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(stringToSign).digest('hex');
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses `YYYYMMDDTHHMMSSZ`; undefined when the format or the calendar date is invalid. */
export function parseSdkDate(value: string): Date | undefined {
  const m = SDK_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2024-02-30 over to March; a round trip catches it.
  return formatSdkDate(date) === value ? date : undefined;
}
