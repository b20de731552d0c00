import {
  SDK_SIGNING_ALGORITHM,
  buildCanonicalRequest,
  buildStringToSign,
  canonicalQueryFromRaw,
  canonicalUri,
  computeSignature,
  formatSdkDate,
  sha256Hex,
} from './canonical-request';

export interface SignRequestInput {
  method: string;
  /** Full URL, e.g. `http://127.0.0.1:8080/v2/<pid>/fgs/functions?maxitems=5`; path and query are signed as written. */
  url: string;
  /** Request headers; `content-type`, `host` and every `x-*` header are signed, the rest is not. */
  headers?: Readonly<Record<string, string | number | undefined>>;
  /** Exact body bytes (a string is taken as UTF-8); omitted or empty hashes as the empty body. */
  body?: string | Uint8Array;
  ak: string;
  sk: string;
  /** Signing time; defaults to now. An `X-Sdk-Date` already in `headers` wins, as in the SDK. */
  date?: Date;
}

/** The headers a signed request must carry in addition to its own. */
export interface SdkSignatureHeaders {
  'X-Sdk-Date': string;
  Authorization: string;
}

export interface SdkSignatureDetails {
  headers: SdkSignatureHeaders;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string[];
}

const URL_PARTS = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/;

/**
 * Signs a request the way huaweicloud-sdk-core's AKSKSigner does (SDK-HMAC-SHA256): the raw URL path and query,
 * `host`, `x-sdk-date`, `content-type` and every `x-*` header, and the SHA-256 of the body bytes
 * (or the value of `X-Sdk-Content-Sha256` when given).
 */
export function signRequest(input: SignRequestInput): SdkSignatureHeaders {
  return signRequestDetailed(input).headers;
}

/** `signRequest` plus the intermediate values, for debugging and test vectors. */
export function signRequestDetailed(input: SignRequestInput): SdkSignatureDetails {
  const m = URL_PARTS.exec(input.url);
  if (!m) throw new Error(`signRequest needs an absolute URL, got "${input.url}"`);
  const [, authority, rawPath, rawQuery = ''] = m;

  const signed = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-type' || lower.startsWith('x-'))
      signed.set(lower, String(value));
  }
  // The SDK leaves multipart content types out because the boundary is only known to the HTTP layer.
  if (signed.get('content-type')?.includes('multipart/form-data')) signed.delete('content-type');
  if (!signed.has('host')) signed.set('host', authority.replace(/^[^@]*@/, '').toLowerCase());
  const sdkDate = signed.get('x-sdk-date') ?? formatSdkDate(input.date ?? new Date());
  signed.set('x-sdk-date', sdkDate);

  // One code-unit order for both the header block and SignedHeaders keeps the signature verifiable by §2.3.
  const headers = [...signed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body = input.body ?? '';
  const payloadHash =
    signed.get('x-sdk-content-sha256') ??
    sha256Hex(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  const canonicalRequest = buildCanonicalRequest({
    method: input.method.toUpperCase(),
    canonicalUri: canonicalUri(rawPath || '/'),
    canonicalQuery: canonicalQueryFromRaw(rawQuery),
    headers,
    payloadHash,
  });
  const stringToSign = buildStringToSign(sdkDate, canonicalRequest);
  const signature = computeSignature(input.sk, stringToSign);
  const signedHeaders = headers.map(([name]) => name);
  return {
    headers: {
      'X-Sdk-Date': sdkDate,
      Authorization: `${SDK_SIGNING_ALGORITHM} Access=${input.ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
    },
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders,
  };
}
