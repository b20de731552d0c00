import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeInitResponse } from '@ofg/contracts';
import { BootstrapLaunch, codeTar, makeTar, TarEntry, TestRuntime } from '@ofg/testing';

const BOOTSTRAP = path.resolve(__dirname, '../bootstrap/bootstrap.js');
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

const LAUNCH: BootstrapLaunch = {
  command: process.execPath,
  args: [BOOTSTRAP],
  tmpPrefix: 'ofg-runtime-nodejs-',
};

const runtimes: TestRuntime[] = [];

/** A fresh runtime process with `files` uploaded and initialised with `handler`. */
async function deploy(
  files: Record<string, string>,
  handler: string,
  options: { initializer?: string; initializerTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ runtime: TestRuntime; init: RuntimeInitResponse }> {
  const runtime = await TestRuntime.start(LAUNCH);
  runtimes.push(runtime);
  const upload = await runtime.uploadCode(await codeTar(files));
  expect(upload.status).toBe(200);
  const init = await runtime.init(handler, options);
  return { runtime, init };
}

async function newRuntime(): Promise<TestRuntime> {
  const runtime = await TestRuntime.start(LAUNCH);
  runtimes.push(runtime);
  return runtime;
}

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
});

function logBody(log: string): string[] {
  const lines = log.split('\n').filter((line) => line !== '');
  return lines.slice(1, -1);
}

describe('bootstrap.js', () => {
  jest.setTimeout(30_000);

  it('answers /health', async () => {
    const runtime = await newRuntime();
    await expect(runtime.request('GET', '/health')).resolves.toEqual({ status: 200, body: { ready: true } });
  });

  describe('PUT /code', () => {
    it('unpacks nested directories, files and modes', async () => {
      const runtime = await newRuntime();
      const entries: TarEntry[] = [
        { name: 'index.js', content: 'module.exports = 1;\n', mode: 0o644 },
        { name: 'lib', type: 'directory', mode: 0o755 },
        { name: 'lib/deep/nested', type: 'directory', mode: 0o750 },
        { name: 'lib/deep/nested/util.js', content: 'exports.x = 2;\n', mode: 0o600 },
        { name: './bin/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
        { name: `${'long-dir-name/'.repeat(8)}file-with-a-long-name.json`, content: '{}', mode: 0o644 },
      ];
      const reply = await runtime.uploadCode(await makeTar(entries));
      expect(reply.status).toBe(200);
      const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.content ?? ''), 0);
      expect(reply.body).toEqual({ files: 4, bytes });
      expect(fs.readFileSync(path.join(runtime.codeRoot, 'lib/deep/nested/util.js'), 'utf8')).toBe(
        'exports.x = 2;\n',
      );
      expect(fs.statSync(path.join(runtime.codeRoot, 'lib/deep/nested/util.js')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(runtime.codeRoot, 'bin/run.sh')).mode & 0o777).toBe(0o755);
      expect(fs.statSync(path.join(runtime.codeRoot, 'lib/deep/nested')).mode & 0o777).toBe(0o750);
      expect(
        fs.existsSync(path.join(runtime.codeRoot, 'long-dir-name/'.repeat(8), 'file-with-a-long-name.json')),
      ).toBe(true);
    });

    it('reads archives written by the system tar, including GNU long names', async () => {
      const source = fs.mkdtempSync(path.join(os.tmpdir(), 'ofg-tar-src-'));
      try {
        const longDir = path.join(source, 'x'.repeat(60), 'y'.repeat(60));
        fs.mkdirSync(longDir, { recursive: true });
        const code = 'exports.handler = async () => "from gnu tar";\n';
        fs.writeFileSync(path.join(longDir, 'index.js'), code);
        const tar = execFileSync('tar', ['--format=gnu', '-cf', '-', '-C', source, '.']);
        const runtime = await newRuntime();
        const reply = await runtime.uploadCode(tar);
        expect(reply).toEqual({ status: 200, body: { files: 1, bytes: code.length } });
        const init = await runtime.init(`${'x'.repeat(60)}/${'y'.repeat(60)}/index.handler`);
        expect(init.ok).toBe(true);
        await expect(runtime.invoke({})).resolves.toMatchObject({
          status: 'success',
          result: 'from gnu tar',
        });
      } finally {
        fs.rmSync(source, { recursive: true, force: true });
      }
    });

    it.each([
      ['a parent-directory entry', [{ name: '../x', content: 'escape' }], /path traversal/],
      ['a nested parent-directory entry', [{ name: 'a/../../x', content: 'escape' }], /path traversal/],
      ['an absolute path', [{ name: '/x', content: 'abs' }], /absolute path/],
      [
        'a symlink',
        [{ name: 'link', type: 'symlink' as const, linkname: '/etc/passwd' }],
        /links are not allowed/,
      ],
      [
        'a hard link',
        [{ name: 'hard', type: 'link' as const, linkname: 'index.js' }],
        /links are not allowed/,
      ],
    ])('rejects %s with 400 and writes nothing', async (_label, entries, message) => {
      const runtime = await newRuntime();
      const tar = await makeTar([{ name: 'ok.js', content: 'ok' }, ...entries]);
      const reply = await runtime.uploadCode(tar);
      expect(reply.status).toBe(400);
      expect(reply.body.errorMessage).toMatch(message);
      expect(fs.existsSync(path.join(runtime.workDir, 'x'))).toBe(false);
      expect(fs.readdirSync(runtime.codeRoot)).toEqual([]);
    });

    it('rejects garbage and truncated archives', async () => {
      const runtime = await newRuntime();
      const garbage = await runtime.uploadCode(Buffer.from('this is not a tar archive'.repeat(40)));
      expect(garbage.status).toBe(400);
      const full = await codeTar({ 'index.js': 'x'.repeat(2000) });
      const truncated = await runtime.uploadCode(full.subarray(0, 1024));
      expect(truncated.status).toBe(400);
      expect(truncated.body.errorMessage).toMatch(/truncated/);
    });
  });

  describe('handler styles', () => {
    it('returns the resolved value of an async handler as JSON', async () => {
      const { runtime, init } = await deploy(
        { 'index.js': 'exports.handler = async (event) => ({ echo: event, n: 1 });' },
        'index.handler',
      );
      expect(init.ok).toBe(true);
      const response = await runtime.invoke({ a: 'b' });
      expect(response.status).toBe('success');
      expect(JSON.parse(response.result!)).toEqual({ echo: { a: 'b' }, n: 1 });
      expect(response.error).toBeUndefined();
      expect(response.durationMs).toBeGreaterThanOrEqual(0);
      expect(response.memoryUsedMb).toBeGreaterThan(1);
      expect(Number.isInteger(response.memoryUsedMb * 1000)).toBe(true);
    });

    it('returns the value passed to callback(null, data), resolved from a nested module path', async () => {
      const { runtime } = await deploy(
        {
          'src/handlers/main.js':
            'const { prefix } = require("../lib/prefix");\n' +
            'exports.handle = function (event, context, callback) { setTimeout(() => callback(null, prefix + event.name), 10); };',
          'src/lib/prefix.js': 'exports.prefix = "hello ";',
        },
        'src/handlers/main.handle',
      );
      await expect(runtime.invoke({ name: 'world' })).resolves.toMatchObject({
        status: 'success',
        result: 'hello world',
      });
    });

    it('returns the value of a synchronous handler and passes non-JSON events as strings', async () => {
      const { runtime } = await deploy(
        { 'index.js': 'exports.handler = (event) => ({ type: typeof event, event });' },
        'index.handler',
      );
      const response = await runtime.invoke('plain text, not json');
      expect(JSON.parse(response.result!)).toEqual({ type: 'string', event: 'plain text, not json' });
    });

    it('serialises undefined and null as an empty string and strings as-is', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async (event) => (event.kind === "null" ? null : event.kind === "str" ? "raw" : undefined);',
        },
        'index.handler',
      );
      await expect(runtime.invoke({ kind: 'undefined' })).resolves.toMatchObject({
        status: 'success',
        result: '',
      });
      await expect(runtime.invoke({ kind: 'null' })).resolves.toMatchObject({
        status: 'success',
        result: '',
      });
      await expect(runtime.invoke({ kind: 'str' })).resolves.toMatchObject({
        status: 'success',
        result: 'raw',
      });
    });

    it('lets the first of callback and returned promise win', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async (event, context, callback) => { callback(null, "from callback"); await new Promise((r) => setTimeout(r, 20)); return "from promise"; };',
        },
        'index.handler',
      );
      await expect(runtime.invoke({})).resolves.toMatchObject({ result: 'from callback' });
    });
  });

  describe('errors', () => {
    it('reports a thrown error as an invocation exception with a stack trace', async () => {
      const { runtime } = await deploy(
        { 'index.js': 'exports.handler = async () => { await null; throw new TypeError("bad thing"); };' },
        'index.handler',
      );
      const response = await runtime.invoke({});
      expect(response.status).toBe('error');
      expect(response.result).toBeUndefined();
      expect(response.error).toMatchObject({
        errorMessage: 'function invocation exception, error: bad thing',
        errorType: 'TypeError',
      });
      expect(response.error!.stackTrace!.length).toBeGreaterThan(0);
      expect(response.error!.stackTrace![0]).toMatch(/^at .*index\.js/);
    });

    it('reports a synchronous throw the same way', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = (event, context, callback) => { throw new RangeError("sync bad"); };',
        },
        'index.handler',
      );
      await expect(runtime.invoke({})).resolves.toMatchObject({
        status: 'error',
        error: { errorMessage: 'function invocation exception, error: sync bad', errorType: 'RangeError' },
      });
    });

    it('reports callback(err) as an entry exception', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = (event, context, callback) => { callback(new RangeError("nope")); };',
        },
        'index.handler',
      );
      const response = await runtime.invoke({});
      expect(response.status).toBe('error');
      expect(response.error).toEqual({
        errorMessage: 'function entry exception, error: nope',
        errorType: 'RangeError',
      });
    });

    it('fails only the request whose async context threw an uncaught exception, and stays up', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async (event) => {\n' +
            '  if (event.crash) setTimeout(() => { throw new Error("late crash"); }, 5);\n' +
            '  if (event.reject) setTimeout(() => { Promise.reject(new SyntaxError("late reject")); }, 5);\n' +
            '  await new Promise((r) => setTimeout(r, 100));\n' +
            '  return "survived";\n' +
            '};',
        },
        'index.handler',
      );
      const [crashed, rejected, healthy] = await Promise.all([
        runtime.invoke({ crash: true }, { requestId: 'crash' }),
        runtime.invoke({ reject: true }, { requestId: 'reject' }),
        runtime.invoke({}, { requestId: 'healthy' }),
      ]);
      expect(crashed.error).toMatchObject({
        errorMessage: 'function invocation exception, error: late crash',
        errorType: 'Error',
      });
      expect(rejected.error).toMatchObject({
        errorMessage: 'function invocation exception, error: late reject',
        errorType: 'SyntaxError',
      });
      expect(healthy).toMatchObject({ status: 'success', result: 'survived' });
      expect(runtime.alive).toBe(true);
      await expect(runtime.invoke({})).resolves.toMatchObject({ status: 'success' });
    });

    it('fails a request that outlives its timeout', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async () => { await new Promise((r) => setTimeout(r, 2000)); return "late"; };',
        },
        'index.handler',
      );
      const response = await runtime.invoke({}, { timeoutMs: 100 });
      expect(response.status).toBe('error');
      expect(response.error!.errorType).toBe('TimeoutError');
      expect(response.durationMs).toBeLessThan(1500);
    });
  });

  describe('POST /init', () => {
    it('runs the initializer once before the first invocation', async () => {
      const { runtime, init } = await deploy(
        {
          'index.js':
            'let state = "unset";\n' +
            'exports.initializer = (context, callback) => { console.log("init for", context.getFunctionName()); setTimeout(() => { state = "ready"; callback(null, ""); }, 10); };\n' +
            'exports.handler = async () => state;',
        },
        'index.handler',
        {
          initializer: 'index.initializer',
          initializerTimeoutMs: 2000,
          env: { RUNTIME_FUNC_NAME: 'init-fn' },
        },
      );
      expect(init).toMatchObject({ ok: true, log: 'init for init-fn\n' });
      expect(init.error).toBeUndefined();
      await expect(runtime.invoke({})).resolves.toMatchObject({ status: 'success', result: 'ready' });
      await expect(
        runtime.init('index.handler', { initializer: 'index.initializer' }),
      ).resolves.toMatchObject({ ok: true });
    });

    it('reports a failing initializer and fails invocations afterwards', async () => {
      const { runtime, init } = await deploy(
        {
          'index.js':
            'exports.initializer = (context, callback) => callback(new Error("db unreachable"));\n' +
            'exports.handler = async () => "never";',
        },
        'index.handler',
        { initializer: 'index.initializer', initializerTimeoutMs: 2000 },
      );
      expect(init.ok).toBe(false);
      expect(init.error).toMatchObject({
        errorMessage: 'function initialization exception: db unreachable',
        errorType: 'Error',
      });
      expect(Array.isArray(init.error!.stackTrace)).toBe(true);
      await expect(runtime.invoke({})).resolves.toMatchObject({
        status: 'error',
        error: { errorMessage: 'function initialization exception: db unreachable' },
      });
    });

    it('reports a rejecting async initializer and an initializer timeout', async () => {
      const files = {
        'index.js':
          'exports.rejects = async () => { throw new TypeError("bad config"); };\n' +
          'exports.hangs = async () => new Promise(() => undefined);\n' +
          'exports.handler = async () => "x";',
      };
      const rejecting = await deploy(files, 'index.handler', {
        initializer: 'index.rejects',
        initializerTimeoutMs: 2000,
      });
      expect(rejecting.init.error).toMatchObject({
        errorMessage: 'function initialization exception: bad config',
        errorType: 'TypeError',
      });
      const hanging = await deploy(files, 'index.handler', {
        initializer: 'index.hangs',
        initializerTimeoutMs: 100,
      });
      expect(hanging.init.ok).toBe(false);
      expect(hanging.init.error!.errorMessage).toMatch(/^function initialization exception: .*timed out/);
    });

    it('loads ES module handlers from .mjs files and "type": "module" packages', async () => {
      const mjs = await deploy(
        { 'index.mjs': 'export const handler = async (event) => `esm ${event.n}`;' },
        'index.handler',
      );
      expect(mjs.init.ok).toBe(true);
      await expect(mjs.runtime.invoke({ n: 1 })).resolves.toMatchObject({ result: 'esm 1' });

      const typed = await deploy(
        {
          'package.json': '{ "type": "module" }',
          'app/main.js':
            'await Promise.resolve();\nexport async function handler(event) { return `typed ${event.n}`; }',
        },
        'app/main.handler',
      );
      expect(typed.init.ok).toBe(true);
      await expect(typed.runtime.invoke({ n: 2 })).resolves.toMatchObject({ result: 'typed 2' });
    });

    it('reports a missing handler export as HandlerNotFound', async () => {
      const { init } = await deploy({ 'index.js': 'exports.other = async () => 1;' }, 'index.handler');
      expect(init.ok).toBe(false);
      expect(init.error!.errorType).toBe('HandlerNotFound');
      expect(init.error!.errorMessage).toMatch(/handler 'index\.handler' not found/);
    });

    it('reports a missing or broken module as ImportModuleError', async () => {
      const missing = await deploy({ 'index.js': '' }, 'missing.handler');
      expect(missing.init.ok).toBe(false);
      expect(missing.init.error!.errorType).toBe('ImportModuleError');
      expect(missing.init.error!.errorMessage).toMatch(/failed to import module 'missing'/);

      const broken = await deploy({ 'index.js': 'throw new Error("top-level failure");' }, 'index.handler');
      expect(broken.init.error).toMatchObject({ errorType: 'ImportModuleError' });
      expect(broken.init.error!.errorMessage).toMatch(/top-level failure/);
    });
  });

  describe('context', () => {
    it('exposes the instance environment, request data and a request-scoped logger', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async (event, context) => {\n' +
            '  const remainingBefore = context.getRemainingTimeInMilliSeconds();\n' +
            '  await new Promise((r) => setTimeout(r, 60));\n' +
            '  const remainingAfter = context.getRemainingTimeInMilliSeconds();\n' +
            '  const logger = context.getLogger();\n' +
            '  logger.info("hello %d", 42);\n' +
            '  logger.debug("hidden at INFO");\n' +
            '  logger.setLevel("DEBUG");\n' +
            '  logger.debug("shown at DEBUG");\n' +
            '  logger.warn("careful");\n' +
            '  logger.error("broken");\n' +
            '  return {\n' +
            '    requestId: context.getRequestID(), greeting: context.getUserData("GREETING"),\n' +
            '    plain: context.getUserData("PLAIN_ENV"), name: context.getFunctionName(),\n' +
            '    memory: context.getMemorySize(), cpu: context.getCPUNumber(), running: context.getRunningTimeInSeconds(),\n' +
            '    version: context.getVersion(), pkg: context.getPackage(), project: context.getProjectID(),\n' +
            '    alias: context.getAlias(), ak: context.getAccessKey(), sk: context.getSecretKey(),\n' +
            '    sak: context.getSecurityAccessKey(), ssk: context.getSecuritySecretKey(), st: context.getSecurityToken(),\n' +
            '    token: context.getToken(), workflow: [context.getWorkflowID(), context.getWorkflowRunID(), context.getWorkflowStateID()],\n' +
            '    remainingBefore, remainingAfter,\n' +
            '  };\n' +
            '};',
        },
        'index.handler',
        {
          env: {
            RUNTIME_FUNC_NAME: 'ctx-fn',
            RUNTIME_MEMORY: '256',
            RUNTIME_CPU: '400',
            RUNTIME_TIMEOUT: '30',
            RUNTIME_FUNC_VERSION: 'v2',
            RUNTIME_PACKAGE: 'default',
            RUNTIME_PROJECT_ID: 'project-1',
            RUNTIME_USERDATA: JSON.stringify({ GREETING: 'hi' }),
            PLAIN_ENV: 'plain value',
          },
        },
      );
      const response = await runtime.invoke(
        {},
        {
          requestId: 'req-ctx',
          timeoutMs: 5000,
          alias: 'prod',
          credentials: { accessKey: 'AK', secretKey: 'SK', securityToken: 'ST', authToken: 'TOKEN' },
        },
      );
      expect(response.status).toBe('success');
      const ctx = JSON.parse(response.result!);
      expect(ctx).toMatchObject({
        requestId: 'req-ctx',
        greeting: 'hi',
        plain: 'plain value',
        name: 'ctx-fn',
        memory: '256',
        cpu: '400',
        running: 30,
        version: 'v2',
        pkg: 'default',
        project: 'project-1',
        alias: 'prod',
        ak: '',
        sk: '',
        sak: 'AK',
        ssk: 'SK',
        st: 'ST',
        token: 'TOKEN',
        workflow: ['', '', ''],
      });
      expect(ctx.remainingBefore).toBeLessThanOrEqual(5000);
      expect(ctx.remainingBefore).toBeGreaterThan(4000);
      expect(ctx.remainingAfter).toBeLessThanOrEqual(ctx.remainingBefore - 50);

      const lines = response.log.split('\n').filter((line) => line !== '');
      expect(lines[0]).toMatch(new RegExp(`^${ISO} Start invoke request 'req-ctx', version: v2$`));
      expect(lines.at(-1)).toMatch(
        new RegExp(
          `^${ISO} Finish invoke request 'req-ctx', duration: \\d+\\.\\d{3}ms, billing duration: \\d+ms, ` +
            'memory used: \\d+\\.\\d{3}MB, billing memory: 256MB$',
        ),
      );
      expect(logBody(response.log)).toEqual([
        expect.stringMatching(new RegExp(`^${ISO} req-ctx INFO hello 42$`)),
        expect.stringMatching(new RegExp(`^${ISO} req-ctx DEBUG shown at DEBUG$`)),
        expect.stringMatching(new RegExp(`^${ISO} req-ctx WARN careful$`)),
        expect.stringMatching(new RegExp(`^${ISO} req-ctx ERROR broken$`)),
      ]);
    });

    it('returns empty credentials when the request carries none', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async (e, c) => [c.getSecurityAccessKey(), c.getSecuritySecretKey(), c.getSecurityToken(), c.getToken(), c.getAlias()];',
        },
        'index.handler',
      );
      const response = await runtime.invoke({});
      expect(JSON.parse(response.result!)).toEqual(['', '', '', '', '']);
    });
  });

  describe('logs', () => {
    it('keeps the logs of concurrent requests apart', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'const sleep = () => new Promise((r) => setTimeout(r, Math.random() * 25));\n' +
            'exports.handler = async (event, context) => {\n' +
            '  const id = context.getRequestID();\n' +
            '  for (let i = 0; i < 5; i++) {\n' +
            '    await sleep();\n' +
            '    console.log("console %d from %s", i, id);\n' +
            '    await sleep();\n' +
            '    process.stdout.write(`stdout ${i} from ${id}\\n`);\n' +
            '    console.error("stderr %d from %s", i, id);\n' +
            '    await sleep();\n' +
            '    context.getLogger().info(`logger ${i} from ${id}`);\n' +
            '  }\n' +
            '  return id;\n' +
            '};',
        },
        'index.handler',
      );
      const ids = ['req-a', 'req-b', 'req-c', 'req-d', 'req-e'];
      const started = Date.now();
      const responses = await Promise.all(ids.map((requestId) => runtime.invoke({}, { requestId })));
      const wallMs = Date.now() - started;
      responses.forEach((response, index) => {
        const id = ids[index];
        expect(response).toMatchObject({ status: 'success', result: id });
        const lines = response.log.split('\n').filter((line) => line !== '');
        expect(lines[0]).toContain(`Start invoke request '${id}'`);
        expect(lines.at(-1)).toContain(`Finish invoke request '${id}'`);
        const body = logBody(response.log);
        expect(body).toHaveLength(20);
        for (const line of body) expect(line).toMatch(new RegExp(`from ${id}$`));
        for (const other of ids.filter((candidate) => candidate !== id))
          expect(response.log).not.toContain(other);
      });
      // The requests really overlapped in the one process: run one after another they would take the sum.
      const summedMs = responses.reduce((sum, response) => sum + response.durationMs, 0);
      expect(wallMs).toBeLessThan(summedMs * 0.6);
    });

    it('caps a request log at 1 MB and keeps the tail', async () => {
      const { runtime } = await deploy(
        {
          'index.js':
            'exports.handler = async () => {\n' +
            '  for (let i = 0; i < 3000; i++) console.log(`${String(i).padStart(5, "0")} ${"x".repeat(1000)}`);\n' +
            '  console.log("the end");\n' +
            '  return "done";\n' +
            '};',
        },
        'index.handler',
      );
      const response = await runtime.invoke({}, { requestId: 'big' });
      expect(response.status).toBe('success');
      expect(Buffer.byteLength(response.log)).toBeLessThanOrEqual(1024 * 1024);
      expect(Buffer.byteLength(response.log)).toBeGreaterThan(1000 * 1000);
      expect(response.log).toMatch(/^\S+ Start invoke request 'big'/);
      expect(response.log).toContain('[log truncated: ');
      expect(response.log).toContain('02999 x');
      expect(response.log).not.toContain('00000 x');
      expect(response.log).toMatch(/the end\n\S+ Finish invoke request 'big'.*\n$/);
    });
  });
});
