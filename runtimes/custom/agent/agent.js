'use strict';
/**
 * OpenFunctionGraph agent for functions that bring their own process: Custom runtimes (a `bootstrap` polling the
 * runtime API, contract section 5.8), HTTP functions (a `bootstrap` serving 127.0.0.1:8000, section 5.9) and container
 * images (the image's command serving 127.0.0.1:8000; POST /invoke and /init for event functions).
 *
 * Speaks the invoker <-> container protocol of libs/contracts/src/runtime/runtime-protocol.ts on BOOTSTRAP_PORT:
 *   GET /health, PUT /code (uncompressed tar), POST /init (starts the function process), POST /invoke.
 * Plain CommonJS with node: builtins only; it also runs inside users' images, started through its own loader.
 */
const fs = require('node:fs');
const path = require('node:path');
const { LogBuffer } = require('./log-buffer');
const { SHARED_DIR } = require('./shared-dir');
const { HttpError, serveProtocol } = require(`${SHARED_DIR}/protocol-server`);
const {
  FunctionProcess,
  StartFailure,
  bootstrapCommand,
  describeExit,
  exitStatus,
} = require('./function-process');
const { RuntimeApi } = require('./runtime-api');
const upstream = require('./upstream');

const CODE_ROOT = path.resolve(process.env.RUNTIME_CODE_ROOT || '/opt/function/code');
const UPSTREAM_HOST = '127.0.0.1';
// 8000 is the only port FunctionGraph lets an HTTP function use; tests move it to stay off each other's ports.
const UPSTREAM_PORT = envInt('OFG_AGENT_UPSTREAM_PORT', 8000);
const READY_TIMEOUT_MS = envInt('OFG_AGENT_READY_TIMEOUT_MS', 25_000);
// Room kept for the Start/Finish lines and the truncation marker, as in the Node.js runtime.
const LOG_CAP_BYTES = 1024 * 1024 - 1024;
const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;
const MAX_CODE_BODY_BYTES = 1024 * 1024 * 1024;
const DEFAULT_INVOKE_TIMEOUT_MS = 3000;
const DEFAULT_INITIALIZER_TIMEOUT_MS = 300 * 1000;
// How long a failed connection waits for the process's exit to be reported, to name the real cause.
const EXIT_NOTICE_MS = 200;
/** Runtime name -> how the agent talks to the function process. */
const MODES = { Custom: 'runtime-api', http: 'http', 'Custom Image': 'event' };
/** Variables that configure the agent itself and are not the function's business. */
const AGENT_ONLY_ENV = [
  'BOOTSTRAP_PORT',
  'BOOTSTRAP_HOST',
  'OFG_AGENT_COMMAND',
  'OFG_AGENT_UPSTREAM_PORT',
  'OFG_AGENT_READY_TIMEOUT_MS',
];

/** The image's command (JSON argv) for container-image functions; absent when the code package has a `bootstrap`. */
const IMAGE_COMMAND = parseCommand(process.env.OFG_AGENT_COMMAND);

const state = {
  mode: null,
  env: null,
  proc: null,
  api: null,
  ready: false,
  initInFlight: null,
  initFailure: null,
  /** Set once the function process died after a successful init; the agent exits once an invocation reported it. */
  dead: null,
  deathReported: false,
  oomKillsAtStart: 0,
  invocations: 0,
};
/** Logs that currently receive the function process's output: the init log, then each running invocation's. */
const listeners = new Set();

function envInt(name, fallback) {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

function parseCommand(raw) {
  if (raw === undefined || raw === '') return undefined;
  const parsed = JSON.parse(raw);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error('OFG_AGENT_COMMAND must be a JSON array of strings');
  }
  return parsed;
}

function isoNow() {
  return new Date().toISOString();
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

function durationSince(startNs) {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}

/** The function process writes to the container log and to every log listening right now. */
function onOutput(text) {
  process.stdout.write(text);
  for (const log of listeners) log.append(text);
}

/** Memory of the whole container (cgroup v2 or v1), or the agent's own RSS outside a container. */
function memoryUsedMb() {
  for (const file of ['/sys/fs/cgroup/memory.current', '/sys/fs/cgroup/memory/memory.usage_in_bytes']) {
    try {
      const bytes = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isFinite(bytes) && bytes > 0) return round3(bytes / (1024 * 1024));
    } catch {
      // not this cgroup layout
    }
  }
  return round3(process.memoryUsage.rss() / (1024 * 1024));
}

function timeoutError(timeoutMs) {
  return {
    errorMessage: `function invocation exception, error: invocation timed out after ${timeoutMs}ms`,
    errorType: 'TimeoutError',
  };
}

/** OOM kills the container's cgroup has seen (v2 memory.events, v1 memory.oom_control); 0 when unreadable. */
function oomKills() {
  for (const file of ['/sys/fs/cgroup/memory.events', '/sys/fs/cgroup/memory/memory.oom_control']) {
    try {
      const match = /^oom_kill (\d+)$/m.exec(fs.readFileSync(file, 'utf8'));
      if (match) return Number(match[1]);
    } catch {
      // not this cgroup layout
    }
  }
  return 0;
}

function exitError(proc) {
  state.deathReported = true;
  // The kernel killed it for the container's memory limit: say so, as the other runtimes do.
  if (proc.exit.signal === 'SIGKILL' && oomKills() > state.oomKillsAtStart) {
    return { errorMessage: 'runtime memory limit exceeded', errorType: 'OutOfMemoryError' };
  }
  return {
    errorMessage: `runtime process exited unexpectedly (${describeExit(proc.exit)})${proc.outputTail()}`,
    errorType: 'RuntimeExitError',
  };
}

// ---------------------------------------------------------------------------------------------
// Init: start the function process
// ---------------------------------------------------------------------------------------------

/** Process environment of the function: the agent's base (PATH, HOME, image variables) plus the init variables. */
function functionEnv(initEnv) {
  const env = { ...process.env };
  for (const name of AGENT_ONLY_ENV) delete env[name];
  if (initEnv && typeof initEnv === 'object' && !Array.isArray(initEnv)) {
    for (const [name, value] of Object.entries(initEnv)) env[name] = String(value);
  }
  env.RUNTIME_CODE_ROOT = CODE_ROOT;
  return env;
}

async function runInit(request) {
  const startNs = process.hrtime.bigint();
  const log = new LogBuffer(LOG_CAP_BYTES);
  listeners.add(log);
  const finish = (error) => {
    listeners.delete(log);
    log.close();
    const response = { ok: !error, durationMs: round3(durationSince(startNs)), log: log.toString() };
    if (error) response.error = error;
    return response;
  };
  const mode = MODES[request.runtime];
  const env = functionEnv(request.env);
  let proc = null;
  let api = null;
  try {
    const argv = IMAGE_COMMAND || bootstrapCommand(CODE_ROOT);
    if (argv.length === 0) {
      throw new StartFailure(
        'RuntimeStartError',
        'function initialization exception: the image has no ENTRYPOINT or CMD and custom_image.command is empty',
      );
    }
    if (mode === 'runtime-api') {
      api = new RuntimeApi();
      env.RUNTIME_API_ADDR = await api.listen();
    }
    state.oomKillsAtStart = oomKills();
    proc = new FunctionProcess({ argv, cwd: IMAGE_COMMAND ? process.cwd() : CODE_ROOT, env, onOutput });
    await proc.start();
    if (mode === 'runtime-api') await waitForFirstPoll(api, proc);
    else await proc.waitForPort(UPSTREAM_HOST, UPSTREAM_PORT, READY_TIMEOUT_MS);
    if (mode === 'event' && request.initializer) await callImageInitializer(request, env);
  } catch (err) {
    if (proc) proc.stop();
    if (api) api.close();
    if (err instanceof StartFailure) return finish({ errorMessage: err.message, errorType: err.errorType });
    return finish({
      errorMessage: `function initialization exception: ${errorText(err)}`,
      errorType: 'InitializationError',
    });
  }
  Object.assign(state, { mode, env, proc, api, ready: true });
  proc.exited.then(() => onProcessExit(proc));
  return finish(null);
}

/**
 * A bootstrap that dies before it ever polls fails the init with its output; one that is slow to start is given the
 * benefit of the doubt after READY_TIMEOUT_MS (events wait in the queue, bounded by their own timeout).
 */
async function waitForFirstPoll(api, proc) {
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(resolve, READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([api.firstPoll, proc.exited, slow]);
  } finally {
    clearTimeout(timer);
  }
  if (proc.exit) {
    throw new StartFailure(
      'RuntimeExitError',
      `function initialization exception: bootstrap exited (${describeExit(proc.exit)}) before polling the runtime API${proc.outputTail()}`,
    );
  }
}

/** A container image's event function initialises through POST /init on its own server. */
async function callImageInitializer(request, env) {
  const timeoutMs =
    Number(request.initializerTimeoutMs) > 0
      ? Number(request.initializerTimeoutMs)
      : DEFAULT_INITIALIZER_TIMEOUT_MS;
  let answer;
  try {
    answer = await upstream.callUpstream({
      host: UPSTREAM_HOST,
      port: UPSTREAM_PORT,
      method: 'POST',
      path: '/init',
      headers: upstream.cffHeaders(env, { requestId: `init-${process.pid}` }),
      body: Buffer.alloc(0),
      timeoutMs,
    });
  } catch (err) {
    if (err instanceof upstream.UpstreamTimeout) {
      throw new StartFailure(
        'InitializerTimeout',
        `function initialization exception: initializer timed out after ${timeoutMs}ms`,
      );
    }
    throw err;
  }
  if (answer.statusCode < 200 || answer.statusCode > 299) {
    throw new StartFailure(
      'InitializationError',
      `function initialization exception: POST /init answered HTTP ${answer.statusCode}: ${answer.body.toString('utf8').slice(0, 1000)}`,
    );
  }
}

function handleInit(request) {
  if (state.ready) return Promise.resolve({ ok: true, durationMs: 0, log: '' });
  // Concurrent /init calls share one attempt; a failed attempt may be retried by the next /init.
  if (!state.initInFlight) {
    state.initInFlight = runInit(request)
      .then((response) => {
        state.initFailure = response.ok ? null : response.error;
        return response;
      })
      .finally(() => {
        state.initInFlight = null;
      });
  }
  return state.initInFlight;
}

/** The function process died after init: open invocations fail, and the agent leaves so the instance is replaced. */
function onProcessExit(proc) {
  if (state.proc !== proc || !state.ready) return;
  state.ready = false;
  state.dead = proc;
  process.stdout.write(`${isoNow()} function process exited (${describeExit(proc.exit)})\n`);
  if (state.api && state.api.hasOpenInvocations())
    state.api.abandonAll({ ok: false, error: exitError(proc) });
  exitWhenIdle();
}

/** Leaves (so the container stops and the pool replaces the instance) once the death was told to a caller. */
function exitWhenIdle() {
  if (state.dead && state.deathReported && state.invocations === 0) process.exit(exitStatus(state.dead.exit));
}

// ---------------------------------------------------------------------------------------------
// Invoke
// ---------------------------------------------------------------------------------------------

async function invokeRuntimeApi(request, timeoutMs) {
  const api = state.api;
  const timer = setTimeout(
    () => api.abandon(request.requestId, { ok: false, error: timeoutError(timeoutMs) }),
    timeoutMs,
  );
  try {
    const outcome = await api.dispatch({
      requestId: request.requestId,
      event: typeof request.event === 'string' ? request.event : JSON.stringify(request.event ?? {}),
      credentials: request.credentials,
    });
    return outcome.ok ? { ok: true, result: outcome.result } : outcome;
  } finally {
    clearTimeout(timer);
  }
}

async function invokeUpstream(request, timeoutMs) {
  const eventText = typeof request.event === 'string' ? request.event : JSON.stringify(request.event ?? {});
  const cff = upstream.cffHeaders(state.env, request);
  const call =
    state.mode === 'http'
      ? upstream.requestFromEvent(eventText)
      : {
          method: 'POST',
          path: '/invoke',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(eventText, 'utf8'),
        };
  const proc = state.proc;
  let answer;
  try {
    answer = await upstream.callUpstream({
      host: UPSTREAM_HOST,
      port: UPSTREAM_PORT,
      method: call.method,
      path: call.path,
      headers: upstream.mergeHeaders(call.headers, cff),
      body: call.body,
      timeoutMs,
    });
  } catch (err) {
    if (err instanceof upstream.UpstreamTimeout) return { ok: false, error: timeoutError(timeoutMs) };
    await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, EXIT_NOTICE_MS))]);
    if (proc.exit) return { ok: false, error: exitError(proc) };
    return {
      ok: false,
      error: {
        errorMessage: `function invocation exception, error: ${errorText(err)}`,
        errorType: 'UpstreamError',
      },
    };
  }
  if (state.mode === 'http') return { ok: true, result: JSON.stringify(upstream.apigResponse(answer)) };
  const text = answer.body.toString('utf8');
  if (answer.statusCode >= 200 && answer.statusCode <= 299) return { ok: true, result: text };
  return {
    ok: false,
    error: {
      errorMessage: `function invocation exception, error: POST /invoke answered HTTP ${answer.statusCode}: ${text.slice(0, 1000)}`,
      errorType: 'FunctionError',
    },
  };
}

async function handleInvoke(request) {
  const startNs = process.hrtime.bigint();
  const requestId = request.requestId;
  const timeoutMs =
    Number(request.timeoutMs) > 0
      ? Number(request.timeoutMs)
      : envInt('RUNTIME_TIMEOUT', 0) * 1000 || DEFAULT_INVOKE_TIMEOUT_MS;
  const version = (state.env && state.env.RUNTIME_FUNC_VERSION) || 'latest';
  const startLine = `${isoNow()} Start invoke request '${requestId}', version: ${version}\n`;
  process.stdout.write(startLine);
  const log = new LogBuffer(LOG_CAP_BYTES);
  listeners.add(log);
  state.invocations += 1;
  let outcome;
  try {
    if (state.dead) outcome = { ok: false, error: exitError(state.dead) };
    else if (!state.ready)
      outcome = {
        ok: false,
        error: state.initFailure || { errorMessage: 'function is not initialized', errorType: 'InitError' },
      };
    else if (state.mode === 'runtime-api') outcome = await invokeRuntimeApi(request, timeoutMs);
    else outcome = await invokeUpstream(request, timeoutMs);
  } catch (err) {
    outcome = {
      ok: false,
      error: {
        errorMessage: `function invocation exception, error: ${errorText(err)}`,
        errorType: 'RuntimeError',
      },
    };
  } finally {
    // Output the function wrote before answering can still sit in this poll phase, behind the answer's callback.
    await new Promise((resolve) => setImmediate(resolve));
    listeners.delete(log);
    log.close();
  }
  const durationMs = durationSince(startNs);
  const memory = memoryUsedMb();
  const finishLine =
    `${isoNow()} Finish invoke request '${requestId}', duration: ${durationMs.toFixed(3)}ms, ` +
    `billing duration: ${Math.ceil(durationMs)}ms, memory used: ${memory.toFixed(3)}MB, ` +
    `billing memory: ${(state.env && state.env.RUNTIME_MEMORY) || '0'}MB\n`;
  process.stdout.write(finishLine);
  const response = {
    status: outcome.ok ? 'success' : 'error',
    log: startLine + log.toString() + finishLine,
    durationMs: round3(durationMs),
    memoryUsedMb: memory,
  };
  if (outcome.ok) response.result = outcome.result;
  else response.error = outcome.error;
  return response;
}

// ---------------------------------------------------------------------------------------------
// HTTP server of the invoker protocol
// ---------------------------------------------------------------------------------------------

function routeInit(request) {
  if (!Object.prototype.hasOwnProperty.call(MODES, request.runtime)) {
    throw new HttpError(
      400,
      `runtime must be one of ${Object.keys(MODES).join(', ')}; got ${JSON.stringify(request.runtime)}`,
    );
  }
  return handleInit(request);
}

async function routeInvoke(request, res) {
  let response;
  try {
    response = await handleInvoke(request);
  } catch (err) {
    state.invocations -= 1;
    throw err;
  }
  // Counted until the answer is on the wire, so a pending exit never cuts it off.
  let counted = true;
  const done = () => {
    if (!counted) return;
    counted = false;
    state.invocations -= 1;
    exitWhenIdle();
  };
  res.once('finish', done);
  res.once('close', done);
  return response;
}

function start() {
  // PID 1 in a container gets no default signal handling; the function process goes with the agent.
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (state.proc) state.proc.stop();
      process.exit(0);
    });
  }
  process.stdout.on('error', () => undefined);

  serveProtocol({
    codeRoot: CODE_ROOT,
    maxCodeBytes: MAX_CODE_BODY_BYTES,
    maxJsonBytes: MAX_JSON_BODY_BYTES,
    errorText,
    init: routeInit,
    invoke: routeInvoke,
    onListening: (host, port) => {
      const what = IMAGE_COMMAND
        ? `image command ${JSON.stringify(IMAGE_COMMAND)}`
        : `code root ${CODE_ROOT}`;
      process.stdout.write(`${isoNow()} agent listening on ${host}:${port}, ${what}\n`);
    },
  });
}

start();
