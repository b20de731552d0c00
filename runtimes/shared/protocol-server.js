'use strict';
/**
 * The HTTP server every runtime image runs on BOOTSTRAP_PORT for the invoker <-> container protocol of
 * libs/contracts/src/runtime/runtime-protocol.ts: GET /health, PUT /code (uncompressed tar), POST /init, POST /invoke.
 * Plain CommonJS with node: builtins only; each image copies runtimes/shared next to its bootstrap or agent folder.
 */
const http = require('node:http');
const { BadArchiveError, extractTar } = require('./code-archive');

const DEFAULT_PORT = 31000;
const ROUTES = { '/health': 'GET', '/code': 'PUT', '/init': 'POST', '/invoke': 'POST' };

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `request body larger than ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

async function readJson(req, limit, errorText) {
  const body = await readBody(req, limit);
  let parsed;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `invalid JSON body: ${errorText(err)}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return parsed;
}

function sendJson(res, status, body) {
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * Serves the protocol on BOOTSTRAP_HOST:BOOTSTRAP_PORT (default 0.0.0.0:31000). `init(request, res)` and
 * `invoke(request, res)` get the parsed JSON body (invoke's requestId already checked) and return the 200 answer;
 * an HttpError they throw becomes its status, anything else a 500. `onListening(host, port)` runs once bound.
 */
function serveProtocol({ codeRoot, maxCodeBytes, maxJsonBytes, errorText, init, invoke, onListening }) {
  async function route(req, res) {
    const pathname = (req.url || '/').split('?')[0];
    const method = req.method || 'GET';
    if (!ROUTES[pathname]) throw new HttpError(404, `no route for ${method} ${pathname}`);
    if (ROUTES[pathname] !== method) throw new HttpError(405, `${method} not allowed on ${pathname}`);

    if (pathname === '/health') return sendJson(res, 200, { ready: true });

    if (pathname === '/code') {
      const body = await readBody(req, maxCodeBytes);
      let summary;
      try {
        summary = extractTar(body, codeRoot);
      } catch (err) {
        if (err instanceof BadArchiveError) throw new HttpError(400, `bad code archive: ${err.message}`);
        throw new HttpError(500, `failed to unpack code archive: ${errorText(err)}`);
      }
      return sendJson(res, 200, summary);
    }

    const request = await readJson(req, maxJsonBytes, errorText);
    if (pathname === '/init') return sendJson(res, 200, await init(request, res));
    if (typeof request.requestId !== 'string' || request.requestId === '') {
      throw new HttpError(400, 'requestId must be a non-empty string');
    }
    return sendJson(res, 200, await invoke(request, res));
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      const status = err instanceof HttpError ? err.status : 500;
      sendJson(res, status, { errorMessage: errorText(err) });
    });
  });
  // Longer than typical client pool idle times so the invoker can reuse connections.
  server.keepAliveTimeout = 65 * 1000;
  server.headersTimeout = 66 * 1000;
  server.requestTimeout = 0;

  const rawPort = process.env.BOOTSTRAP_PORT;
  const port = rawPort !== undefined && rawPort !== '' ? Number(rawPort) : DEFAULT_PORT;
  const host = process.env.BOOTSTRAP_HOST || '0.0.0.0';
  server.listen(port, host, () => onListening(host, server.address().port));
  return server;
}

module.exports = { HttpError, readBody, sendJson, serveProtocol };
