import { errorBody, ErrorCode, ERROR_CODES, InvocationReply } from '@ofg/contracts';
import { funcErrorCode } from '../invocations/invoke-response';

/** What the gateway answers an APIG request with. */
export interface ApigHttpResponse {
  status: number;
  /** Multi-valued where the function gave several values. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

// Framing is the gateway's business, not the function's.
const DROPPED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_HEADER_VALUE = /[\r\n\0]/;

/** The function's result is not the APIG response shape. */
class NotAnApigResponse extends Error {}

function errorResponse(
  code: ErrorCode,
  message: string,
  requestId: string,
  extra: Record<string, string> = {},
): ApigHttpResponse {
  return {
    status: ERROR_CODES[code].status,
    headers: { 'Content-Type': 'application/json', 'X-Cff-Request-Id': requestId, ...extra },
    body: Buffer.from(JSON.stringify(errorBody(code, message, requestId)), 'utf8'),
  };
}

function headerValues(name: string, value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new NotAnApigResponse(
        `headers.${name} must be a string, a number, a boolean or an array of them`,
      );
    const text = String(v);
    if (BAD_HEADER_VALUE.test(text)) throw new NotAnApigResponse(`headers.${name} holds a line break`);
    return text;
  });
}

/** `headers` (single or multi-valued, as HTTP functions answer) merged with `multiValueHeaders`. */
function responseHeaders(result: Record<string, unknown>): Record<string, string | string[]> {
  const merged = new Map<string, { name: string; values: string[] }>();
  for (const field of ['headers', 'multiValueHeaders']) {
    const source = result[field];
    if (source === undefined || source === null) continue;
    if (typeof source !== 'object' || Array.isArray(source))
      throw new NotAnApigResponse(`${field} must be an object`);
    for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
      if (!HEADER_NAME.test(name))
        throw new NotAnApigResponse(`header name ${JSON.stringify(name)} is invalid`);
      const key = name.toLowerCase();
      if (DROPPED_HEADERS.has(key)) continue;
      const entry = merged.get(key) ?? { name, values: [] };
      entry.values.push(...headerValues(name, value));
      merged.set(key, entry);
    }
  }
  const out: Record<string, string | string[]> = {};
  for (const { name, values } of merged.values()) out[name] = values.length === 1 ? values[0] : values;
  return out;
}

function responseBody(result: Record<string, unknown>): Buffer {
  const body = result['body'];
  const encoded = result['isBase64Encoded'];
  if (encoded !== undefined && encoded !== null && typeof encoded !== 'boolean')
    throw new NotAnApigResponse('isBase64Encoded must be a boolean');
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body !== 'string') throw new NotAnApigResponse('body must be a string');
  if (encoded !== true) return Buffer.from(body, 'utf8');
  const compact = body.replace(/\s+/g, '');
  if (compact.length % 4 === 1 || !BASE64.test(compact))
    throw new NotAnApigResponse('body is not Base64 although isBase64Encoded is true');
  return Buffer.from(compact, 'base64');
}

/** Reads `{statusCode, headers, body, isBase64Encoded}` out of a function's result text. */
export function parseApigResult(resultText: string): ApigHttpResponse {
  let result: unknown;
  try {
    result = JSON.parse(resultText);
  } catch {
    throw new NotAnApigResponse('the result is not JSON');
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result))
    throw new NotAnApigResponse('the result is not an object');
  const fields = result as Record<string, unknown>;
  const status = fields['statusCode'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    throw new NotAnApigResponse('statusCode must be an integer from 100 to 599');
  return { status, headers: responseHeaders(fields), body: responseBody(fields) };
}

/**
 * The HTTP answer of an APIG request from the invocation's reply: the function's APIG response as it asked; a
 * result of another shape → 502 FSS.0502; a function error → 502 FSS.0502 and a timeout → 504 FSS.0504 (both
 * with `X-Func-Err-Code`); a platform error keeps its own status and code.
 */
export function renderApigReply(reply: InvocationReply, requestId: string): ApigHttpResponse {
  if (reply.outcome === 'platform_error') {
    const code =
      reply.errorCode && reply.errorCode in ERROR_CODES ? (reply.errorCode as ErrorCode) : 'FSS.0500';
    return errorResponse(code, ERROR_CODES[code].message, requestId);
  }
  if (reply.outcome !== 'success') {
    const errCode = String(funcErrorCode(reply));
    const headers = { 'X-Func-Err-Code': errCode, 'X-Is-Func-Err': 'true' };
    if (reply.outcome === 'timeout')
      return errorResponse('FSS.0504', 'The function timed out', requestId, headers);
    return errorResponse(
      'FSS.0502',
      `The function failed: ${errorSummary(reply.result)}`,
      requestId,
      headers,
    );
  }
  try {
    const parsed = parseApigResult(reply.result);
    return {
      status: parsed.status,
      headers: { 'X-Cff-Request-Id': requestId, ...parsed.headers },
      body: parsed.body,
    };
  } catch (err) {
    if (!(err instanceof NotAnApigResponse)) throw err;
    return errorResponse(
      'FSS.0502',
      `The function's result is not an APIG response {statusCode, headers, body, isBase64Encoded}: ${err.message}`,
      requestId,
    );
  }
}

/** `errorType: errorMessage` of a FunctionGraph error object, at most 512 characters. */
function errorSummary(resultText: string): string {
  try {
    const parsed = JSON.parse(resultText) as { errorType?: unknown; errorMessage?: unknown };
    const type = typeof parsed.errorType === 'string' ? parsed.errorType : 'Error';
    const message = typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '';
    return `${type}: ${message}`.slice(0, 512);
  } catch {
    return resultText.slice(0, 512);
  }
}
