'use strict';
/**
 * Talking to the function's own HTTP server on 127.0.0.1:8000: HTTP functions (contract section 5.9) and the event
 * functions of container images (POST /invoke, POST /init).
 */
const http = require('node:http');

/** HTTP functions answer at most 6 MB (contract section 5.9). */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The upstream did not answer within the invocation's timeout. */
class UpstreamTimeout extends Error {}

/** An event shaped like an APIG trigger event (contract section 5.5). */
function isApigEvent(event) {
  return (
    event !== null &&
    typeof event === 'object' &&
    !Array.isArray(event) &&
    typeof event.httpMethod === 'string' &&
    event.httpMethod !== '' &&
    typeof event.path === 'string'
  );
}

/** The HTTP request an invocation becomes: an APIG event's own method, path, query, headers and body; otherwise POST / with the event. */
function requestFromEvent(eventText) {
  let event;
  try {
    event = JSON.parse(eventText);
  } catch {
    event = undefined;
  }
  if (!isApigEvent(event)) {
    return {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(eventText, 'utf8'),
    };
  }
  let path = event.path.startsWith('/') ? event.path : `/${event.path}`;
  // http.request refuses raw spaces and non-ASCII in a path.
  if (/[^\x21-\x7e]/.test(path)) path = encodeURI(path);
  const query = queryString(event);
  const headers = {};
  if (event.headers && typeof event.headers === 'object') {
    for (const [name, value] of Object.entries(event.headers)) {
      if (HOP_BY_HOP.has(name.toLowerCase()) || value === null || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.map(String) : String(value);
    }
  }
  return {
    method: event.httpMethod.toUpperCase(),
    path: query ? `${path}?${query}` : path,
    headers,
    body: eventBody(event),
  };
}

function queryString(event) {
  const params = new URLSearchParams();
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  const source =
    multi && typeof multi === 'object' ? multi : single && typeof single === 'object' ? single : {};
  for (const [name, value] of Object.entries(source)) {
    if (value === null || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, String(one));
  }
  return params.toString();
}

function eventBody(event) {
  const body = event.body;
  if (body === null || body === undefined) return Buffer.alloc(0);
  if (typeof body !== 'string') return Buffer.from(JSON.stringify(body), 'utf8');
  return event.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/** The X-CFF-* request headers of contract section 5.9, from the instance environment and the invocation. */
function cffHeaders(env, invocation) {
  const headers = {
    'X-CFF-Request-Id': invocation.requestId,
    'X-CFF-Memory': env.RUNTIME_MEMORY || '',
    'X-CFF-Timeout': env.RUNTIME_TIMEOUT || '',
    'X-CFF-Func-Version': env.RUNTIME_FUNC_VERSION || 'latest',
    'X-CFF-Func-Name': env.RUNTIME_FUNC_NAME || '',
    'X-CFF-Project-Id': env.RUNTIME_PROJECT_ID || '',
    'X-CFF-Package': env.RUNTIME_PACKAGE || '',
  };
  const region = env.RUNTIME_REGION || env.OFG_REGION;
  if (region) headers['X-CFF-Region'] = region;
  const credentials = invocation.credentials;
  if (credentials && typeof credentials === 'object') {
    if (credentials.authToken) headers['x-cff-auth-token'] = credentials.authToken;
    if (credentials.accessKey) headers['x-cff-security-access-key'] = credentials.accessKey;
    if (credentials.secretKey) headers['x-cff-security-secret-key'] = credentials.secretKey;
    if (credentials.securityToken) headers['x-cff-security-token'] = credentials.securityToken;
  }
  return headers;
}

/** Headers of `extra` replace same-named ones (any case) of `base`. */
function mergeHeaders(base, extra) {
  const merged = {};
  const overridden = new Set(Object.keys(extra).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(base))
    if (!overridden.has(name.toLowerCase())) merged[name] = value;
  return Object.assign(merged, extra);
}

/**
 * One HTTP/1.1 request to the function's server. Resolves to { statusCode, rawHeaders, body };
 * rejects with UpstreamTimeout after timeoutMs, or with the connection error.
 */
function callUpstream({ host, port, method, path, headers, body, timeoutMs, maxBytes = MAX_RESPONSE_BYTES }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const req = http.request({
      host,
      port,
      method,
      path,
      headers: { ...headers, 'content-length': body.length },
      // A fresh connection per invocation: the function's server may not expect reuse.
      agent: false,
    });
    const timer = setTimeout(() => {
      finish(new UpstreamTimeout(`no answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish(err));
    req.on('response', (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(
            new Error(`the function's HTTP response body is larger than ${maxBytes / (1024 * 1024)} MB`),
          );
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        finish(null, {
          statusCode: res.statusCode || 0,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', (err) => finish(err));
      res.on('aborted', () => finish(new Error('the function closed the connection mid-response')));
    });
    req.end(body);
  });
}

/** The APIG response shape FunctionGraph wraps an HTTP function's answer in: Base64 body, multi-valued headers. */
function apigResponse(upstream) {
  const headers = {};
  const canonical = new Map();
  for (let i = 0; i + 1 < upstream.rawHeaders.length; i += 2) {
    const name = upstream.rawHeaders[i];
    const key = name.toLowerCase();
    if (!canonical.has(key)) {
      canonical.set(key, name);
      headers[name] = [];
    }
    headers[canonical.get(key)].push(upstream.rawHeaders[i + 1]);
  }
  return {
    body: upstream.body.toString('base64'),
    headers,
    statusCode: upstream.statusCode,
    isBase64Encoded: true,
  };
}

module.exports = {
  MAX_RESPONSE_BYTES,
  UpstreamTimeout,
  apigResponse,
  callUpstream,
  cffHeaders,
  isApigEvent,
  mergeHeaders,
  requestFromEvent,
};
