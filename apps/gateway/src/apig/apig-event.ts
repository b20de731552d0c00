/** The event an APIG trigger hands to its function (contract §5.5). */
export interface ApigEvent {
  body: string;
  requestContext: { apiId: string; requestId: string; stage: string; sourceIp: string };
  queryStringParameters: Record<string, string>;
  httpMethod: string;
  pathParameters: Record<string, string>;
  headers: Record<string, string>;
  path: string;
  isBase64Encoded: true;
}

export interface ApigRequest {
  method: string;
  /** The path as the client wrote it below the group (`/users/7`), still percent-encoded. */
  path: string;
  /** The raw query string without `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  /** `http` or `https`, as the client reached the gateway. */
  protocol: string;
}

/** Lower-case names; repeated headers joined with `,` (RFC 9110 §5.3); `set-cookie` is not a request header. */
export function flatHeaders(headers: ApigRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Flat query parameters: a repeated name keeps its first value. */
export function flatQuery(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) if (!(name in out)) out[name] = value;
  return out;
}

/**
 * Builds the APIG event: Base64 body (`isBase64Encoded` true), lower-case flat headers with the forwarding headers
 * APIG adds, flat query parameters, and the part of the path below the API's path as the catch-all path parameter
 * `""`.
 */
export function buildApigEvent(
  req: ApigRequest,
  api: { apiId: string; stage: string; rest: string },
  requestId: string,
): ApigEvent {
  const headers = flatHeaders(req.headers);
  headers['x-real-ip'] = req.sourceIp;
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${req.sourceIp}`
    : req.sourceIp;
  headers['x-forwarded-proto'] ??= req.protocol;
  return {
    body: req.body.toString('base64'),
    requestContext: { apiId: api.apiId, requestId, stage: api.stage, sourceIp: req.sourceIp },
    queryStringParameters: flatQuery(req.query),
    httpMethod: req.method.toUpperCase(),
    pathParameters: api.rest === '' ? {} : { '': decodePath(api.rest) },
    headers,
    path: req.path,
    isBase64Encoded: true,
  };
}

/** Percent-decoded path text; a malformed escape leaves the text as sent. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
