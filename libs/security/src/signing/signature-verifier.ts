import { timingSafeEqual } from 'node:crypto';
import {
  UNSIGNED_PAYLOAD,
  buildCanonicalRequest,
  buildStringToSign,
  canonicalQueryFromRaw,
  canonicalUri,
  computeSignature,
  parseSdkDate,
  sha256Hex,
} from './canonical-request';

/** APIG-style tolerance between `X-Sdk-Date` and server time. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** A request as the server received it. */
export interface SignedRequest {
  method: string;
  /** Raw request target as received (path plus optional `?query`), before any decoding. */
  url: string;
  /** Header names in any case (Node lower-cases them); repeated headers may come as arrays. */
  headers: Readonly<Record<string, string | string[] | number | undefined>>;
  /** Exact body bytes; empty when there is none. */
  body: Uint8Array | string;
}

export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

export type VerificationFailureReason =
  'malformed' | 'unknown_key' | 'stale_date' | 'bad_signature' | 'missing_signed_header';

export type VerificationResult =
  | { ok: true; accessKey: string; signedHeaders: string[]; signedAt: Date }
  | { ok: false; reason: VerificationFailureReason; message: string; accessKey?: string };

/** Returns the SK of an access key, or undefined when the key is unknown. */
export type SecretResolver = (accessKey: string) => Promise<string | undefined> | string | undefined;

export interface SignatureVerifierOptions {
  /** Accepted distance between `X-Sdk-Date` and now, both directions; default 15 min. */
  maxClockSkewMs?: number;
}

/** Parses `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`; undefined when it does not match. */
export function parseSdkAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = header ? AUTHORIZATION.exec(header) : null;
  if (!m) return undefined;
  const signedHeaders = m[2].split(';');
  if (signedHeaders.some((name) => name === '')) return undefined;
  return { accessKey: m[1], signedHeaders, signature: m[3] };
}

/** Server-side SDK-HMAC-SHA256 verification (sdk-and-runtime-contract §2.3); never throws for bad input. */
export class SignatureVerifier {
  private readonly maxClockSkewMs: number;

  constructor(options: SignatureVerifierOptions = {}) {
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  }

  /** Checks format, signed headers and date first, then resolves the secret, then the signature. */
  async verify(
    request: SignedRequest,
    resolveSecret: SecretResolver,
    now: Date = new Date(),
  ): Promise<VerificationResult> {
    const headers = lowerCaseHeaders(request.headers);
    const pre = this.precheck(headers, now);
    if (!pre.ok) return pre;
    const secret = await resolveSecret(pre.auth.accessKey);
    if (secret === undefined) {
      return {
        ok: false,
        reason: 'unknown_key',
        message: 'the access key does not exist or is disabled',
        accessKey: pre.auth.accessKey,
      };
    }
    return this.checkSignature(request, headers, pre.auth, pre.signedAt, secret);
  }

  /** Synchronous variant for callers that already hold the secret of the request's access key. */
  verifyWithSecret(request: SignedRequest, secretKey: string, now: Date = new Date()): VerificationResult {
    const headers = lowerCaseHeaders(request.headers);
    const pre = this.precheck(headers, now);
    if (!pre.ok) return pre;
    return this.checkSignature(request, headers, pre.auth, pre.signedAt, secretKey);
  }

  private precheck(
    headers: Map<string, string>,
    now: Date,
  ):
    | { ok: true; auth: ParsedAuthorization; signedAt: Date }
    | { ok: false; reason: VerificationFailureReason; message: string; accessKey?: string } {
    const auth = parseSdkAuthorization(headers.get('authorization'));
    if (!auth) {
      return {
        ok: false,
        reason: 'malformed',
        message:
          'Authorization must be "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<64 hex>"',
      };
    }
    const signed = auth.signedHeaders.map((name) => name.toLowerCase());
    for (const required of ['host', 'x-sdk-date']) {
      if (!signed.includes(required)) {
        return {
          ok: false,
          reason: 'missing_signed_header',
          message: `SignedHeaders must include ${required}`,
          accessKey: auth.accessKey,
        };
      }
    }
    const missing = signed.find((name) => !headers.has(name));
    if (missing) {
      return {
        ok: false,
        reason: 'missing_signed_header',
        message: `signed header ${missing} is missing from the request`,
        accessKey: auth.accessKey,
      };
    }
    const signedAt = parseSdkDate(headers.get('x-sdk-date') ?? '');
    if (!signedAt) {
      return {
        ok: false,
        reason: 'malformed',
        message: 'X-Sdk-Date must be a UTC time formatted YYYYMMDDTHHMMSSZ',
        accessKey: auth.accessKey,
      };
    }
    if (Math.abs(now.getTime() - signedAt.getTime()) > this.maxClockSkewMs) {
      return {
        ok: false,
        reason: 'stale_date',
        message: `X-Sdk-Date is more than ${Math.round(this.maxClockSkewMs / 60000)} minutes away from server time`,
        accessKey: auth.accessKey,
      };
    }
    return { ok: true, auth, signedAt };
  }

  private checkSignature(
    request: SignedRequest,
    headers: Map<string, string>,
    auth: ParsedAuthorization,
    signedAt: Date,
    secretKey: string,
  ): VerificationResult {
    const queryStart = request.url.indexOf('?');
    const rawPath = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
    const rawQuery = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
    const contentSha = headers.get('x-sdk-content-sha256');
    const payloadHash =
      contentSha === UNSIGNED_PAYLOAD &&
      auth.signedHeaders.some((name) => name.toLowerCase() === 'x-sdk-content-sha256')
        ? UNSIGNED_PAYLOAD
        : sha256Hex(typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body);
    const canonicalQuery = canonicalQueryFromRaw(rawQuery);
    // Names stay as the client listed them; values are looked up case-insensitively.
    const signedHeaderValues = auth.signedHeaders.map(
      (name) => [name, headers.get(name.toLowerCase()) ?? ''] as const,
    );
    const sdkDate = headers.get('x-sdk-date') ?? '';
    const uris = new Set([canonicalUri(rawPath), canonicalUri(rawPath, true)]);
    const given = Buffer.from(auth.signature, 'utf8');
    let matched = false;
    for (const uri of uris) {
      const canonicalRequest = buildCanonicalRequest({
        method: request.method.toUpperCase(),
        canonicalUri: uri,
        canonicalQuery,
        headers: signedHeaderValues,
        payloadHash,
      });
      const expected = Buffer.from(
        computeSignature(secretKey, buildStringToSign(sdkDate, canonicalRequest)),
        'utf8',
      );
      // Both are 64 lower-case hex characters (the Authorization pattern guarantees it for the given one).
      if (timingSafeEqual(expected, given)) matched = true;
    }
    if (!matched)
      return {
        ok: false,
        reason: 'bad_signature',
        message: 'the request signature does not match',
        accessKey: auth.accessKey,
      };
    return { ok: true, accessKey: auth.accessKey, signedHeaders: auth.signedHeaders, signedAt };
  }
}

function lowerCaseHeaders(headers: SignedRequest['headers']): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // HTTP parsers trim surrounding whitespace already; the SDK never sends any.
    out.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value).trim());
  }
  return out;
}
