import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeInitResponse, RuntimeInvokeResponse } from '@ofg/contracts';
import { BootstrapLaunch, makeTar, TarEntry, TestRuntime } from '@ofg/testing';

const AGENT = path.resolve(__dirname, '../agent/agent.js');
const NODE = process.execPath;

const LAUNCH: BootstrapLaunch = { command: NODE, args: [AGENT], tmpPrefix: 'ofg-runtime-custom-' };

/** A runtime API loop in plain Node: what a Custom runtime's bootstrap typically runs. */
const RUNTIME_API_LOOP = `
const http = require('http');
const [host, port] = process.env.RUNTIME_API_ADDR.split(':');
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  console.log('bootstrap up as ' + process.env.RUNTIME_FUNC_NAME);
  for (;;) {
    const next = await call('GET', '/v1/runtime/invocation/request');
    const id = next.headers['x-cff-request-id'];
    const event = JSON.parse(next.body);
    console.log('handling ' + id);
    if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
    if (event.exit) process.exit(event.exit);
    if (event.fail === 'json') {
      await call('POST', '/v1/runtime/invocation/error/' + id, JSON.stringify({ errorMessage: 'bad input', errorType: 'ValidationError' }));
    } else if (event.fail === 'text') {
      await call('POST', '/v1/runtime/invocation/error/' + id, 'plain failure');
    } else {
      const answer = await call('POST', '/v1/runtime/invocation/response/' + id, JSON.stringify({
        echo: event, requestId: id, accessKey: next.headers['x-cff-access-key'] || null,
        securityToken: next.headers['x-cff-security-token'] || null, codeRoot: process.env.RUNTIME_CODE_ROOT,
        greeting: process.env.GREETING || null, cwd: process.cwd(),
      }));
      console.error('posted with status ' + answer.status);
    }
  }
})();
`;

/** An HTTP function's server: echoes what it received; listens where the test tells it. */
const ECHO_SERVER = `
const http = require('http');
const port = Number(process.env.PORT || 8000);
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    console.log('request ' + req.method + ' ' + req.url);
    if (req.url === '/crash') process.exit(3);
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 5000);
    if (req.url === '/init') { inits += 1; res.writeHead(process.env.INIT_STATUS ? Number(process.env.INIT_STATUS) : 200); return res.end('initialised'); }
    if (req.url === '/invoke' && body.includes('"reject"')) { res.writeHead(502); return res.end('rejected by the server'); }
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body, inits }));
  });
}).listen(port, '127.0.0.1', () => console.log('listening'));
let inits = 0;
`;

const runtimes: TestRuntime[] = [];
const scratchDirs: string[] = [];

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
  for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function newRuntime(env: Record<string, string> = {}): Promise<TestRuntime> {
  const runtime = await TestRuntime.start(LAUNCH, env);
  runtimes.push(runtime);
  return runtime;
}

async function upload(runtime: TestRuntime, entries: TarEntry[]): Promise<void> {
  const reply = await runtime.uploadCode(await makeTar(entries));
  expect(reply.status).toBe(200);
}

async function init(
  runtime: TestRuntime,
  runtimeName: string,
  env: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Promise<RuntimeInitResponse> {
  const reply = await runtime.request<RuntimeInitResponse>('POST', '/init', {
    handler: 'bootstrap',
    runtime: runtimeName,
    env: { RUNTIME_FUNC_NAME: 'fn-under-test', RUNTIME_MEMORY: '256', RUNTIME_TIMEOUT: '5', ...env },
    ...extra,
  });
  expect(reply.status).toBe(200);
  return reply.body;
}

function executable(name: string, content: string): TarEntry {
  return { name, content, mode: 0o755 };
}

async function customRuntime(env: Record<string, string> = {}): Promise<TestRuntime> {
  const runtime = await newRuntime();
  await upload(runtime, [
    executable('bootstrap', `#!/bin/sh\nexec "${NODE}" "$RUNTIME_CODE_ROOT/loop.js"\n`),
    { name: 'loop.js', content: RUNTIME_API_LOOP, mode: 0o644 },
  ]);
  const ready = await init(runtime, 'Custom', env);
  expect(ready).toMatchObject({ ok: true });
  return runtime;
}

function parsed(response: RuntimeInvokeResponse): Record<string, unknown> {
  expect(response.status).toBe('success');
  return JSON.parse(response.result ?? '') as Record<string, unknown>;
}

describe('runtime-custom agent', () => {
  jest.setTimeout(30_000);

  it('answers /health and refuses an /init without a runtime it serves', async () => {
    const runtime = await newRuntime();
    await expect(runtime.request('GET', '/health')).resolves.toEqual({ status: 200, body: { ready: true } });
    const refused = await runtime.request<{ errorMessage: string }>('POST', '/init', {
      handler: 'index.handler',
      runtime: 'Node.js20.15',
      env: {},
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errorMessage).toContain('runtime must be one of Custom, http, Custom Image');
  });

  describe('Custom runtime', () => {
    it('hands events to the bootstrap over the runtime API and returns what it posts', async () => {
      const runtime = await customRuntime({ GREETING: 'hi' });
      const response = await runtime.invoke(
        { name: 'first' },
        {
          requestId: 'req-custom-1',
          credentials: { accessKey: 'AK1', secretKey: 'SK1', securityToken: 'TOKEN1' },
        },
      );
      expect(parsed(response)).toEqual({
        echo: { name: 'first' },
        requestId: 'req-custom-1',
        accessKey: 'AK1',
        securityToken: 'TOKEN1',
        codeRoot: runtime.codeRoot,
        greeting: 'hi',
        cwd: runtime.codeRoot,
      });
      const lines = response.log.trim().split('\n');
      expect(lines[0]).toMatch(/Start invoke request 'req-custom-1', version: latest$/);
      expect(lines).toContain('handling req-custom-1');
      expect(lines[lines.length - 1]).toMatch(
        /Finish invoke request 'req-custom-1', duration: [\d.]+ms.*billing memory: 256MB$/,
      );

      const second = await runtime.invoke({ name: 'second' }, { requestId: 'req-custom-2' });
      expect(parsed(second)).toMatchObject({
        echo: { name: 'second' },
        requestId: 'req-custom-2',
        accessKey: null,
      });
      expect(second.log).not.toContain('handling req-custom-1');
    });

    it('returns posted errors, JSON objects as they are and text as the message', async () => {
      const runtime = await customRuntime();
      await expect(runtime.invoke({ fail: 'json' })).resolves.toMatchObject({
        status: 'error',
        error: { errorMessage: 'bad input', errorType: 'ValidationError' },
      });
      await expect(runtime.invoke({ fail: 'text' })).resolves.toMatchObject({
        status: 'error',
        error: { errorMessage: 'plain failure', errorType: 'FunctionError' },
      });
    });

    it('times out an invocation the bootstrap does not answer in time', async () => {
      const runtime = await customRuntime();
      const response = await runtime.invoke({ sleepMs: 3000 }, { requestId: 'slow-1', timeoutMs: 300 });
      expect(response).toMatchObject({
        status: 'error',
        error: {
          errorType: 'TimeoutError',
          errorMessage: expect.stringContaining('timed out after 300ms') as unknown,
        },
      });
    });

    it('reports a bootstrap that died mid-invocation, then exits so the instance is replaced', async () => {
      const runtime = await customRuntime();
      const exited = new Promise<number | null>((resolve) => runtime.proc.once('exit', resolve));
      const response = await runtime.invoke({ exit: 7 });
      expect(response).toMatchObject({
        status: 'error',
        error: {
          errorType: 'RuntimeExitError',
          errorMessage: expect.stringContaining('exit code 7') as unknown,
        },
      });
      await expect(exited).resolves.toBe(7);
    });

    it('fails the init clearly when bootstrap is missing, not executable, or dies before polling', async () => {
      const missing = await newRuntime();
      await upload(missing, [{ name: 'index.js', content: 'x', mode: 0o644 }]);
      await expect(init(missing, 'Custom')).resolves.toMatchObject({
        ok: false,
        error: {
          errorType: 'BootstrapNotFound',
          errorMessage: expect.stringContaining("no 'bootstrap' file") as unknown,
        },
      });

      const notExecutable = await newRuntime();
      await upload(notExecutable, [{ name: 'bootstrap', content: '#!/bin/sh\necho hi\n', mode: 0o644 }]);
      await expect(init(notExecutable, 'Custom')).resolves.toMatchObject({
        ok: false,
        error: {
          errorType: 'BootstrapNotExecutable',
          errorMessage: expect.stringContaining('chmod +x') as unknown,
        },
      });

      const dies = await newRuntime();
      await upload(dies, [
        executable('bootstrap', '#!/bin/sh\necho "cannot start: missing config" >&2\nexit 4\n'),
      ]);
      const died = await init(dies, 'Custom');
      expect(died).toMatchObject({ ok: false, error: { errorType: 'RuntimeExitError' } });
      expect(died.error?.errorMessage).toContain('exit code 4');
      expect(died.error?.errorMessage).toContain('cannot start: missing config');
      expect(died.log).toContain('cannot start: missing config');
      // The invocation after a failed init reports the init error rather than hanging.
      await expect(dies.invoke({})).resolves.toMatchObject({
        status: 'error',
        error: { errorType: 'RuntimeExitError' },
      });
    });

    it('runs a bootstrap without a #! line through /bin/sh, as FunctionGraph samples expect', async () => {
      const runtime = await newRuntime();
      await upload(runtime, [
        executable('bootstrap', `# no interpreter line\n"${NODE}" $RUNTIME_CODE_ROOT/loop.js\n`),
        { name: 'loop.js', content: RUNTIME_API_LOOP, mode: 0o644 },
      ]);
      await expect(init(runtime, 'Custom')).resolves.toMatchObject({ ok: true });
      expect(parsed(await runtime.invoke({ n: 1 }))).toMatchObject({ echo: { n: 1 } });
    });
  });

  describe('HTTP functions', () => {
    async function httpFunction(): Promise<{ runtime: TestRuntime; port: number }> {
      const port = await freePort();
      const runtime = await newRuntime({ OFG_AGENT_UPSTREAM_PORT: String(port) });
      await upload(runtime, [
        executable('bootstrap', `#!/bin/sh\nexec "${NODE}" "$RUNTIME_CODE_ROOT/server.js"\n`),
        { name: 'server.js', content: ECHO_SERVER, mode: 0o644 },
      ]);
      await expect(
        init(runtime, 'http', {
          PORT: String(port),
          RUNTIME_PROJECT_ID: 'p1',
          RUNTIME_PACKAGE: 'default',
          RUNTIME_REGION: 'local',
        }),
      ).resolves.toMatchObject({ ok: true });
      return { runtime, port };
    }

    interface Echo {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    }

    function apig(response: RuntimeInvokeResponse): {
      statusCode: number;
      isBase64Encoded: boolean;
      headers: Record<string, string[]>;
      echo: Echo;
    } {
      const result = parsed(response) as {
        statusCode: number;
        isBase64Encoded: boolean;
        headers: Record<string, string[]>;
        body: string;
      };
      expect(Object.keys(result)).toEqual(['body', 'headers', 'statusCode', 'isBase64Encoded']);
      return { ...result, echo: JSON.parse(Buffer.from(result.body, 'base64').toString('utf8')) as Echo };
    }

    it('turns an APIG event into its HTTP request and answers in the APIG response shape', async () => {
      const { runtime } = await httpFunction();
      const response = await runtime.invoke(
        {
          httpMethod: 'PUT',
          path: '/items/42',
          queryStringParameters: { q: 'a b', page: '2' },
          headers: { 'x-custom': 'v1', 'content-type': 'text/plain', 'content-length': '999' },
          body: Buffer.from('hello body').toString('base64'),
          isBase64Encoded: true,
          requestContext: { requestId: 'apig-1' },
        },
        {
          requestId: 'req-http-1',
          credentials: { accessKey: 'AK', secretKey: 'SK', securityToken: 'ST', authToken: 'AT' },
        },
      );
      const result = apig(response);
      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      expect(result.headers['Set-Cookie']).toEqual(['a=1', 'b=2']);
      expect(result.headers['Content-Type']).toEqual(['application/json']);
      expect(result.echo).toMatchObject({ method: 'PUT', url: '/items/42?q=a+b&page=2', body: 'hello body' });
      expect(result.echo.headers).toMatchObject({
        'x-custom': 'v1',
        'content-type': 'text/plain',
        'content-length': '10',
        'x-cff-request-id': 'req-http-1',
        'x-cff-func-name': 'fn-under-test',
        'x-cff-memory': '256',
        'x-cff-timeout': '5',
        'x-cff-func-version': 'latest',
        'x-cff-project-id': 'p1',
        'x-cff-package': 'default',
        'x-cff-region': 'local',
        'x-cff-auth-token': 'AT',
        'x-cff-security-access-key': 'AK',
        'x-cff-security-secret-key': 'SK',
        'x-cff-security-token': 'ST',
      });
      expect(response.log).toContain('request PUT /items/42?q=a+b&page=2');
    });

    it('posts any other event to / as JSON', async () => {
      const { runtime } = await httpFunction();
      const result = apig(await runtime.invoke({ hello: 'world' }, { requestId: 'req-http-2' }));
      expect(result.echo).toMatchObject({ method: 'POST', url: '/', body: '{"hello":"world"}' });
      expect(result.echo.headers).toMatchObject({
        'content-type': 'application/json',
        'x-cff-request-id': 'req-http-2',
      });
    });

    it('times out a slow server and reports a crashed one', async () => {
      const { runtime } = await httpFunction();
      await expect(
        runtime.invoke({ httpMethod: 'GET', path: '/slow', headers: {} }, { timeoutMs: 300 }),
      ).resolves.toMatchObject({ status: 'error', error: { errorType: 'TimeoutError' } });

      const exited = new Promise<number | null>((resolve) => runtime.proc.once('exit', resolve));
      const crashed = await runtime.invoke({ httpMethod: 'GET', path: '/crash', headers: {} });
      expect(crashed).toMatchObject({ status: 'error', error: { errorType: 'RuntimeExitError' } });
      expect(crashed.error?.errorMessage).toContain('exit code 3');
      await expect(exited).resolves.toBe(3);
    });

    it('fails the init when nothing listens on the port in time', async () => {
      const runtime = await newRuntime({
        OFG_AGENT_UPSTREAM_PORT: String(await freePort()),
        OFG_AGENT_READY_TIMEOUT_MS: '500',
      });
      await upload(runtime, [executable('bootstrap', '#!/bin/sh\nexec sleep 30\n')]);
      await expect(init(runtime, 'http')).resolves.toMatchObject({
        ok: false,
        error: {
          errorType: 'RuntimeStartTimeout',
          errorMessage: expect.stringContaining('within 500 ms') as unknown,
        },
      });
    });
  });

  describe('container images', () => {
    async function imageFunction(
      runtimeName: string,
      extraEnv: Record<string, string> = {},
      initExtra: Record<string, unknown> = {},
    ) {
      const port = await freePort();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofg-image-'));
      scratchDirs.push(dir);
      fs.writeFileSync(path.join(dir, 'server.js'), ECHO_SERVER);
      const runtime = await newRuntime({
        OFG_AGENT_UPSTREAM_PORT: String(port),
        OFG_AGENT_COMMAND: JSON.stringify([NODE, path.join(dir, 'server.js')]),
      });
      const ready = await init(runtime, runtimeName, { PORT: String(port), ...extraEnv }, initExtra);
      return { runtime, ready };
    }

    it('runs the image command and forwards events to POST /invoke, calling /init once when configured', async () => {
      const { runtime, ready } = await imageFunction(
        'Custom Image',
        {},
        { initializer: 'init', initializerTimeoutMs: 2000 },
      );
      expect(ready).toMatchObject({ ok: true });
      const response = await runtime.invoke({ order: 7 }, { requestId: 'req-image-1' });
      const echo = parsed(response) as {
        method: string;
        url: string;
        body: string;
        headers: Record<string, string>;
        inits: number;
      };
      expect(echo).toMatchObject({ method: 'POST', url: '/invoke', body: '{"order":7}', inits: 1 });
      expect(echo.headers).toMatchObject({
        'x-cff-request-id': 'req-image-1',
        'content-type': 'application/json',
      });
      expect(response.log).toContain('request POST /invoke');

      await expect(runtime.invoke({ reject: true })).resolves.toMatchObject({
        status: 'error',
        error: {
          errorType: 'FunctionError',
          errorMessage: expect.stringContaining('HTTP 502: rejected by the server') as unknown,
        },
      });
    });

    it('fails the init when POST /init answers an error status', async () => {
      const { ready } = await imageFunction('Custom Image', { INIT_STATUS: '500' }, { initializer: 'init' });
      expect(ready).toMatchObject({ ok: false, error: { errorType: 'InitializationError' } });
      expect(ready.error?.errorMessage).toContain('POST /init answered HTTP 500');
    });

    it('serves an HTTP function from an image with the APIG translation', async () => {
      const { runtime, ready } = await imageFunction('http');
      expect(ready).toMatchObject({ ok: true });
      const result = parsed(await runtime.invoke({ httpMethod: 'DELETE', path: '/x', headers: {} })) as {
        body: string;
        statusCode: number;
      };
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(Buffer.from(result.body, 'base64').toString())).toMatchObject({
        method: 'DELETE',
        url: '/x',
      });
    });
  });
});
