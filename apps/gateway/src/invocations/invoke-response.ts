import { ERROR_CODES, errorBody, FUNC_ERROR_CODES, InvocationReply, LIMITS } from '@ofg/contracts';

/** What Express's res.set would make of `application/json`: the controller writes headers as they are. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export type RequestVersion = 'v0' | 'v1';
export type LogType = 'tail' | 'none';

/** An HTTP answer the controller writes as is. */
export interface RenderedInvocation {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `X-CFF-Request-Version`: `v1` for the JSON envelope, anything else (or nothing) is the raw `v0` body. */
export function parseRequestVersion(value: HeaderValue): RequestVersion {
  return first(value)?.trim().toLowerCase() === 'v1' ? 'v1' : 'v0';
}

/** `X-Cff-Log-Type: tail` asks for the last 4 KB of the log. */
export function parseLogType(value: HeaderValue): LogType {
  return first(value)?.trim().toLowerCase() === 'tail' ? 'tail' : 'none';
}

/** The last `maxBytes` bytes of a log, starting on a UTF-8 character boundary. */
export function tailLog(log: string, maxBytes: number = LIMITS.logTailBytes): string {
  const bytes = Buffer.from(log, 'utf8');
  if (bytes.length <= maxBytes) return log;
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}

const KNOWN_FUNC_ERROR_CODES = new Set<number>(Object.values(FUNC_ERROR_CODES));

/** `X-Func-Err-Code`: 0 on success, 4036 on timeout, else the code the error object carries (default 4001). */
export function funcErrorCode(reply: Pick<InvocationReply, 'outcome' | 'result'>): number {
  if (reply.outcome === 'success') return 0;
  if (reply.outcome === 'timeout') return FUNC_ERROR_CODES.timeout;
  try {
    const parsed = JSON.parse(reply.result) as { errorCode?: unknown; error_code?: unknown };
    const code = Number(parsed.errorCode ?? parsed.error_code);
    if (KNOWN_FUNC_ERROR_CODES.has(code)) return code;
  } catch {
    // a non-JSON error result carries no code
  }
  return FUNC_ERROR_CODES.handlerError;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export interface RenderOptions {
  version: RequestVersion;
  logType: LogType;
  /** Identifies what ran (the function's config digest). */
  funcDigest: string;
  /** The version that ran (`latest` or a published one; for an alias, the one it picked). */
  funcVersion?: string;
}

/**
 * FunctionGraph's sync answer. Function errors and timeouts are HTTP 200 (the invocation itself worked) with
 * `X-Is-Func-Err: true`; in the v1 envelope `status` is 200 on success and 500 on a function error or timeout.
 * Platform errors answer with their own status and error body.
 */
export function renderSyncReply(reply: InvocationReply, options: RenderOptions): RenderedInvocation {
  if (reply.outcome === 'platform_error') return renderPlatformError(reply);
  const errCode = funcErrorCode(reply);
  const log = options.logType === 'tail' ? tailLog(reply.log) : '';
  const headers: Record<string, string> = {
    'X-Cff-Request-Id': reply.requestId,
    'X-Cff-Invoke-Summary': JSON.stringify({
      funcDigest: options.funcDigest,
      duration: round3(reply.durationMs),
      billingDuration: Math.round(reply.billingDurationMs),
      memorySize: reply.memorySizeMb,
      memoryUsed: round3(reply.memoryUsedMb),
      ...(options.funcVersion ? { version: options.funcVersion } : {}),
    }),
    'X-CFF-Billing-Duration': String(Math.round(reply.billingDurationMs)),
    'X-Cff-Response-Version': options.version,
    'X-Func-Err-Code': String(errCode),
    'X-Is-Func-Err': String(errCode !== 0),
    'Content-Type': JSON_CONTENT_TYPE,
  };
  if (options.logType === 'tail') headers['X-Cff-Function-Log'] = Buffer.from(log, 'utf8').toString('base64');
  const body =
    options.version === 'v1'
      ? JSON.stringify({
          request_id: reply.requestId,
          result: reply.result,
          log,
          status: errCode === 0 ? 200 : 500,
        })
      : reply.result;
  return { status: 200, headers, body };
}

function renderPlatformError(reply: InvocationReply): RenderedInvocation {
  const code =
    reply.errorCode && reply.errorCode in ERROR_CODES
      ? (reply.errorCode as keyof typeof ERROR_CODES)
      : 'FSS.0500';
  let message: string = ERROR_CODES[code].message;
  try {
    const parsed = JSON.parse(reply.result) as { error_msg?: unknown; errorMessage?: unknown };
    if (typeof parsed.error_msg === 'string' && parsed.error_msg) message = parsed.error_msg;
    // A 4xx start failure (image not found, runtime not supported) says what to fix; server faults stay generic.
    else if (ERROR_CODES[code].status < 500 && typeof parsed.errorMessage === 'string' && parsed.errorMessage)
      message = parsed.errorMessage;
  } catch {
    // keep the generic message
  }
  return {
    status: ERROR_CODES[code].status,
    headers: { 'X-Cff-Request-Id': reply.requestId, 'Content-Type': JSON_CONTENT_TYPE },
    body: JSON.stringify(errorBody(code, message)),
  };
}
