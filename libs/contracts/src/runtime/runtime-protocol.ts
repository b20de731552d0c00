/**
 * Wire protocol between an invoker and the bootstrap inside a function container.
 * The bootstrap listens on 0.0.0.0:BOOTSTRAP_PORT; every body is JSON unless stated otherwise.
 *
 *   GET  /health  -> 200 { ready: true }
 *   PUT  /code    -> body: an uncompressed tar of the code package; unpacked into RUNTIME_CODE_ROOT
 *                    -> 200 { files, bytes } | 400 { errorMessage }
 *                    The tar is the code followed by the function's dependency zips in `depend_version_list` order,
 *                    merged into the one code root as FunctionGraph does (a later file with the same path wins, so a
 *                    dependency's file beats the code's): Node.js finds `node_modules/x` of a dependency from the
 *                    handler's folder, Python finds packages at the root (on sys.path) or under `python/` (also on
 *                    sys.path).
 *   POST /init    -> body: RuntimeInitRequest  -> 200 RuntimeInitResponse (ok false when the initializer failed)
 *   POST /invoke  -> body: RuntimeInvokeRequest -> 200 RuntimeInvokeResponse
 */
export const BOOTSTRAP_PORT = 31000;
export const CODE_ROOT = '/opt/function/code';

export interface RuntimeInitRequest {
  handler: string;
  /** The function's runtime name; the agent of runtimes/custom picks its protocol from it (Custom, http, Custom Image). */
  runtime?: string;
  initializer?: string;
  initializerTimeoutMs?: number;
  /** RUNTIME_* variables plus the function's environment variables. */
  env: Record<string, string>;
}

export interface RuntimeErrorObject {
  errorMessage: string;
  errorType: string;
  stackTrace?: string[];
}

export interface RuntimeInitResponse {
  ok: boolean;
  durationMs: number;
  log: string;
  error?: RuntimeErrorObject;
}

export interface RuntimeInvokeRequest {
  requestId: string;
  /** The event as raw JSON text. */
  event: string;
  timeoutMs: number;
  alias?: string;
  /** Temporary credentials of the function's agency, when it has one. */
  credentials?: RuntimeCredentials;
}

/** What the context's getSecurityAccessKey/getSecuritySecretKey/getSecurityToken/getToken return (spec §5.3). */
export interface RuntimeCredentials {
  accessKey: string;
  secretKey: string;
  securityToken: string;
  /** X-Auth-Token of the agency principal. */
  authToken?: string;
}

export interface RuntimeInvokeResponse {
  status: 'success' | 'error';
  /** Handler result serialised to text (JSON for objects); absent on error. */
  result?: string;
  error?: RuntimeErrorObject;
  log: string;
  durationMs: number;
  memoryUsedMb: number;
}
