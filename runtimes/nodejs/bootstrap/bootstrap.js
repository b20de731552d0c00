'use strict';
/**
 * OpenFunctionGraph Node.js runtime bootstrap.
 *
 * Implements the invoker <-> container wire protocol of libs/contracts/src/runtime/runtime-protocol.ts:
 *   GET /health, PUT /code (uncompressed tar), POST /init, POST /invoke.
 * Plain CommonJS with node: builtins only, so it runs on a bare Node 20 binary with no node_modules.
 */
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const crypto = require('node:crypto');
const { AsyncLocalStorage } = require('node:async_hooks');
const { pathToFileURL } = require('node:url');

// runtimes/shared: the image copies it beside the bootstrap's folder; the repository has it two levels up.
const SHARED_DIR = ['../shared', '../../shared']
  .map((relative) => path.join(__dirname, relative))
  .find((dir) => fs.existsSync(path.join(dir, 'protocol-server.js')));
const { HttpError, serveProtocol } = require(`${SHARED_DIR}/protocol-server`);

const DEFAULT_CODE_ROOT = '/opt/function/code';
const LOG_CAP_BYTES = 1024 * 1024;
// Room kept for the Start/Finish lines and the truncation marker so a whole log stays within LOG_CAP_BYTES.
const LOG_BODY_CAP_BYTES = LOG_CAP_BYTES - 1024;
const MAX_JSON_BODY_BYTES = envInt('RUNTIME_MAX_REQUEST_BYTES', 64 * 1024 * 1024);
const MAX_CODE_BODY_BYTES = envInt('RUNTIME_MAX_CODE_BYTES', 1024 * 1024 * 1024);
// FunctionGraph caps initializer_timeout at 300 s; the invoker always sends its own value.
const DEFAULT_INITIALIZER_TIMEOUT_MS = 300 * 1000;
// The OTC reference context falls back to 3000 ms when RUNTIME_TIMEOUT is unset.
const DEFAULT_INVOKE_TIMEOUT_MS = 3000;
const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

// Captured once: /init may carry RUNTIME_CODE_ROOT again, but the code was already unpacked here.
const CODE_ROOT = path.resolve(process.env.RUNTIME_CODE_ROOT || DEFAULT_CODE_ROOT);

const als = new AsyncLocalStorage();
const realStdoutWrite = process.stdout.write.bind(process.stdout);
const realStderrWrite = process.stderr.write.bind(process.stderr);

function envInt(name, fallback) {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

function isoNow() {
  return new Date().toISOString();
}

// ---------------------------------------------------------------------------------------------
// Per-request log capture
// ---------------------------------------------------------------------------------------------

/** Bounded log of one request: keeps the newest LOG_BODY_CAP_BYTES bytes and counts what it dropped. */
class LogBuffer {
  constructor(capBytes) {
    this.capBytes = capBytes;
    this.chunks = [];
    this.sizes = [];
    this.bytes = 0;
    this.dropped = 0;
    this.closed = false;
  }

  append(text) {
    if (this.closed || !text) return;
    let chunk = text;
    let size = Buffer.byteLength(chunk);
    if (size > this.capBytes) {
      // One oversized write: keep only its tail.
      const buf = Buffer.from(chunk);
      const tail = sliceTail(buf, this.capBytes);
      this.dropped += size - tail.length;
      chunk = tail.toString('utf8');
      size = tail.length;
    }
    this.chunks.push(chunk);
    this.sizes.push(size);
    this.bytes += size;
    while (this.bytes > this.capBytes && this.chunks.length > 1) {
      this.chunks.shift();
      const headSize = this.sizes.shift();
      this.bytes -= headSize;
      this.dropped += headSize;
    }
  }

  close() {
    this.closed = true;
  }

  toString() {
    let text = this.chunks.join('');
    let dropped = this.dropped;
    if (this.bytes > this.capBytes) {
      const buf = Buffer.from(text);
      const tail = sliceTail(buf, this.capBytes);
      dropped += buf.length - tail.length;
      text = tail.toString('utf8');
    }
    return dropped > 0 ? `[log truncated: ${dropped} bytes dropped]\n${text}` : text;
  }
}

/** Last `cap` bytes of buf, starting on a UTF-8 character boundary. */
function sliceTail(buf, cap) {
  if (buf.length <= cap) return buf;
  let start = buf.length - cap;
  while (start < buf.length && (buf[start] & 0xc0) === 0x80) start++;
  return buf.subarray(start);
}

function chunkToString(chunk, encoding) {
  if (typeof chunk === 'string') {
    if (typeof encoding === 'string' && !/^utf-?8$/i.test(encoding) && Buffer.isEncoding(encoding)) {
      return Buffer.from(chunk, encoding).toString('utf8');
    }
    return chunk;
  }
  if (chunk instanceof Uint8Array) {
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  }
  return String(chunk);
}

function patchStream(stream, realWrite) {
  stream.write = function write(chunk, encoding, callback) {
    const store = als.getStore();
    if (store) store.log.append(chunkToString(chunk, encoding));
    return realWrite(chunk, encoding, callback);
  };
  // A closed stdout pipe must not take the whole runtime down.
  stream.on('error', () => undefined);
}

function installLogCapture() {
  patchStream(process.stdout, realStdoutWrite);
  patchStream(process.stderr, realStderrWrite);
  // console.* format once and go through the patched streams, so each line is captured exactly once.
  const targets = { log: 'stdout', info: 'stdout', debug: 'stdout', warn: 'stderr', error: 'stderr' };
  for (const [method, streamName] of Object.entries(targets)) {
    console[method] = function consoleWrite(...args) {
      process[streamName].write(`${util.format(...args)}\n`);
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

function errorName(err) {
  if (err && typeof err === 'object' && typeof err.name === 'string' && err.name) return err.name;
  return 'Error';
}

function errorText(err) {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && typeof err.message === 'string') return err.message;
  try {
    const json = JSON.stringify(err);
    return json === undefined ? String(err) : json;
  } catch {
    return util.inspect(err);
  }
}

function stackLines(err) {
  if (!err || typeof err !== 'object' || typeof err.stack !== 'string') return [];
  return err.stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
}

function invocationError(err) {
  return {
    errorMessage: `function invocation exception, error: ${errorText(err)}`,
    errorType: errorName(err),
    stackTrace: stackLines(err),
  };
}

function entryError(err) {
  return { errorMessage: `function entry exception, error: ${errorText(err)}`, errorType: errorName(err) };
}

function initializationError(err) {
  return {
    errorMessage: `function initialization exception: ${errorText(err)}`,
    errorType: errorName(err),
    stackTrace: stackLines(err),
  };
}

/** A failure of the runtime itself (bad handler string, missing module or export), already in wire shape. */
class RuntimeFailure extends Error {
  constructor(errorType, message, cause) {
    super(message);
    this.name = 'RuntimeFailure';
    this.wire = { errorMessage: message, errorType, stackTrace: stackLines(cause) };
  }
}

// A handler error must never end the process: fail the request it belongs to, otherwise just log it.
function failCurrentRequest(kind, err) {
  const store = als.getStore();
  const consumed = store && store.fail ? store.fail(err) : false;
  if (!consumed) {
    const detail = err instanceof Error && err.stack ? err.stack : errorText(err);
    realStderrWrite(`${isoNow()} ${kind} outside a running request: ${detail}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Context object (contract section 5.3)
// ---------------------------------------------------------------------------------------------

let userDataCache = { raw: undefined, value: {} };

function userData() {
  const raw = process.env.RUNTIME_USERDATA;
  if (raw !== userDataCache.raw) {
    let value = {};
    try {
      const parsed = raw ? JSON.parse(raw) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) value = parsed;
    } catch {
      value = {};
    }
    userDataCache = { raw, value };
  }
  return userDataCache.value;
}

function createLogger(requestId, log) {
  const configured = String(process.env.RUNTIME_LOG_LEVEL || 'INFO').toUpperCase();
  let threshold = LOG_LEVELS[configured] || LOG_LEVELS.INFO;
  const emit = (level, args) => {
    if (LOG_LEVELS[level] < threshold) return;
    const line = `${isoNow()} ${requestId} ${level} ${util.format(...args)}\n`;
    // Written straight into this request's log: correct even if the caller lost the async context.
    log.append(line);
    realStdoutWrite(line);
  };
  return {
    debug: (...args) => emit('DEBUG', args),
    info: (...args) => emit('INFO', args),
    warn: (...args) => emit('WARN', args),
    error: (...args) => emit('ERROR', args),
    setLevel: (level) => {
      const wanted = LOG_LEVELS[String(level).toUpperCase()];
      if (wanted) threshold = wanted;
    },
  };
}

function createContext({ requestId, timeoutMs, startMs, credentials, alias, log }) {
  const env = process.env;
  const creds = credentials && typeof credentials === 'object' ? credentials : {};
  const logger = createLogger(requestId, log);
  const text = (value) => (typeof value === 'string' ? value : '');
  // Closures rather than methods on a prototype: handlers often destructure the context.
  return {
    getRequestID: () => requestId,
    getRemainingTimeInMilliSeconds: () => timeoutMs + startMs - Date.now(),
    // Deprecated upstream ("no longer maintained"); the platform never hands out permanent AK/SK.
    getAccessKey: () => '',
    getSecretKey: () => '',
    getSecurityAccessKey: () => text(creds.accessKey),
    getSecuritySecretKey: () => text(creds.secretKey),
    getSecurityToken: () => text(creds.securityToken),
    getToken: () => text(creds.authToken),
    getUserData: (key) => {
      const data = userData();
      return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : env[key];
    },
    getFunctionName: () => env.RUNTIME_FUNC_NAME || '',
    // Choice: the configured timeout in seconds, as the name says (RUNTIME_TIMEOUT is seconds). The OTC
    // reference returns RUNTIME_TIMEOUT * 1000 here; without RUNTIME_TIMEOUT we derive it from this request.
    getRunningTimeInSeconds: () => {
      const seconds = Number(env.RUNTIME_TIMEOUT);
      return Number.isFinite(seconds) && seconds > 0 ? seconds : timeoutMs / 1000;
    },
    getVersion: () => env.RUNTIME_FUNC_VERSION || 'latest',
    // Strings, as in the OTC reference context (RUNTIME_MEMORY / RUNTIME_CPU are strings).
    getMemorySize: () => env.RUNTIME_MEMORY || '0',
    getCPUNumber: () => env.RUNTIME_CPU || '0',
    getPackage: () => env.RUNTIME_PACKAGE || '',
    getProjectID: () => env.RUNTIME_PROJECT_ID || '',
    getAlias: () => (typeof alias === 'string' ? alias : ''),
    getLogger: () => logger,
    getWorkflowID: () => '',
    getWorkflowRunID: () => '',
    getWorkflowStateID: () => '',
  };
}

// ---------------------------------------------------------------------------------------------
// Handler loading
// ---------------------------------------------------------------------------------------------

function parseHandlerSpec(spec, what) {
  const dot = typeof spec === 'string' ? spec.lastIndexOf('.') : -1;
  if (dot <= 0 || dot === spec.length - 1 || spec.lastIndexOf('/') > dot) {
    throw new RuntimeFailure('InvalidHandler', `invalid ${what} '${spec}': expected <file>.<export>`);
  }
  return { modulePath: spec.slice(0, dot), exportName: spec.slice(dot + 1) };
}

async function requireOrImport(base) {
  let resolved;
  try {
    resolved = require.resolve(base);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && fs.existsSync(`${base}.mjs`)) {
      return import(pathToFileURL(`${base}.mjs`).href);
    }
    throw err;
  }
  try {
    return require(resolved);
  } catch (err) {
    // ES modules that require() cannot load (older Node, or top-level await) go through import().
    if (err && (err.code === 'ERR_REQUIRE_ESM' || err.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
      return import(pathToFileURL(resolved).href);
    }
    throw err;
  }
}

/** Loads `file.export` relative to the code root and returns the exported function. */
async function loadExport(spec, what) {
  const { modulePath, exportName } = parseHandlerSpec(spec, what);
  const base = path.resolve(CODE_ROOT, modulePath);
  if (!base.startsWith(CODE_ROOT + path.sep)) {
    throw new RuntimeFailure('ImportModuleError', `${what} module '${modulePath}' is outside the code root`);
  }
  let mod;
  try {
    mod = await requireOrImport(base);
  } catch (err) {
    throw new RuntimeFailure(
      'ImportModuleError',
      `failed to import module '${modulePath}' for ${what} '${spec}': ${errorText(err)}`,
      err,
    );
  }
  let fn = mod ? mod[exportName] : undefined;
  if (fn === undefined && mod && mod.default && typeof mod.default === 'object') fn = mod.default[exportName];
  if (typeof fn !== 'function') {
    throw new RuntimeFailure(
      'HandlerNotFound',
      `${what} '${spec}' not found: module '${modulePath}' has no exported function '${exportName}'`,
    );
  }
  return fn;
}

function isThenable(value) {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof value.then === 'function'
  );
}

/**
 * Calls fn inside the store's async context and settles with whichever comes first:
 * callback, returned promise, a plain return value, an uncaught error of this context, or the timeout.
 */
function runUserFunction({
  fn,
  args,
  store,
  timeoutMs,
  callbackArity,
  onCallbackError,
  onThrow,
  timeoutError,
}) {
  return new Promise((resolve) => {
    let settled = false;
    let timer = null;
    const settle = (outcome) => {
      if (settled) return false;
      settled = true;
      if (timer) clearTimeout(timer);
      store.log.close();
      resolve(outcome);
      return true;
    };
    store.fail = (err) => {
      if (settled) return false;
      store.log.append(
        `${isoNow()} ${store.requestId} ERROR uncaught: ${err instanceof Error && err.stack ? err.stack : errorText(err)}\n`,
      );
      return settle({ ok: false, error: onThrow(err) });
    };
    // setTimeout fires at once for delays above 2^31-1 ms, so clamp.
    if (timeoutMs > 0)
      timer = setTimeout(() => settle({ ok: false, error: timeoutError }), Math.min(timeoutMs, 0x7fffffff));
    const callback = (err, data) => {
      if (err !== null && err !== undefined) settle({ ok: false, error: onCallbackError(err) });
      else settle({ ok: true, value: data });
    };
    als.run(store, () => {
      let returned;
      try {
        returned = fn(...args, callback);
      } catch (err) {
        settle({ ok: false, error: onThrow(err) });
        return;
      }
      if (isThenable(returned)) {
        try {
          returned.then(
            (value) => settle({ ok: true, value }),
            (err) => settle({ ok: false, error: onThrow(err) }),
          );
        } catch (err) {
          settle({ ok: false, error: onThrow(err) });
        }
      } else if (returned !== undefined || fn.length < callbackArity) {
        // A sync function that returned, or one that does not declare the callback and so cannot call it.
        settle({ ok: true, value: returned });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Init
// ---------------------------------------------------------------------------------------------

let handlerFn = null;
let initFailure = null;
let initInFlight = null;

function durationSince(startNs) {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

async function runInit(request) {
  const startNs = process.hrtime.bigint();
  const env =
    request.env && typeof request.env === 'object' && !Array.isArray(request.env) ? request.env : {};
  Object.assign(process.env, env);
  process.env.RUNTIME_CODE_ROOT = CODE_ROOT;
  if (typeof request.handler === 'string' && request.handler) process.env.RUNTIME_HANDLER = request.handler;

  const requestId = crypto.randomUUID();
  const store = { requestId, log: new LogBuffer(LOG_BODY_CAP_BYTES), fail: null };
  const finish = (error) => {
    store.log.close();
    const response = { ok: !error, durationMs: round3(durationSince(startNs)), log: store.log.toString() };
    if (error) response.error = error;
    return response;
  };

  let fn;
  let initializer = null;
  try {
    // Module top-level code runs here, so its output belongs to the init log.
    fn = await als.run(store, () => loadExport(request.handler, 'handler'));
    if (request.initializer)
      initializer = await als.run(store, () => loadExport(request.initializer, 'initializer'));
  } catch (err) {
    if (err instanceof RuntimeFailure) return finish(err.wire);
    return finish(initializationError(err));
  }

  if (initializer) {
    const timeoutMs =
      Number(request.initializerTimeoutMs) > 0
        ? Number(request.initializerTimeoutMs)
        : envInt('RUNTIME_INITIALIZER_TIMEOUT', 0) * 1000 || DEFAULT_INITIALIZER_TIMEOUT_MS;
    const context = createContext({ requestId, timeoutMs, startMs: Date.now(), log: store.log });
    const outcome = await runUserFunction({
      fn: initializer,
      args: [context],
      store,
      timeoutMs,
      callbackArity: 2,
      onCallbackError: initializationError,
      onThrow: initializationError,
      timeoutError: {
        errorMessage: `function initialization exception: initializer timed out after ${timeoutMs}ms`,
        errorType: 'InitializerTimeout',
      },
    });
    if (!outcome.ok) return finish(outcome.error);
  }
  handlerFn = fn;
  return finish(null);
}

function handleInit(request) {
  if (handlerFn) return Promise.resolve({ ok: true, durationMs: 0, log: '' });
  // Concurrent /init calls share one attempt; a failed attempt may be retried by the next /init.
  if (!initInFlight) {
    initInFlight = runInit(request)
      .then((response) => {
        initFailure = response.ok ? null : response.error;
        return response;
      })
      .finally(() => {
        initInFlight = null;
      });
  }
  return initInFlight;
}

/** The handler for an invocation; runs an implicit init from RUNTIME_HANDLER when /init was never called. */
async function ensureHandler() {
  if (handlerFn) return { fn: handlerFn, log: '' };
  let log = '';
  if (initInFlight) {
    await initInFlight;
  } else if (!initFailure) {
    const response = await handleInit({
      handler: process.env.RUNTIME_HANDLER || 'index.handler',
      initializer: process.env.RUNTIME_INITIALIZER || undefined,
      env: {},
    });
    log = response.log;
  }
  if (handlerFn) return { fn: handlerFn, log };
  return {
    error: initFailure || { errorMessage: 'function is not initialized', errorType: 'InitError' },
    log,
  };
}

// ---------------------------------------------------------------------------------------------
// Invoke
// ---------------------------------------------------------------------------------------------

function parseEvent(event) {
  if (typeof event !== 'string') return event === undefined ? {} : event;
  try {
    return JSON.parse(event);
  } catch {
    return event;
  }
}

function serializeResult(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json === undefined ? '' : json;
}

async function handleInvoke(request) {
  const startNs = process.hrtime.bigint();
  const startMs = Date.now();
  const requestId = request.requestId;
  const timeoutMs =
    Number(request.timeoutMs) > 0
      ? Number(request.timeoutMs)
      : envInt('RUNTIME_TIMEOUT', 0) * 1000 || DEFAULT_INVOKE_TIMEOUT_MS;
  const startLine = `${isoNow()} Start invoke request '${requestId}', version: ${process.env.RUNTIME_FUNC_VERSION || 'latest'}\n`;
  realStdoutWrite(startLine);
  const store = { requestId, log: new LogBuffer(LOG_BODY_CAP_BYTES), fail: null };

  const loaded = await ensureHandler();
  store.log.append(loaded.log);
  let outcome;
  if (loaded.error) {
    store.log.close();
    outcome = { ok: false, error: loaded.error };
  } else {
    const context = createContext({
      requestId,
      timeoutMs,
      startMs,
      credentials: request.credentials,
      alias: request.alias,
      log: store.log,
    });
    outcome = await runUserFunction({
      fn: loaded.fn,
      args: [parseEvent(request.event), context],
      store,
      timeoutMs,
      callbackArity: 3,
      onCallbackError: entryError,
      onThrow: invocationError,
      timeoutError: {
        errorMessage: `function invocation exception, error: invocation timed out after ${timeoutMs}ms`,
        errorType: 'TimeoutError',
      },
    });
  }

  let result;
  if (outcome.ok) {
    try {
      result = serializeResult(outcome.value);
    } catch (err) {
      outcome = { ok: false, error: invocationError(err) };
    }
  }
  const durationMs = durationSince(startNs);
  const memoryUsedMb = round3(process.memoryUsage.rss() / (1024 * 1024));
  const finishLine =
    `${isoNow()} Finish invoke request '${requestId}', duration: ${durationMs.toFixed(3)}ms, ` +
    `billing duration: ${Math.ceil(durationMs)}ms, memory used: ${memoryUsedMb.toFixed(3)}MB, ` +
    `billing memory: ${process.env.RUNTIME_MEMORY || '0'}MB\n`;
  realStdoutWrite(finishLine);

  const response = {
    status: outcome.ok ? 'success' : 'error',
    log: startLine + store.log.toString() + finishLine,
    durationMs: round3(durationMs),
    memoryUsedMb,
  };
  if (outcome.ok) response.result = result;
  else response.error = outcome.error;
  return response;
}

// ---------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------

function routeInit(request) {
  if (typeof request.handler !== 'string' || request.handler === '') {
    throw new HttpError(400, 'handler must be a non-empty string');
  }
  return handleInit(request);
}

function start() {
  installLogCapture();
  process.on('uncaughtException', (err) => failCurrentRequest('uncaught exception', err));
  process.on('unhandledRejection', (reason) => failCurrentRequest('unhandled rejection', reason));
  // PID 1 in a container gets no default signal handling.
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));

  serveProtocol({
    codeRoot: CODE_ROOT,
    maxCodeBytes: MAX_CODE_BODY_BYTES,
    maxJsonBytes: MAX_JSON_BODY_BYTES,
    errorText,
    init: routeInit,
    invoke: handleInvoke,
    onListening: (host, port) => {
      realStdoutWrite(`${isoNow()} bootstrap listening on ${host}:${port}, code root ${CODE_ROOT}\n`);
    },
  });
}

start();
