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

  it('proves from inside the container: non-root, no capabilities, read-only root, no Postgres or Redis', async () => {
    const network = await docker.getNetwork(http.stack.functionNetwork).inspect();
    const gatewayIp = String(network.IPAM?.Config?.[0]?.Gateway ?? '');
    expect(gatewayIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const targets = [
      { host: gatewayIp, port: 5432 },
      { host: gatewayIp, port: 6379 },
      { host: '127.0.0.1', port: 5432 },
      { host: '127.0.0.1', port: 6379 },
    ];
    const urn = await deployFunction(http, `probe-${suffix}`, SOURCES.probe);
    const res = await invokeV1(http, urn, { targets });
    expect(res.json.status).toBe(200);
    const probe = JSON.parse(res.json.result) as {
      uid: string;
      capEff: string;
      capPrm: string;
      noNewPrivs: string;
      rootWrite: string;
      tmpWrite: string;
      connections: Record<string, string>;
    };
    expect(probe.uid.split(/\s+/).every((id) => id !== '0')).toBe(true);
    expect(probe.capEff).toBe('0000000000000000');
    expect(probe.capPrm).toBe('0000000000000000');
    expect(probe.noNewPrivs).toBe('1');
    expect(probe.rootWrite).toBe('EROFS');
    expect(probe.tmpWrite).toBe('written');
    for (const target of targets)
      expect(probe.connections[`${target.host}:${target.port}`]).not.toBe('connected');

    const [container] = await containersOf(urn.replace(/:latest$/, ''));
    const inspected = await docker.getContainer(container.Id).inspect();
    expect(inspected.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      Memory: 128 * 1024 * 1024,
      MemorySwap: 128 * 1024 * 1024,
      Privileged: false,
    });
    expect(inspected.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(inspected.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(Object.keys(inspected.HostConfig.Tmpfs ?? {})).toEqual(expect.arrayContaining(['/tmp']));
    expect(inspected.Config.User).toBe('1000:1000');
    expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([http.stack.functionNetwork]);
    expect(inspected.HostConfig.Binds ?? []).toEqual([]);
  });
});
