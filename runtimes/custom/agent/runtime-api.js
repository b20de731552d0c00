'use strict';
/**
 * The runtime API a Custom runtime's bootstrap polls (contract section 5.8), served on 127.0.0.1 inside the container:
 *   GET  /v1/runtime/invocation/request          -> next event (long poll); X-Cff-Request-Id and credential headers
 *   POST /v1/runtime/invocation/response/{id}    -> body is the result
 *   POST /v1/runtime/invocation/error/{id}       -> body is the error
 */
const http = require('node:http');
const { SHARED_DIR } = require('./shared-dir');
const { readBody, sendJson } = require(`${SHARED_DIR}/protocol-server`);

const PREFIX = '/v1/runtime/invocation/';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class RuntimeApi {
  constructor() {
    /** Events no bootstrap has fetched yet, oldest first. */
    this.queue = [];
    /** GET requests waiting for an event. */
    this.waiters = [];
    /** Delivered events by request id, waiting for their response or error. */
    this.delivered = new Map();
    /** Resolves when the bootstrap polls for the first time (it is up and speaking the API). */
    this.firstPoll = new Promise((resolve) => {
      this.resolveFirstPoll = resolve;
    });
    this.server = http.createServer((req, res) => this.route(req, res));
    // A long poll may wait for minutes; the bootstrap's client decides when to give up.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.keepAliveTimeout = 5 * 60 * 1000;
  }

  /** Listens on an ephemeral loopback port; resolves to `host:port` for RUNTIME_API_ADDR. */
  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${this.server.address().port}`));
    });
  }

  close() {
    for (const waiter of this.waiters.splice(0)) waiter.res.destroy();
    this.server.close();
    this.server.closeAllConnections();
  }

  /**
   * Hands one event to the bootstrap and resolves with what it posts back:
   * { ok: true, result } or { ok: false, error } (error in FunctionGraph's errorMessage/errorType shape).
   */
  dispatch(invocation) {
    return new Promise((resolve) => {
      const entry = { invocation, resolve, settled: false };
      // Skip pollers whose connection dropped but whose 'close' has not been seen yet.
      let waiter = this.waiters.shift();
      while (waiter && waiter.res.destroyed) waiter = this.waiters.shift();
      if (waiter) this.deliver(entry, waiter.res);
      else this.queue.push(entry);
    });
  }

  /** Ends an invocation without an answer from the bootstrap (timeout, process exit). */
  abandon(requestId, outcome) {
    const queued = this.queue.findIndex((e) => e.invocation.requestId === requestId);
    if (queued >= 0) {
      const [entry] = this.queue.splice(queued, 1);
      settle(entry, outcome);
      return;
    }
    const entry = this.delivered.get(requestId);
    if (entry) {
      this.delivered.delete(requestId);
      settle(entry, outcome);
    }
  }

  hasOpenInvocations() {
    return this.queue.length > 0 || this.delivered.size > 0;
  }

  /** Ends every invocation still open (the bootstrap died). */
  abandonAll(outcome) {
    for (const entry of this.queue.splice(0)) settle(entry, outcome);
    for (const [id, entry] of this.delivered) {
      this.delivered.delete(id);
      settle(entry, outcome);
    }
  }

  deliver(entry, res) {
    const { requestId, event, credentials } = entry.invocation;
    this.delivered.set(requestId, entry);
    const body = Buffer.from(event, 'utf8');
    const headers = {
      'content-type': 'application/json',
      'content-length': body.length,
      'X-Cff-Request-Id': requestId,
    };
    if (credentials && typeof credentials === 'object') {
      if (credentials.accessKey) headers['X-CFF-Access-Key'] = credentials.accessKey;
      if (credentials.secretKey) headers['X-CFF-Secret-Key'] = credentials.secretKey;
      if (credentials.securityToken) headers['X-CFF-Security-Token'] = credentials.securityToken;
      if (credentials.authToken) headers['X-CFF-Auth-Token'] = credentials.authToken;
    }
    res.writeHead(200, headers);
    res.end(body);
  }

  route(req, res) {
    const pathname = (req.url || '/').split('?')[0];
    const method = req.method || 'GET';
    if (pathname === `${PREFIX}request`) {
      if (method !== 'GET')
        return sendJson(res, 405, { errorMessage: `${method} not allowed on ${pathname}` });
      this.resolveFirstPoll();
      const entry = this.queue.shift();
      if (entry) return this.deliver(entry, res);
      const waiter = { res };
      this.waiters.push(waiter);
      // A poller that hung up must not swallow the next event.
      res.once('close', () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
      });
      return undefined;
    }
    const match = /^\/v1\/runtime\/invocation\/(response|error)\/(.+)$/.exec(pathname);
    if (!match) return sendJson(res, 404, { errorMessage: `no route for ${method} ${pathname}` });
    if (method !== 'POST')
      return sendJson(res, 405, { errorMessage: `${method} not allowed on ${pathname}` });
    let requestId;
    try {
      requestId = decodeURIComponent(match[2]);
    } catch {
      return sendJson(res, 400, { errorMessage: 'malformed request id' });
    }
    return readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        const entry = this.delivered.get(requestId);
        if (!entry)
          return sendJson(res, 404, { errorMessage: `no open invocation with request id ${requestId}` });
        this.delivered.delete(requestId);
        const text = body.toString('utf8');
        settle(
          entry,
          match[1] === 'response' ? { ok: true, result: text } : { ok: false, error: errorFromBody(text) },
        );
        return sendJson(res, 202, { status: 'OK' });
      },
      (err) => sendJson(res, 413, { errorMessage: err.message }),
    );
  }
}

function settle(entry, outcome) {
  if (entry.settled) return;
  entry.settled = true;
  entry.resolve(outcome);
}

/** A posted error: FunctionGraph's {errorMessage, errorType} object when it is one, otherwise the text itself. */
function errorFromBody(text) {
  try {
    const parsed = JSON.parse(text);
    if (
      parsed &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      typeof parsed.errorMessage === 'string'
    ) {
      const error = {
        errorMessage: parsed.errorMessage,
        errorType:
          typeof parsed.errorType === 'string' && parsed.errorType ? parsed.errorType : 'FunctionError',
      };
      if (Array.isArray(parsed.stackTrace)) error.stackTrace = parsed.stackTrace.map(String);
      return error;
    }
  } catch {
    // not JSON: the text is the message
  }
  return {
    errorMessage: text || 'the function reported an error without a message',
    errorType: 'FunctionError',
  };
}

module.exports = { RuntimeApi, errorFromBody };
