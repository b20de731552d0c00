import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateFunctionRequest,
  CreateFunctionRequestBody,
  CustomImage,
  DeleteFunctionRequest,
  FuncCode,
  InvokeFunctionRequest,
  ShowFunctionConfigRequest,
  UpdateFunctionConfigRequest,
  UpdateFunctionConfigRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { buildZip } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { invokeV1 } from '../support/functions';
import { shapeProblems } from '../support/response-shapes';
import { officialSdkClient, sdkFailure } from '../support/sdk';

interface InvokeV1 {
  request_id: string;
  result: string;
  log: string;
  status: number;
}

/** What an HTTP function's answer becomes (contract section 5.9). */
interface ApigResponse {
  body: string;
  headers: Record<string, string[]>;
  statusCode: number;
  isBase64Encoded: boolean;
}

const NODE = '/opt/function/runtime/nodejs20.15/rtsp/nodejs/bin/node';

/** A Custom runtime's loop over the runtime API, in plain Node (contract section 5.8). */
const RUNTIME_API_LOOP = `const http = require('http');
const [host, port] = process.env.RUNTIME_API_ADDR.split(':');
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  for (;;) {
    const next = await call('GET', '/v1/runtime/invocation/request');
    const id = next.headers['x-cff-request-id'];
    const event = JSON.parse(next.body);
    console.log('custom runtime handling ' + id);
    if (event.fail) {
      await call('POST', '/v1/runtime/invocation/error/' + id,
        JSON.stringify({ errorMessage: 'cannot handle ' + event.fail, errorType: 'BadEvent' }));
      continue;
    }
    await call('POST', '/v1/runtime/invocation/response/' + id, JSON.stringify({
      greeting: 'hello ' + event.name,
      requestId: id,
      functionName: process.env.RUNTIME_FUNC_NAME,
      memory: process.env.RUNTIME_MEMORY,
      userData: process.env.GREETING,
      codeRoot: process.env.RUNTIME_CODE_ROOT,
      uid: process.getuid(),
    }));
  }
})();
`;

/** An HTTP function's server on 127.0.0.1:8000 that echoes what it received. */
const ECHO_SERVER = `const http = require('http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    console.log('http function got ' + req.method + ' ' + req.url);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
  });
}).listen(8000, '127.0.0.1');
`;

/** The server of the container image: FunctionGraph's event-function contract, POST /init and POST /invoke on 8000. */
const IMAGE_SERVER = `const http = require('http');
const fs = require('fs');
let inits = 0;
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/init') { inits += 1; return res.end('ok'); }
    console.log('image handling ' + req.headers['x-cff-request-id']);
    let rootWrite;
    try { fs.writeFileSync('/app/probe', 'x'); rootWrite = 'written'; } catch (e) { rootWrite = e.code; }
    let tmpWrite;
    try { fs.writeFileSync('/tmp/probe', 'x'); tmpWrite = 'written'; } catch (e) { tmpWrite = e.code; }
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({
      event: JSON.parse(Buffer.concat(chunks).toString()),
      argv: process.argv.slice(2),
      inits,
      uid: process.getuid(),
      gid: process.getgid(),
      cwd: process.cwd(),
      capEff: (status.match(/^CapEff:\\s*(\\S+)/m) || [])[1],
      rootWrite,
      tmpWrite,
      greeting: process.env.GREETING || null,
      funcName: req.headers['x-cff-func-name'],
    }));
  });
}).listen(8000, '0.0.0.0');
`;

/** The parsed body without the `httpStatusCode` the SDK adds to it. */
function sdkBody(result: Record<string, unknown>): Record<string, unknown> {
  const body = { ...result };
  delete body['httpStatusCode'];
  return body;
}

function sdkEvent(event: Record<string, unknown>): Record<string, object> {
  return event as Record<string, object>;
}

function decodeApig(result: string): ApigResponse & { echo: Record<string, unknown> } {
  const apig = JSON.parse(result) as ApigResponse;
  return {
    ...apig,
    echo: JSON.parse(Buffer.from(apig.body, 'base64').toString('utf8')) as Record<string, unknown>,
  };
}

describe('Custom runtimes, HTTP functions and container images', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const suffix = Date.now().toString(36);
  const base = `/v2/${http.stack.projectId}/fgs`;
  const image = `ofg-e2e/custom-image:${suffix}`;
  let buildDir: string;

  const invoke = (urn: string, event: Record<string, unknown>) =>
    sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urn)
        .withXCffLogType('tail')
        .withXCFFRequestVersion('v1')
        .withBody(sdkEvent(event)),
    ) as unknown as Promise<InvokeV1>;

  const zipFunction = async (
    name: string,
    runtime: string,
    files: { name: string; data: string; mode?: number }[],
    userData?: Record<string, string>,
  ): Promise<string> => {
    const body = new CreateFunctionRequestBody()
      .withFuncName(name)
      .withPackage('default')
      .withRuntime(runtime)
      .withTimeout(15)
      .withHandler('index.handler')
      .withMemorySize(256)
      .withCodeType('zip')
      .withCodeFilename('code.zip')
      .withFuncCode(new FuncCode().withFile((await buildZip(files)).toString('base64')));
    if (userData) body.withUserData(JSON.stringify(userData));
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(body),
    )) as unknown as Record<string, unknown>;
    expect(created['runtime']).toBe(runtime);
    return String(created['func_urn']);
  };

  const imageFunction = (name: string, customImage: CustomImage, runtime = 'Custom Image') =>
    sdk.createFunction(
      new CreateFunctionRequest().withBody(
        new CreateFunctionRequestBody()
          .withFuncName(name)
          .withPackage('default')
          .withRuntime(runtime)
          .withTimeout(15)
          .withHandler('index.handler')
          .withMemorySize(256)
          .withCodeType('Custom-Image-Swr')
          .withCustomImage(customImage)
          .withUserData(JSON.stringify({ GREETING: 'from user_data' })),
      ),
    ) as unknown as Promise<Record<string, unknown>>;

  beforeAll(() => {
    // No registry here: the image is built from the offline Node.js base, as a user would on their own host.
    buildDir = mkdtempSync(join(tmpdir(), 'ofg-e2e-image-'));
    writeFileSync(join(buildDir, 'server.js'), IMAGE_SERVER);
    writeFileSync(
      join(buildDir, 'Dockerfile'),
      [
        'FROM openfunctiongraph/base-node:20',
        'COPY server.js /app/server.js',
        'WORKDIR /app',
        'CMD ["/usr/local/bin/node", "/app/server.js"]',
        '',
      ].join('\n'),
    );
    execFileSync('docker', ['build', '-q', '-t', image, buildDir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: 'pipe',
    });
  });

  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
  });

  it('runs a Custom runtime whose bootstrap shell script drives node over the runtime API', async () => {
    const name = `custom-rt-${suffix}`;
    const urn = await zipFunction(
      name,
      'Custom',
      [
        {
          name: 'bootstrap',
          data: `#!/bin/bash\nexec ${NODE} "$RUNTIME_CODE_ROOT/index.js"\n`,
          mode: 0o100755,
        },
        { name: 'index.js', data: RUNTIME_API_LOOP },
      ],
      { GREETING: 'hi' },
    );
    const first = await invoke(urn, { name: 'sdk' });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.result)).toEqual({
      greeting: 'hello sdk',
      requestId: first.request_id,
      functionName: name,
      memory: '256',
      userData: 'hi',
      codeRoot: '/opt/function/code',
      uid: 1000,
    });
    expect(first.log).toContain(`Start invoke request '${first.request_id}'`);
    expect(first.log).toContain(`custom runtime handling ${first.request_id}`);
    expect(first.log).toContain(`Finish invoke request '${first.request_id}'`);

    const failed = await invokeV1(http, urn, { fail: 'this event' });
    expect(failed.status).toBe(200);
    expect(failed.headers.get('x-is-func-err')).toBe('true');
    expect(JSON.parse(failed.json.result)).toEqual({
      errorMessage: 'cannot handle this event',
      errorType: 'BadEvent',
    });

    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
  });

  it('runs an HTTP function: APIG events become their request, other events POST /, answers in APIG shape', async () => {
    // FunctionGraph's own samples write bootstrap without a #! line.
    const urn = await zipFunction(`http-fn-${suffix}`, 'http', [
      { name: 'bootstrap', data: `${NODE} $RUNTIME_CODE_ROOT/server.js\n`, mode: 0o100755 },
      { name: 'server.js', data: ECHO_SERVER },
    ]);
    const apigEvent = {
      httpMethod: 'POST',
      path: '/orders/7',
      queryStringParameters: { verbose: 'true' },
      headers: { 'content-type': 'text/plain', 'x-trace': 'abc' },
      body: Buffer.from('order body').toString('base64'),
      isBase64Encoded: true,
      requestContext: { requestId: 'apig-request', stage: 'RELEASE' },
      pathParameters: {},
    };
    const viaApig = await invoke(urn, apigEvent);
    expect(viaApig.status).toBe(200);
    const apig = decodeApig(viaApig.result);
    expect(apig.statusCode).toBe(200);
    expect(apig.isBase64Encoded).toBe(true);
    expect(apig.headers['Content-Type']).toEqual(['application/json; charset=utf-8']);
    expect(apig.headers['Set-Cookie']).toEqual(['a=1', 'b=2']);
    expect(apig.headers['Content-Length']).toHaveLength(1);
    expect(apig.echo).toMatchObject({ method: 'POST', url: '/orders/7?verbose=true', body: 'order body' });
    expect(apig.echo['headers']).toMatchObject({
      'x-trace': 'abc',
      'content-type': 'text/plain',
      'x-cff-request-id': viaApig.request_id,
      'x-cff-func-name': `http-fn-${suffix}`,
      'x-cff-memory': '256',
      'x-cff-timeout': '15',
      'x-cff-func-version': 'latest',
      'x-cff-project-id': http.stack.projectId,
      'x-cff-package': 'default',
    });
    expect(viaApig.log).toContain('http function got POST /orders/7?verbose=true');

    const plain = decodeApig((await invoke(urn, { hello: 'world' })).result);
    expect(plain.echo).toMatchObject({ method: 'POST', url: '/', body: '{"hello":"world"}' });
    expect(plain.echo['headers']).toMatchObject({ 'content-type': 'application/json' });

    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
  });

  it('reports an HTTP function process killed at the memory limit as "runtime memory limit exceeded"', async () => {
    const urn = await zipFunction(`http-oom-${suffix}`, 'http', [
      { name: 'bootstrap', data: `#!/bin/sh\nexec ${NODE} $RUNTIME_CODE_ROOT/hog.js\n`, mode: 0o100755 },
      {
        name: 'hog.js',
        data: `const held = [];
require('http').createServer(async (req, res) => {
  for (;;) { held.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); }
}).listen(8000, '127.0.0.1');
`,
      },
    ]);
    const res = await invokeV1(http, urn, { any: 1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-is-func-err')).toBe('true');
    expect(JSON.parse(res.json.result)).toMatchObject({ errorMessage: 'runtime memory limit exceeded' });
    // The instance is replaced: the next invocation runs on a fresh one and fails the same way, not with a dead agent.
    const again = await invokeV1(http, urn, { any: 2 });
    expect(JSON.parse(again.json.result)).toMatchObject({ errorMessage: 'runtime memory limit exceeded' });
    await http.request('DELETE', `${base}/functions/${urn}`);
  });

  it('runs a container image hardened, as its user, calling /init once and /invoke per event', async () => {
    const name = `image-fn-${suffix}`;
    const created = await imageFunction(
      name,
      new CustomImage().withEnabled(true).withImage(image).withUid('1003').withGid('1004'),
    );
    expect(created['code_type']).toBe('Custom-Image-Swr');
    expect(created['custom_image']).toEqual({
      enabled: true,
      image,
      command: '',
      args: '',
      working_dir: '',
      uid: '1003',
      gid: '1004',
    });
    expect(shapeProblems('createFunction', sdkBody(created))).toEqual([]);
    const urn = String(created['func_urn']);
    // The initializer of an image's event function is its POST /init.
    const withInitializer = await http.request('PUT', `${base}/functions/${urn}/config`, {
      body: {
        func_name: name,
        runtime: 'Custom Image',
        timeout: 15,
        handler: 'index.handler',
        memory_size: 256,
        initializer_handler: 'index.init',
        initializer_timeout: 5,
      },
    });
    expect(withInitializer.status).toBe(200);

    const first = await invoke(urn, { order: 1 });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.result)).toEqual({
      event: { order: 1 },
      argv: [],
      inits: 1,
      uid: 1003,
      gid: 1004,
      cwd: '/app',
      capEff: '0000000000000000',
      rootWrite: 'EROFS',
      tmpWrite: 'written',
      greeting: 'from user_data',
      funcName: name,
    });
    expect(first.log).toContain(`image handling ${first.request_id}`);
    expect(JSON.parse((await invoke(urn, { order: 2 })).result)).toMatchObject({
      event: { order: 2 },
      inits: 1,
    });

    // command, args and working_dir override the image's CMD and WORKDIR (entries separated by commas).
    const shown = (await sdk.showFunctionConfig(
      new ShowFunctionConfigRequest().withFunctionUrn(urn),
    )) as unknown as Record<string, unknown>;
    expect(shown['custom_image']).toMatchObject({ image, uid: '1003' });
    expect(shapeProblems('showFunctionConfig', sdkBody(shown))).toEqual([]);
    await sdk.updateFunctionConfig(
      new UpdateFunctionConfigRequest()
        .withFunctionUrn(urn)
        .withBody(
          new UpdateFunctionConfigRequestBody()
            .withFuncName(name)
            .withRuntime('Custom Image')
            .withTimeout(15)
            .withHandler('index.handler')
            .withMemorySize(256)
            .withCustomImage(
              new CustomImage()
                .withEnabled(true)
                .withImage(image)
                .withCommand('/usr/local/bin/node,/app/server.js')
                .withArgs('--mode,updated')
                .withWorkingDir('/tmp'),
            ),
        ),
    );
    const updated = JSON.parse((await invoke(urn, { order: 3 })).result) as Record<string, unknown>;
    expect(updated).toMatchObject({
      argv: ['--mode', 'updated'],
      cwd: '/tmp',
      uid: 1000,
      gid: 1000,
      // The initializer stays configured: the new instance initialises once too.
      inits: 1,
    });

    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
  });

  it('serves an HTTP function from a container image', async () => {
    const created = await imageFunction(
      `image-http-${suffix}`,
      new CustomImage().withEnabled(true).withImage(image),
      'http',
    );
    const urn = String(created['func_urn']);
    const res = await invokeV1(http, urn, {
      httpMethod: 'PUT',
      path: '/x',
      headers: {},
      body: '{"order":9}',
    });
    expect(res.status).toBe(200);
    const apig = decodeApig(res.json.result);
    expect(apig.statusCode).toBe(200);
    expect(apig.echo).toMatchObject({ event: { order: 9 }, uid: 1000 });
    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
  });

  describe('refusals', () => {
    const createBody = (name: string, overrides: Record<string, unknown>) => ({
      func_name: name,
      package: 'default',
      runtime: 'Custom Image',
      timeout: 10,
      handler: 'index.handler',
      memory_size: 128,
      code_type: 'Custom-Image-Swr',
      custom_image: { enabled: true, image },
      ...overrides,
    });

    it('refuses a Custom or HTTP package without a bootstrap at its root (FSS.1011)', async () => {
      const err = await sdkFailure(
        zipFunction(`no-bootstrap-${suffix}`, 'Custom', [
          { name: 'app/bootstrap', data: '#!/bin/sh\n', mode: 0o100755 },
        ]),
      );
      expect(err.httpStatusCode).toBe(400);
      expect(err.errorCode).toBe('FSS.1011');
      expect(err.errorMsg).toContain("'bootstrap' file at its root (found app/bootstrap");
    });

    it('reports a bootstrap that is not executable as a function error of the invocation', async () => {
      const urn = await zipFunction(`not-exec-${suffix}`, 'http', [
        { name: 'bootstrap', data: `${NODE} server.js\n`, mode: 0o100644 },
      ]);
      const res = await invokeV1(http, urn, {});
      expect(res.status).toBe(200);
      expect(res.headers.get('x-is-func-err')).toBe('true');
      expect(JSON.parse(res.json.result)).toMatchObject({
        errorType: 'BootstrapNotExecutable',
        errorMessage: expect.stringContaining("'bootstrap' is not executable") as unknown,
      });
      await http.request('DELETE', `${base}/functions/${urn}`);
    });

    it('answers an invocation of an image that is not on the host with FSS.1035', async () => {
      const absent = `ofg-e2e/absent-image:${suffix}`;
      const created = await imageFunction(
        `absent-${suffix}`,
        new CustomImage().withEnabled(true).withImage(absent),
      );
      const urn = String(created['func_urn']);
      const err = await sdkFailure(invoke(urn, { any: 1 }));
      expect(err.httpStatusCode).toBe(400);
      expect(err.errorCode).toBe('FSS.1035');
      expect(err.errorMsg).toContain(absent);
      await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
    });

    it.each([
      [
        'an image reference Docker refuses',
        { custom_image: { enabled: true, image: 'Bad/Upper:tag' } },
        'FSS.1034',
      ],
      ['an empty image', { custom_image: { enabled: true, image: '' } }, 'FSS.1034'],
      ['a root user', { custom_image: { enabled: true, image, uid: '0' } }, 'FSS.0400'],
      ['a relative working_dir', { custom_image: { enabled: true, image, working_dir: 'app' } }, 'FSS.0400'],
      ['no custom_image', { custom_image: undefined }, 'FSS.0400'],
      ['a disabled custom_image', { custom_image: { enabled: false, image } }, 'FSS.0400'],
      [
        'Custom Image with a zip',
        { code_type: 'zip', func_code: { file: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' } },
        'FSS.1006',
      ],
      ['an image for a Node.js runtime', { runtime: 'Node.js20.15' }, 'FSS.1005'],
      ['a custom_image field of the wrong type', { custom_image: { enabled: 'yes', image } }, 'FSS.0400'],
    ])('refuses %s', async (_what, overrides, code) => {
      const res = await http.request<{ error_code: string; error_msg: string }>('POST', `${base}/functions`, {
        body: createBody(`bad-image-${suffix}`, overrides),
      });
      expect(res.status).toBe(400);
      expect(res.json.error_code).toBe(code);
    });

    it('refuses a code update of an image function and an image for a code-package function', async () => {
      const created = await http.request<Record<string, unknown>>('POST', `${base}/functions`, {
        body: createBody(`img-code-${suffix}`, {}),
      });
      expect(created.status).toBe(200);
      const urn = String(created.json['func_urn']);
      const code = await http.request<{ error_code: string }>('PUT', `${base}/functions/${urn}/code`, {
        body: {
          code_type: 'zip',
          func_code: { file: (await buildZip([{ name: 'index.js', data: '' }])).toString('base64') },
        },
      });
      expect(code.status).toBe(400);
      expect(code.json.error_code).toBe('FSS.1006');
      const toNode = await http.request<{ error_code: string }>('PUT', `${base}/functions/${urn}/config`, {
        body: {
          func_name: `img-code-${suffix}`,
          runtime: 'Node.js20.15',
          timeout: 10,
          handler: 'index.handler',
          memory_size: 128,
        },
      });
      expect(toNode.status).toBe(400);
      expect(toNode.json.error_code).toBe('FSS.1005');
      await http.request('DELETE', `${base}/functions/${urn}`);
    });
  });
});
