import { createConnection, createServer, Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  CreateFunctionRequest,
  CreateFunctionRequestBody,
  DeleteFunctionRequest,
  FuncCode,
  InvokeFunctionRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import Docker from 'dockerode';
import { Client } from 'pg';
import { zipBase64 } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { officialSdkClient } from '../support/sdk';

/**
 * The sandbox as function code sees it: probe functions deployed and invoked through the official SDK inspect their
 * own container (identity, capabilities, file systems, limits, network) and report; the test asserts the findings.
 */

const NODE_PROBE = `const fs = require('fs');
const net = require('net');
const http = require('http');

const field = (text, name) => ((text.match(new RegExp('^' + name + ':\\\\s*(.*)$', 'm')) || [])[1] || '').trim();
function writeTo(path) {
  try { fs.writeFileSync(path, 'x'); fs.unlinkSync(path); return 'written'; } catch (e) { return e.code; }
}
function connect(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 2000 });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('timeout', () => { s.destroy(); resolve('timeout'); });
    s.on('error', (e) => resolve(e.code || 'error'));
  });
}
function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 3000 }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('timeout', () => { req.destroy(); resolve('timeout'); });
    req.on('error', (e) => resolve(e.code || 'error'));
  });
}
function openFilesUntilRefused() {
  const fds = [];
  let error = 'none';
  try { for (let i = 0; i < 1000000; i++) fds.push(fs.openSync('/dev/null', 'r')); } catch (e) { error = e.code; }
  for (const fd of fds) fs.closeSync(fd);
  return { opened: fds.length, error };
}
function fillTmp() {
  const chunk = Buffer.alloc(8 * 1024 * 1024, 1);
  const fd = fs.openSync('/tmp/fill', 'w');
  let written = 0;
  let error = 'none';
  try { while (written < 2 * 1024 * 1024 * 1024) written += fs.writeSync(fd, chunk); } catch (e) { error = e.code; }
  fs.closeSync(fd);
  fs.unlinkSync('/tmp/fill');
  return { written, error };
}

exports.handler = async (event) => {
  if (event.mode === 'fill-tmp') return fillTmp();
  if (event.mode === 'network') {
    const entries = await Promise.all(event.targets.map(async (t) => [t.host + ':' + t.port, await connect(t.host, t.port)]));
    return { connections: Object.fromEntries(entries), apiEndpoint: process.env.OFG_API_ENDPOINT || '', api: await get(process.env.OFG_API_ENDPOINT + '/health/live') };
  }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const limits = fs.readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\\s+(\\d+)\\s+(\\d+)/m);
  const tmp = fs.statfsSync('/tmp');
  return {
    hostname: require('os').hostname(),
    uid: field(status, 'Uid'), gid: field(status, 'Gid'), groups: field(status, 'Groups'),
    caps: { inh: field(status, 'CapInh'), prm: field(status, 'CapPrm'), eff: field(status, 'CapEff'), bnd: field(status, 'CapBnd'), amb: field(status, 'CapAmb') },
    noNewPrivs: field(status, 'NoNewPrivs'), seccomp: field(status, 'Seccomp'),
    writes: { root: writeTo('/probe'), usr: writeTo('/usr/probe'), runtime: writeTo('/opt/function/runtime/probe'), tmp: writeTo('/tmp/probe') },
    tmp: { type: tmp.type, bytes: tmp.blocks * tmp.bsize },
    files: { soft: Number(limits[1]), hard: Number(limits[2]), ...openFilesUntilRefused() },
    dockerSockets: ['/var/run/docker.sock', '/run/docker.sock'].filter((p) => fs.existsSync(p)),
    platformEnv: Object.keys(process.env).filter((k) => /^(DATABASE_URL|REDIS_URL|OFG_MASTER_KEY|OFG_ADMIN_|DOCKER_)/.test(k)),
  };
};
`;

const PYTHON_PROBE = `import os
import re


def field(text, name):
    m = re.search("^" + name + r":\\s*(.*)$", text, re.M)
    return m.group(1).strip() if m else ""


def write_to(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        os.unlink(path)
        return "written"
    except OSError as e:
        return type(e).__name__ + ":" + str(e.errno)


def handler(event, context):
    with open("/proc/self/status") as f:
        status = f.read()
    st = os.statvfs("/tmp")
    return {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "caps": {k: field(status, k) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")},
        "noNewPrivs": field(status, "NoNewPrivs"),
        "writes": {"root": write_to("/probe"), "runtime": write_to("/opt/function/runtime/probe"), "tmp": write_to("/tmp/probe")},
        "tmpBytes": st.f_blocks * st.f_frsize,
        "dockerSockets": [p for p in ("/var/run/docker.sock", "/run/docker.sock") if os.path.exists(p)],
    }
`;

// Children that fork until the kernel refuses, then keep trying: the pid limit stays saturated until the container goes.
const PYTHON_FORK_BOMB = `import os
import time


def handler(event, context):
    if event.get("mode") != "bomb":
        return {"pong": True, "hostname": os.uname().nodename}
    forked = 0
    try:
        while True:
            if os.fork() == 0:
                try:
                    while True:
                        try:
                            os.fork()
                        except OSError:
                            time.sleep(0.2)
                finally:
                    os._exit(0)
            forked += 1
    finally:
        print("forked %d processes before the pid limit stopped the bomb" % forked)
`;

const PYTHON_MEMORY_HOG = `import os

held = []


def handler(event, context):
    if event.get("mode") == "hog":
        while True:
            held.append(b"\\x01" * (16 * 1024 * 1024))
    return {"hostname": os.uname().nodename}
`;

const NODE_LOG_FLOOD = `exports.handler = async (event) => {
  const line = 'x'.repeat(1023) + '\\n';
  let printed = 0;
  while (printed < event.bytes) { process.stdout.write(line); printed += line.length; }
  console.log('END-OF-FLOOD');
  return { printed };
};
`;

const PYTHON_LOG_FLOOD = `import sys


def handler(event, context):
    line = "y" * 1023 + "\\n"
    printed = 0
    while printed < event["bytes"]:
        sys.stdout.write(line)
        printed += len(line)
    print("END-OF-FLOOD")
    return {"printed": printed}
`;

interface InvokeV1 {
  request_id: string;
  result: string;
  log: string;
  status: number;
}

const MIB = 1024 * 1024;
const TMPFS_MAGIC = 0x01021994;
const ZERO_CAPS = '0000000000000000';

describe('the function sandbox, probed from inside', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const docker = new Docker();
  const suffix = Date.now().toString(36);
  const deployed: string[] = [];

  async function deploy(
    name: string,
    runtime: 'Node.js20.15' | 'Python3.9',
    source: string,
    opts: { memory?: number; timeout?: number } = {},
  ): Promise<string> {
    const file = runtime === 'Python3.9' ? 'index.py' : 'index.js';
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(
        new CreateFunctionRequestBody()
          .withFuncName(`${name}-${suffix}`)
          .withPackage('default')
          .withRuntime(runtime)
          .withTimeout(opts.timeout ?? 30)
          .withHandler('index.handler')
          .withMemorySize(opts.memory ?? 128)
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new FuncCode().withFile(await zipBase64({ [file]: source }))),
      ),
    )) as unknown as { func_urn: string };
    deployed.push(created.func_urn);
    return created.func_urn;
  }

  function invoke(urn: string, event: Record<string, unknown>): Promise<InvokeV1> {
    return sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urn)
        .withXCffLogType('tail')
        .withXCFFRequestVersion('v1')
        .withBody(event as Record<string, object>),
    ) as unknown as Promise<InvokeV1>;
  }

  afterAll(async () => {
    for (const urn of deployed)
      await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn)).catch(() => undefined);
  });

  it('Node.js: runs as uid/gid 1000 with no capabilities, no new privileges, seccomp and a read-only root', async () => {
    const urn = await deploy('probe-node', 'Node.js20.15', NODE_PROBE);
    const res = await invoke(urn, {});
    expect(res.status).toBe(200);
    const probe = JSON.parse(res.result) as Record<string, unknown>;

    for (const ids of [probe['uid'], probe['gid']])
      expect(String(ids).split(/\s+/)).toEqual(['1000', '1000', '1000', '1000']);
    expect(String(probe['groups']).split(/\s+/)).not.toContain('0');
    expect(probe['caps']).toEqual({
      inh: ZERO_CAPS,
      prm: ZERO_CAPS,
      eff: ZERO_CAPS,
      bnd: ZERO_CAPS,
      amb: ZERO_CAPS,
    });
    expect(probe['noNewPrivs']).toBe('1');
    // 2 = seccomp filter mode (Docker's default profile).
    expect(probe['seccomp']).toBe('2');
    expect(probe['writes']).toEqual({ root: 'EROFS', usr: 'EROFS', runtime: 'EROFS', tmp: 'written' });
    expect(probe['tmp']).toEqual({ type: TMPFS_MAGIC, bytes: 512 * MIB });
    expect(probe['dockerSockets']).toEqual([]);
    expect(probe['platformEnv']).toEqual([]);
    // The open-file limit holds: 1024 soft and hard, and opening more fails with EMFILE below it.
    const files = probe['files'] as { soft: number; hard: number; opened: number; error: string };
    expect(files).toMatchObject({ soft: 1024, hard: 1024, error: 'EMFILE' });
    expect(files.opened).toBeGreaterThan(900);
    expect(files.opened).toBeLessThan(1024);

    // The hostname is the container id's prefix (prewarmed containers carry no function labels).
    const inspected = await docker.getContainer(String(probe['hostname'])).inspect();
    expect(inspected.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      Privileged: false,
      PidsLimit: 128,
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
    });
    expect(inspected.HostConfig.Binds ?? []).toEqual([]);
    expect(inspected.Mounts.filter((m) => m.Type !== 'tmpfs')).toEqual([]);
  });

  it('Python: the same identity, capabilities and file systems', async () => {
    const urn = await deploy('probe-py', 'Python3.9', PYTHON_PROBE);
    const res = await invoke(urn, {});
    expect(res.status).toBe(200);
    const probe = JSON.parse(res.result) as { groups: number[] };
    expect(probe.groups).not.toContain(0);
    expect({ ...probe, groups: undefined }).toEqual({
      uid: 1000,
      euid: 1000,
      gid: 1000,
      groups: undefined,
      caps: { CapInh: ZERO_CAPS, CapPrm: ZERO_CAPS, CapEff: ZERO_CAPS, CapBnd: ZERO_CAPS, CapAmb: ZERO_CAPS },
      noNewPrivs: '1',
      // errno 30 = EROFS
      writes: { root: 'OSError:30', runtime: 'OSError:30', tmp: 'written' },
      tmpBytes: 512 * MIB,
      dockerSockets: [],
    });
  });

  it('/tmp takes 512 MB and refuses the next byte with ENOSPC', async () => {
    // tmpfs pages count against the memory limit, so the writer needs more than 512 MB of memory.
    const urn = await deploy('fill-tmp', 'Node.js20.15', NODE_PROBE, { memory: 1024 });
    const res = await invoke(urn, { mode: 'fill-tmp' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.result)).toEqual({ written: 512 * MIB, error: 'ENOSPC' });
  });

  describe('network', () => {
    let hostService: Server;
    let peerContainer: string;

    beforeAll(async () => {
      // A service listening on every host address: what function code must not reach, though the host can.
      hostService = createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end('host service\n');
      });
      await new Promise<void>((resolve) => hostService.listen(0, '0.0.0.0', resolve));
      const peerUrn = await deploy(
        'peer',
        'Node.js20.15',
        `exports.handler = async () => require('os').hostname();`,
      );
      peerContainer = (await invoke(peerUrn, {})).result;
      expect(peerContainer).toMatch(/^[0-9a-f]{12}$/);
    });

    afterAll(() => new Promise<void>((resolve) => hostService.close(() => resolve())));

    it('reaches the API endpoint, and no other port of the host, no other instance and no metadata service', async () => {
      const network = await docker.getNetwork(http.stack.functionNetwork).inspect();
      const bridgeIp = String(network.IPAM?.Config?.[0]?.Gateway ?? '');
      expect(bridgeIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const hostAddresses = [
        ...new Set([
          bridgeIp,
          ...Object.values(networkInterfaces())
            .flat()
            .filter((a) => a && a.family === 'IPv4' && !a.internal)
            .map((a) => a!.address),
        ]),
      ];
      const port = (url: string): number => Number(new URL(url).port);
      const servicePort = (hostService.address() as { port: number }).port;
      const hostPorts = {
        postgres: 5432,
        redis: 6379,
        invoker: port(http.stack.invokerUrl),
        trigger: port(http.stack.triggerUrl),
        dockerTcp: 2375,
        dockerTls: 2376,
        hostService: servicePort,
      };
      // The invoker, the trigger and the test's service do listen on the bridge address: the probe's refusals count.
      for (const listening of [hostPorts.invoker, hostPorts.trigger, servicePort])
        expect(await connectFromHost(bridgeIp, listening)).toBe('connected');

      const peerIp = Object.values(
        (await docker.getContainer(peerContainer).inspect()).NetworkSettings.Networks,
      )[0].IPAddress;
      const forbidden = [
        ...hostAddresses.flatMap((host) => Object.values(hostPorts).map((p) => ({ host, port: p }))),
        { host: peerIp, port: 8000 },
        { host: '169.254.169.254', port: 80 },
      ];
      const api = { host: bridgeIp, port: port(http.stack.gatewayUrl) };

      const urn = await deploy('probe-net', 'Node.js20.15', NODE_PROBE);
      const res = await invoke(urn, { mode: 'network', targets: [api, ...forbidden] });
      expect(res.status).toBe(200);
      const probe = JSON.parse(res.result) as {
        connections: Record<string, string>;
        apiEndpoint: string;
        api: number;
      };
      expect(probe.apiEndpoint).toBe(`http://${api.host}:${api.port}`);
      expect(probe.api).toBe(200);
      expect(probe.connections[`${api.host}:${api.port}`]).toBe('connected');
      const reached = forbidden
        .map((t) => `${t.host}:${t.port}`)
        .filter((t) => probe.connections[t] === 'connected');
      expect(reached).toEqual([]);
    });
  });

  it('a fork bomb stops at the pid limit as a function error, and the next invocation works', async () => {
    const urn = await deploy('fork-bomb', 'Python3.9', PYTHON_FORK_BOMB, { timeout: 20 });
    const before = (await invoke(urn, { mode: 'ping' })).result;
    const bomb = await invoke(urn, { mode: 'bomb' });
    expect(bomb.status).toBe(500);
    expect(JSON.parse(bomb.result)).toMatchObject({ errorType: 'BlockingIOError' });
    const forked = Number(/forked (\d+) processes/.exec(bomb.log)?.[1]);
    expect(forked).toBeGreaterThan(0);
    expect(forked).toBeLessThan(128);

    const next = await invoke(urn, { mode: 'ping' });
    expect(next.status).toBe(200);
    expect(JSON.parse(next.result)).toMatchObject({ pong: true });
    // The saturated instance was replaced rather than reused.
    expect(JSON.parse(next.result).hostname).not.toBe(JSON.parse(before).hostname);
  });

  it('a Python memory hog is reported as "runtime memory limit exceeded" and the next call runs in a new container', async () => {
    const urn = await deploy('hog-py', 'Python3.9', PYTHON_MEMORY_HOG, { memory: 128, timeout: 20 });
    const before = JSON.parse((await invoke(urn, {})).result).hostname as string;
    const hog = await invoke(urn, { mode: 'hog' });
    expect(hog.status).toBe(500);
    expect(JSON.parse(hog.result)).toEqual({
      errorMessage: 'runtime memory limit exceeded',
      errorType: 'OutOfMemoryError',
    });
    const after = await invoke(urn, {});
    expect(after.status).toBe(200);
    expect(JSON.parse(after.result).hostname).not.toBe(before);
  });

  describe('log volume', () => {
    const FLOOD_BYTES = 50 * MIB;
    const LOG_CAP_BYTES = MIB;
    let db: Client;

    beforeAll(async () => {
      db = new Client({ connectionString: http.stack.databaseUrl });
      await db.connect();
    });
    afterAll(() => db.end());

    async function recordedLog(requestId: string): Promise<string> {
      for (let i = 0; i < 100; i++) {
        const rows = (await db.query('SELECT log FROM invocations WHERE request_id = $1', [requestId]))
          .rows as {
          log: string;
        }[];
        if (rows.length > 0) return rows[0].log;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no invocation record for ${requestId}`);
    }

    it.each([
      ['Node.js20.15', NODE_LOG_FLOOD],
      ['Python3.9', PYTHON_LOG_FLOOD],
    ] as const)(
      '%s: 50 MB of output keeps the newest 1 MB with a truncation marker, and the reply is intact',
      async (runtime, source) => {
        const urn = await deploy(`flood-${runtime.startsWith('Python') ? 'py' : 'node'}`, runtime, source, {
          timeout: 60,
        });
        const res = await invoke(urn, { bytes: FLOOD_BYTES });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.result)).toEqual({ printed: FLOOD_BYTES });
        // The caller's tail is the last 4 KB, ending with the last line printed.
        expect(Buffer.byteLength(res.log)).toBeLessThanOrEqual(4096);
        expect(res.log).toContain('END-OF-FLOOD');

        const log = await recordedLog(res.request_id);
        expect(Buffer.byteLength(log)).toBeLessThanOrEqual(LOG_CAP_BYTES);
        expect(Buffer.byteLength(log)).toBeGreaterThan(LOG_CAP_BYTES - 8192);
        // Start line, marker, the newest output, Finish line.
        expect(log.split('\n')[0]).toContain(`Start invoke request '${res.request_id}'`);
        const dropped = Number(/^\[log truncated: (\d+) bytes dropped\]$/m.exec(log)?.[1]);
        expect(dropped).toBeGreaterThan(FLOOD_BYTES - LOG_CAP_BYTES);
        expect(log).toContain('END-OF-FLOOD');
        expect(log).toContain(`Finish invoke request '${res.request_id}'`);
      },
    );
  });
});

/** A TCP connect from the test process (the host), for the counter-check of the probe's refusals. */
function connectFromHost(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(port, host);
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
