import Docker from 'dockerode';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { SOURCES } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';

const docker = new Docker();
const suffix = Date.now().toString(36);

/** Running containers of one function, found through the labels the invoker puts on them. */
async function containersOf(unqualifiedUrn: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ filters: { label: [`${CONTAINER_LABELS.functionUrn}=${unqualifiedUrn}`] } });
}

describe('invoker behaviour through the gateway', () => {
  const http = new FgsClient();

  it('serves 50 sequential invocations of one function from one warm container', async () => {
    const urn = await deployFunction(http, `warm-${suffix}`, SOURCES.hostname);
    const hostnames = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const res = await invokeV1(http, urn, { i }, false);
      expect(res.status).toBe(200);
      expect(res.json.status).toBe(200);
      hostnames.add(res.json.result);
    }
    expect(hostnames.size).toBe(1);
    const containers = await containersOf(urn.replace(/:latest$/, ''));
    expect(containers).toHaveLength(1);
    expect(containers[0].Id.startsWith([...hostnames][0])).toBe(true);
  });

  it('drops the old warm container as soon as the function code changes', async () => {
    const urn = await deployFunction(http, `changing-${suffix}`, SOURCES.hostname);
    const unqualified = urn.replace(/:latest$/, '');
    const before = (await invokeV1(http, urn, {}, false)).json.result;
    const updated = await http.request('PUT', http.fnPath(urn, '/code'), {
      body: { code_type: 'inline', func_code: { file: Buffer.from(SOURCES.helloV2).toString('base64') } },
    });
    expect(updated.status).toBe(200);
    const until = Date.now() + 15_000;
    while (Date.now() < until && (await containersOf(unqualified)).some((c) => c.Id.startsWith(before))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await containersOf(unqualified)).map((c) => c.Id.slice(0, before.length))).not.toContain(before);
    const after = await invokeV1(http, urn, { name: 'new code' }, false);
    expect(JSON.parse(after.json.result)).toMatchObject({ greeting: 'hi new code', version: 2 });
  });

  it('answers a handler that outlives its timeout with the timeout error, then serves the next call', async () => {
    const urn = await deployFunction(http, `sleepy-${suffix}`, SOURCES.sleeper, { timeout: 3 });
    const started = Date.now();
    const res = await invokeV1(http, urn, { sleepMs: 20_000 });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-is-func-err')).toBe('true');
    expect(JSON.parse(res.json.result)).toMatchObject({ errorType: 'TimeoutError' });
    expect(elapsed).toBeLessThan(3000 + 1000);

    const next = await invokeV1(http, urn, { sleepMs: 10 });
    expect(next.status).toBe(200);
    expect(next.json.result).toBe('slept 10');
  });

  it('reports a handler killed for exceeding its memory as an out-of-memory function error, then recovers', async () => {
    const urn = await deployFunction(http, `hog-${suffix}`, SOURCES.memoryHog, { timeout: 20, memory: 128 });
    const res = await invokeV1(http, urn, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('x-is-func-err')).toBe('true');
    expect(JSON.parse(res.json.result)).toMatchObject({
      errorMessage: 'runtime memory limit exceeded',
      errorType: 'OutOfMemoryError',
    });
    expect((await fetch(`${http.stack.invokerUrl}/health/ready`)).status).toBe(200);
  });

  it('returns a thrown error in FunctionGraph shape', async () => {
    const urn = await deployFunction(http, `thrower-${suffix}`, SOURCES.thrower);
    const res = await invokeV1(http, urn, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('x-is-func-err')).toBe('true');
    const error = JSON.parse(res.json.result) as {
      errorMessage: string;
      errorType: string;
      stackTrace: string[];
    };
    expect(error.errorMessage).toBe('function invocation exception, error: boom from handler');
    expect(error.errorType).toBe('TypeError');
    expect(Array.isArray(error.stackTrace)).toBe(true);
  });

  it('returns a callback error in FunctionGraph shape', async () => {
    const urn = await deployFunction(http, `cberr-${suffix}`, SOURCES.callbackError);
    const res = await invokeV1(http, urn, {});
    expect(res.headers.get('x-is-func-err')).toBe('true');
    expect(JSON.parse(res.json.result)).toMatchObject({
      errorMessage: 'function entry exception, error: callback says no',
      errorType: 'Error',
    });
  });

  it('returns an initializer failure in FunctionGraph shape and stays healthy', async () => {
    const urn = await deployFunction(http, `initfail-${suffix}`, SOURCES.initFails, {
      initializer: 'index.initializer',
    });
    const res = await invokeV1(http, urn, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('x-is-func-err')).toBe('true');
    expect(JSON.parse(res.json.result)).toMatchObject({
      errorMessage: 'function initialization exception: cannot initialise',
    });
    for (const url of [http.stack.gatewayUrl, http.stack.invokerUrl, http.stack.triggerUrl]) {
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    }
    const healthy = await deployFunction(http, `afterinit-${suffix}`, SOURCES.hostname);
    expect((await invokeV1(http, healthy, {})).json.status).toBe(200);
  });
});
