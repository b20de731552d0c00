import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeInitResponse } from '@ofg/contracts';
import { BootstrapLaunch, codeTar, makeTar, TarEntry, TestRuntime } from '@ofg/testing';

const BOOTSTRAP = path.resolve(__dirname, '../bootstrap/bootstrap.py');
const PYTHON = process.env['PYTHON'] ?? 'python3';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

const LAUNCH: BootstrapLaunch = { command: PYTHON, args: [BOOTSTRAP], tmpPrefix: 'ofg-runtime-python-' };

const runtimes: TestRuntime[] = [];

/** A fresh runtime process with `files` uploaded and initialised with `handler`. */
async function deploy(
  files: Record<string, string>,
  handler: string,
  options: { initializer?: string; initializerTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ runtime: TestRuntime; init: RuntimeInitResponse }> {
  const runtime = await newRuntime();
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

/** The log without its Start and Finish lines. */
function logBody(log: string): string[] {
  const lines = log.split('\n').filter((line) => line !== '');
  return lines.slice(1, -1);
}

describe('bootstrap.py', () => {
  jest.setTimeout(30_000);

  it('answers /health and refuses unknown routes and methods', async () => {
    const runtime = await newRuntime();
    await expect(runtime.request('GET', '/health')).resolves.toEqual({ status: 200, body: { ready: true } });
    await expect(runtime.request('GET', '/nope')).resolves.toMatchObject({ status: 404 });
    await expect(runtime.request('GET', '/invoke')).resolves.toMatchObject({ status: 405 });
  });

  describe('PUT /code', () => {
    it('unpacks nested directories, files and modes', async () => {
      const runtime = await newRuntime();
      const entries: TarEntry[] = [
        { name: 'index.py', content: 'X = 1\n', mode: 0o644 },
        { name: 'lib/deep', type: 'directory', mode: 0o750 },
        { name: 'lib/deep/util.py', content: 'Y = 2\n', mode: 0o600 },
        { name: `${'long-dir-name/'.repeat(8)}file-with-a-long-name.json`, content: '{}', mode: 0o644 },
      ];
      const reply = await runtime.uploadCode(await makeTar(entries));
      const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.content ?? ''), 0);
      expect(reply).toEqual({ status: 200, body: { files: 3, bytes } });
      expect(fs.readFileSync(path.join(runtime.codeRoot, 'lib/deep/util.py'), 'utf8')).toBe('Y = 2\n');
      expect(fs.statSync(path.join(runtime.codeRoot, 'lib/deep/util.py')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(runtime.codeRoot, 'lib/deep')).mode & 0o777).toBe(0o750);
      expect(
        fs.existsSync(path.join(runtime.codeRoot, 'long-dir-name/'.repeat(8), 'file-with-a-long-name.json')),
      ).toBe(true);
    });

    it('reads archives written by the system tar', async () => {
      const source = fs.mkdtempSync(path.join(os.tmpdir(), 'ofg-tar-src-'));
      try {
        fs.mkdirSync(path.join(source, 'src'));
        const code = 'def handler(event, context):\n    return "from gnu tar"\n';
        fs.writeFileSync(path.join(source, 'src', 'main.py'), code);
        const tar = execFileSync('tar', ['--format=gnu', '-cf', '-', '-C', source, '.']);
        const runtime = await newRuntime();
        await expect(runtime.uploadCode(tar)).resolves.toEqual({
          status: 200,
          body: { files: 1, bytes: code.length },
        });
        await expect(runtime.init('src/main.handler')).resolves.toMatchObject({ ok: true });
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
        [{ name: 'hard', type: 'link' as const, linkname: 'index.py' }],
        /links are not allowed/,
      ],
    ])('rejects %s with 400 and writes nothing', async (_label, entries: TarEntry[], message) => {
      const runtime = await newRuntime();
      const reply = await runtime.uploadCode(
        await makeTar([{ name: 'index.py', content: 'X = 1\n' }, ...entries]),
      );
      expect(reply.status).toBe(400);
      expect(reply.body.errorMessage).toMatch(message);
      expect(fs.readdirSync(runtime.codeRoot)).toEqual([]);
      expect(fs.existsSync(path.join(runtime.workDir, 'x'))).toBe(false);
    });

    it('rejects an empty body and garbage', async () => {
      const runtime = await newRuntime();
      await expect(runtime.uploadCode(Buffer.alloc(0))).resolves.toMatchObject({ status: 400 });
      await expect(runtime.uploadCode(Buffer.from('not a tar archive'.repeat(64)))).resolves.toMatchObject({
        status: 400,
      });
    });
  });

  describe('POST /init and /invoke', () => {
    it('runs a handler in a subdirectory and serialises results with json.dumps', async () => {
      const { runtime, init } = await deploy(
        {
          'pkg/helper.py': 'def double(x):\n    return x * 2\n',
          'pkg/main.py': [
            'from pkg.helper import double',
            'print("module loaded")',
            'def handler(event, context):',
            '    if event.get("text"):',
            '        return "plain text"',
            '    if event.get("none"):',
            '        return None',
            '    return {"doubled": double(event["n"]), "list": [1, 2]}',
          ].join('\n'),
        },
        'pkg/main.handler',
      );
      expect(init).toMatchObject({ ok: true, log: 'module loaded\n' });
      await expect(runtime.invoke({ n: 21 })).resolves.toMatchObject({
        status: 'success',
        result: '{"doubled": 42, "list": [1, 2]}',
      });
      await expect(runtime.invoke({ text: true })).resolves.toMatchObject({ result: 'plain text' });
      await expect(runtime.invoke({ none: true })).resolves.toMatchObject({ status: 'success', result: '' });
    });

    it('reports a raised exception in the FunctionGraph shape', async () => {
      const { runtime } = await deploy(
        {
          'index.py': [
            'class QuotaError(Exception):',
            '    pass',
            'def handler(event, context):',
            '    raise QuotaError("over quota")',
          ].join('\n'),
        },
        'index.handler',
      );
      const reply = await runtime.invoke({});
      expect(reply.status).toBe('error');
      expect(reply.result).toBeUndefined();
      expect(reply.error).toMatchObject({
        errorMessage: 'function invocation exception, error: over quota',
        errorType: 'QuotaError',
      });
      expect(reply.error?.stackTrace?.join('\n')).toMatch(/index\.py", line 4, in handler/);
      expect(reply.error?.stackTrace?.join('\n')).not.toMatch(/bootstrap\.py/);
      expect(runtime.alive).toBe(true);
    });

    it('reports an unserialisable result as an invocation error', async () => {
      const { runtime } = await deploy(
        { 'index.py': 'def handler(event, context):\n    return {"s": {1, 2}}\n' },
        'index.handler',
      );
      await expect(runtime.invoke({})).resolves.toMatchObject({
        status: 'error',
        error: { errorType: 'TypeError' },
      });
    });

    it('runs the initializer once before the first invocation', async () => {
      const { runtime, init } = await deploy(
        {
          'index.py': [
            'state = {"calls": 0}',
            'def init(context):',
            '    state["calls"] += 1',
            '    print("initializer for", context.getFunctionName())',
            'def handler(event, context):',
            '    return state["calls"]',
          ].join('\n'),
        },
        'index.handler',
        { initializer: 'index.init', initializerTimeoutMs: 3000, env: { RUNTIME_FUNC_NAME: 'fn-init' } },
      );
      expect(init).toMatchObject({ ok: true, log: 'initializer for fn-init\n' });
      await expect(runtime.invoke({})).resolves.toMatchObject({ result: '1' });
      await expect(runtime.init('index.handler', { initializer: 'index.init' })).resolves.toMatchObject({
        ok: true,
      });
      await expect(runtime.invoke({})).resolves.toMatchObject({ result: '1' });
    });

    it('reports an initializer failure and fails invocations with it', async () => {
      const { runtime, init } = await deploy(
        {
          'index.py': [
            'def init(context):',
            '    raise ValueError("no database")',
            'def handler(event, context):',
            '    return "unreachable"',
          ].join('\n'),
        },
        'index.handler',
        { initializer: 'index.init', initializerTimeoutMs: 3000 },
      );
      expect(init.ok).toBe(false);
      expect(init.error).toMatchObject({
        errorMessage: 'function initialization exception: no database',
        errorType: 'ValueError',
      });
      await expect(runtime.invoke({})).resolves.toMatchObject({
        status: 'error',
        error: { errorMessage: 'function initialization exception: no database' },
      });
    });

    it('reports an initializer that runs past its timeout', async () => {
      const { init } = await deploy(
        {
          'index.py': [
            'import time',
            'def init(context):',
            '    time.sleep(5)',
            'def handler(event, context):',
            '    return "x"',
          ].join('\n'),
        },
        'index.handler',
        { initializer: 'index.init', initializerTimeoutMs: 200 },
      );
      expect(init).toMatchObject({
        ok: false,
        error: {
          errorType: 'InitializerTimeout',
          errorMessage: 'function initialization exception: initializer timed out after 200ms',
        },
      });
    });

    it.each([
      ['a handler without a dot', 'index', 'InvalidHandler'],
      ['a missing module', 'missing.handler', 'ImportModuleError'],
      ['a missing function', 'index.nope', 'HandlerNotFound'],
    ])('refuses %s', async (_label, handler, errorType) => {
      const { init } = await deploy({ 'index.py': 'def handler(event, context):\n    return 1\n' }, handler);
      expect(init).toMatchObject({ ok: false, error: { errorType } });
    });

    it('reports a syntax error of the module as an import error', async () => {
      const { init } = await deploy(
        { 'index.py': 'def handler(event, context)\n    return 1\n' },
        'index.handler',
      );
      expect(init).toMatchObject({ ok: false, error: { errorType: 'ImportModuleError' } });
      expect(init.error?.errorMessage).toMatch(/SyntaxError|invalid syntax|expected ':'/);
    });

    it('reports an invocation that runs past its timeout', async () => {
      const { runtime } = await deploy(
        { 'index.py': 'import time\ndef handler(event, context):\n    time.sleep(3)\n' },
        'index.handler',
      );
      await expect(runtime.invoke({}, { timeoutMs: 200 })).resolves.toMatchObject({
        status: 'error',
        error: {
          errorType: 'TimeoutError',
          errorMessage: 'function invocation exception, error: invocation timed out after 200ms',
        },
      });
    });

    it('runs an implicit init from RUNTIME_HANDLER when /init was never called', async () => {
      const runtime = await TestRuntime.start(LAUNCH, { RUNTIME_HANDLER: 'main.go' });
      runtimes.push(runtime);
      await runtime.uploadCode(
        await codeTar({ 'main.py': 'def go(event, context):\n    return "implicit"\n' }),
      );
      await expect(runtime.invoke({})).resolves.toMatchObject({ status: 'success', result: 'implicit' });
    });

    it('supports async def handlers', async () => {
      const { runtime } = await deploy(
        { 'index.py': 'async def handler(event, context):\n    return {"async": True}\n' },
        'index.handler',
      );
      await expect(runtime.invoke({})).resolves.toMatchObject({ result: '{"async": true}' });
    });
  });

  describe('context', () => {
    it('exposes the FunctionGraph context methods', async () => {
      const { runtime } = await deploy(
        {
          'index.py': [
            'import os',
            'def handler(event, context):',
            '    return {',
            '        "requestId": context.getRequestID(),',
            '        "remaining": context.getRemainingTimeInMilliSeconds(),',
            '        "userData": context.getUserData("GREETING"),',
            '        "missing": context.getUserData("NOPE"),',
            '        "plainEnv": os.environ.get("GREETING"),',
            '        "functionName": context.getFunctionName(),',
            '        "runningTime": context.getRunningTimeInSeconds(),',
            '        "version": context.getVersion(),',
            '        "memory": context.getMemorySize(),',
            '        "cpu": context.getCPUNumber(),',
            '        "package": context.getPackage(),',
            '        "projectId": context.getProjectID(),',
            '        "alias": context.getAlias(),',
            '        "ak": context.getSecurityAccessKey(),',
            '        "sk": context.getSecuritySecretKey(),',
            '        "securityToken": context.getSecurityToken(),',
            '        "token": context.getToken(),',
            '        "accessKey": context.getAccessKey(),',
            '        "secretKey": context.getSecretKey(),',
            '    }',
          ].join('\n'),
        },
        'index.handler',
        {
          env: {
            RUNTIME_FUNC_NAME: 'ctx-fn',
            RUNTIME_FUNC_VERSION: 'v1',
            RUNTIME_TIMEOUT: '30',
            RUNTIME_MEMORY: '256',
            RUNTIME_CPU: '400',
            RUNTIME_PACKAGE: 'default',
            RUNTIME_PROJECT_ID: 'proj-1',
            RUNTIME_USERDATA: JSON.stringify({ GREETING: 'hello' }),
            GREETING: 'hello',
          },
        },
      );
      const reply = await runtime.invoke(
        {},
        {
          requestId: 'req-ctx',
          timeoutMs: 10_000,
          alias: 'prod',
          credentials: { accessKey: 'AK', secretKey: 'SK', securityToken: 'ST', authToken: 'TOKEN' },
        },
      );
      expect(reply.status).toBe('success');
      const ctx = JSON.parse(reply.result ?? '{}') as Record<string, unknown>;
      expect(ctx).toEqual({
        requestId: 'req-ctx',
        remaining: expect.any(Number) as number,
        userData: 'hello',
        missing: null,
        plainEnv: 'hello',
        functionName: 'ctx-fn',
        runningTime: 30,
        version: 'v1',
        memory: '256',
        cpu: '400',
        package: 'default',
        projectId: 'proj-1',
        alias: 'prod',
        ak: 'AK',
        sk: 'SK',
        securityToken: 'ST',
        token: 'TOKEN',
        accessKey: '',
        secretKey: '',
      });
      expect(ctx['remaining']).toBeGreaterThan(9000);
      expect(ctx['remaining']).toBeLessThanOrEqual(10_000);
    });

    it('writes logger lines as <ISO time> <requestId> <LEVEL> <message> and honours the level', async () => {
      const { runtime } = await deploy(
        {
          'index.py': [
            'import sys',
            'def handler(event, context):',
            '    log = context.getLogger()',
            '    log.debug("hidden")',
            '    log.info("hello", 42)',
            '    log.warn("careful")',
            '    log.error("broken")',
            '    log.setLevel("DEBUG")',
            '    log.debug("now visible")',
            '    print("printed")',
            '    print("to stderr", file=sys.stderr)',
            '    return "ok"',
          ].join('\n'),
        },
        'index.handler',
        { env: { RUNTIME_FUNC_VERSION: 'latest', RUNTIME_MEMORY: '128' } },
      );
      const reply = await runtime.invoke({}, { requestId: 'req-log' });
      const lines = reply.log.split('\n').filter((line) => line !== '');
      expect(lines[0]).toMatch(new RegExp(`^${ISO} Start invoke request 'req-log', version: latest$`));
      expect(logBody(reply.log)).toEqual([
        expect.stringMatching(new RegExp(`^${ISO} req-log INFO hello 42$`)),
        expect.stringMatching(new RegExp(`^${ISO} req-log WARN careful$`)),
        expect.stringMatching(new RegExp(`^${ISO} req-log ERROR broken$`)),
        expect.stringMatching(new RegExp(`^${ISO} req-log DEBUG now visible$`)),
        'printed',
        'to stderr',
      ]);
      expect(lines[lines.length - 1]).toMatch(
        new RegExp(
          `^${ISO} Finish invoke request 'req-log', duration: \\d+\\.\\d{3}ms, billing duration: \\d+ms, ` +
            `memory used: \\d+\\.\\d{3}MB, billing memory: 128MB$`,
        ),
      );
      expect(reply.memoryUsedMb).toBeGreaterThan(0);
    });
  });

  it('keeps the logs of concurrent requests apart', async () => {
    const { runtime } = await deploy(
      {
        'index.py': [
          'import time',
          'def handler(event, context):',
          '    for i in range(5):',
          '        print("req", event["n"], "line", i)',
          '        context.getLogger().info("logger", event["n"], i)',
          '        time.sleep(0.02)',
          '    return event["n"]',
        ].join('\n'),
      },
      'index.handler',
    );
    const replies = await Promise.all(
      [0, 1, 2, 3, 4].map((n) => runtime.invoke({ n }, { requestId: `req-${n}` })),
    );
    replies.forEach((reply, n) => {
      expect(reply).toMatchObject({ status: 'success', result: String(n) });
      const body = logBody(reply.log);
      expect(body).toHaveLength(10);
      for (let i = 0; i < 5; i++) {
        expect(body[2 * i]).toBe(`req ${n} line ${i}`);
        expect(body[2 * i + 1]).toMatch(new RegExp(`^${ISO} req-${n} INFO logger ${n} ${i}$`));
      }
    });
  });
});
