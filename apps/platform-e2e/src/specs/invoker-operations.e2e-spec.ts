import { readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import {
  CreateFunctionRequest,
  DeleteFunctionRequest,
  InvokeFunctionRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Job, Queue } from 'bullmq';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { Client } from 'pg';
import { CONTAINER_LABELS, decodeInboxEntry, InvocationJob, QUEUES, SYNC_INBOX_KEYS } from '@ofg/contracts';
import { startExtraInvoker } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { isAlive, pollUntil, SLEEPER_SOURCE, stackPidsWhere } from '../support/processes';
import { officialSdkClient, sdkNodeFunctionBody } from '../support/sdk';

/**
 * Invoker operations against the real stack: SIGTERM drains, kill -9 leaves orphans that the next start with the same
 * INVOKER_ID sweeps, and readiness follows the Docker engine. The stack's own invoker is stopped and restarted here
 * under its id and port, so the suites after this one find it as before.
 */

interface InvokeV1 {
  request_id: string;
  result: string;
  status: number;
}

/** The live process started with INVOKER_ID=<id> among the stack's pids. */
function pidOfInvoker(invokerId: string): number {
  const pids = stackPidsWhere((entry) => entry === `INVOKER_ID=${invokerId}`);
  if (pids.length !== 1) throw new Error(`expected one live invoker ${invokerId}, found ${pids.length}`);
  return pids[0];
}

describe('invoker operations', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const docker = new Docker();
  const suffix = Date.now().toString(36);
  const mainId = http.stack.invokerId;
  const mainPort = Number(new URL(http.stack.invokerUrl).port);
  let queue: Queue;
  let redis: Redis;
  let db: Client;
  let urn: string;

  const invoke = (event: Record<string, unknown>): Promise<InvokeV1> =>
    sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urn)
        .withXCFFRequestVersion('v1')
        .withBody(event as Record<string, object>),
    ) as unknown as Promise<InvokeV1>;

  const containersOfInvoker = (invokerId: string): Promise<Docker.ContainerInfo[]> =>
    docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.invokerId}=${invokerId}`] } });

  /** The invoker that recorded a sync invocation (records are written off the hot path). */
  const servedBy = (requestId: string): Promise<string> =>
    pollUntil(
      async () =>
        (
          (await db.query('SELECT invoker_id FROM invocations WHERE request_id = $1', [requestId])).rows as {
            invoker_id: string;
          }[]
        )[0]?.invoker_id,
      (id) => id !== undefined,
      `record of ${requestId}`,
      10_000,
    );

  const ofThisSuite = (job: InvocationJob, sleepMs: number): boolean =>
    job.function.funcUrn === urn.replace(/:latest$/, '') &&
    (JSON.parse(job.event) as { sleepMs?: number }).sleepMs === sleepMs;

  /** This suite's sync jobs still waiting for an invoker: in an inbox (the fast path) or in the BullMQ queue. */
  const queuedJobs = async (sleepMs: number): Promise<InvocationJob[]> => {
    const inboxes = [SYNC_INBOX_KEYS.shared, ...(await redis.keys(`${SYNC_INBOX_KEYS.invokerPrefix}*`))];
    const entries = (await Promise.all(inboxes.map((key) => redis.lrange(key, 0, -1)))).flat();
    const waiting = ((await queue.getJobs(['waiting'])) as Job<InvocationJob>[]).map((job) => job.data);
    return [...entries.map(decodeInboxEntry), ...waiting].filter((job) => ofThisSuite(job, sleepMs));
  };

  /** Starts the stack's invoker again under its own id and port. */
  const restartMain = (): ReturnType<typeof startExtraInvoker> =>
    startExtraInvoker(http.stack, 'main', mainPort, { INVOKER_ID: mainId });

  beforeAll(async () => {
    redis = new Redis(http.stack.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.invocations, { connection: redis });
    db = new Client({ connectionString: http.stack.databaseUrl });
    await db.connect();
    const name = `ops-sleeper-${suffix}`;
    urn = (
      (await sdk.createFunction(
        new CreateFunctionRequest().withBody(await sdkNodeFunctionBody(name, SLEEPER_SOURCE)),
      )) as unknown as { func_urn: string }
    ).func_urn;
  });

  afterAll(async () => {
    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn)).catch(() => undefined);
    await queue.close();
    redis.disconnect();
    await db.end();
  });

  it('SIGTERM: finishes the invocation in flight, takes no new job, removes its containers and exits', async () => {
    const pid = pidOfInvoker(mainId);
    expect(JSON.parse((await invoke({ sleepMs: 0 })).result)).toMatchObject({ slept: 0 });
    expect(await containersOfInvoker(mainId)).not.toHaveLength(0);

    const inFlight = invoke({ sleepMs: 3000 });
    // Sent, and no longer waiting anywhere: an invoker runs it.
    await new Promise((r) => setTimeout(r, 500));
    await pollUntil(
      () => queuedJobs(3000),
      (jobs) => jobs.length === 0,
      'the long invocation is taken',
      10_000,
    );
    process.kill(pid, 'SIGTERM');
    await pollUntil(
      () =>
        fetch(`${http.stack.invokerUrl}/health/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s !== 200,
      'readiness drops',
      5000,
    );
    const queued = invoke({ sleepMs: 1 });
    const [waiting] = await pollUntil(
      () => queuedJobs(1),
      (jobs) => jobs.length === 1,
      'the new invocation waits in the queue',
      5000,
    );

    const drained = await inFlight;
    expect(drained.status).toBe(200);
    expect(JSON.parse(drained.result)).toMatchObject({ slept: 3000 });
    await pollUntil(
      () => isAlive(pid),
      (a) => !a,
      'the invoker exits',
      30_000,
    );
    expect(await containersOfInvoker(mainId)).toEqual([]);
    const log = readFileSync(join(http.stack.logDir, 'invoker.log'), 'utf8');
    expect(log).toContain('"msg":"invoker drained"');
    expect(log).not.toContain('drain deadline passed');
    // Nobody took the queued invocation while the invoker drained.
    expect((await queuedJobs(1)).map((job) => job.requestId)).toEqual([waiting.requestId]);

    await restartMain();
    const served = await queued;
    expect(served.status).toBe(200);
    expect(JSON.parse(served.result)).toMatchObject({ slept: 1 });
    expect(await servedBy(served.request_id)).toBe(mainId);
  });

  it('kill -9 leaves its containers behind; starting again with the same INVOKER_ID sweeps them', async () => {
    const first = await invoke({ sleepMs: 0 });
    const orphan = JSON.parse(first.result).container as string;
    const pid = pidOfInvoker(mainId);
    process.kill(pid, 'SIGKILL');
    await pollUntil(
      () => isAlive(pid),
      (a) => !a,
      'the invoker dies',
      5000,
    );
    const left = await containersOfInvoker(mainId);
    expect(left.map((c) => c.Id.slice(0, 12))).toContain(orphan);

    // Ready means the sweep ran: the worker starts only after it.
    await restartMain();
    const after = await containersOfInvoker(mainId);
    expect(after.filter((c) => left.some((l) => l.Id === c.Id))).toEqual([]);
    const next = await invoke({ sleepMs: 0 });
    expect(next.status).toBe(200);
    expect(JSON.parse(next.result).container).not.toBe(orphan);
  });

  describe('with an invoker whose Docker socket goes away', () => {
    const socketPath = join(http.stack.logDir, `docker-proxy-${process.pid}.sock`);
    let proxy: Server | undefined;
    const sockets = new Set<Socket>();

    /** A pass-through to the real engine socket that the test can take down and bring back. */
    const openProxy = async (): Promise<void> => {
      rmSync(socketPath, { force: true });
      proxy = createServer((client) => {
        const engine = createConnection('/var/run/docker.sock');
        for (const s of [client, engine]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(engine).pipe(client);
      });
      await new Promise<void>((resolve) => proxy!.listen(socketPath, resolve));
    };
    const closeProxy = async (): Promise<void> => {
      const closing = new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
      for (const s of sockets) s.destroy();
      await closing;
      proxy = undefined;
    };
    const ready = async (
      url: string,
    ): Promise<{ http: number; checks: Record<string, { status: string }> }> => {
      const res = await fetch(`${url}/health/ready`);
      return {
        http: res.status,
        checks: ((await res.json()) as { checks: Record<string, { status: string }> }).checks,
      };
    };

    afterAll(async () => {
      await closeProxy();
      rmSync(socketPath, { force: true });
    });

    it('/health/ready answers 503 while Docker is unreachable, the invoker takes no job meanwhile, and both recover', async () => {
      await openProxy();
      const extra = await startExtraInvoker(http.stack, 'dockerless', mainPort + 20, {
        DOCKER_SOCKET: socketPath,
      });
      try {
        await closeProxy();
        const down = await pollUntil(
          () => ready(extra.url),
          (r) => r.checks['worker']?.status === 'down',
          'worker pauses',
          15_000,
        );
        expect(down.http).toBe(503);
        expect(down.checks).toMatchObject({
          docker: { status: 'down' },
          worker: { status: 'down' },
          postgres: { status: 'up' },
          redis: { status: 'up' },
        });

        // Every invocation meanwhile is served, and none by the invoker without an engine.
        for (let i = 0; i < 8; i++) {
          const res = await invoke({ sleepMs: 0, i });
          expect(res.status).toBe(200);
          expect(await servedBy(res.request_id)).not.toBe(extra.invokerId);
        }

        await openProxy();
        const up = await pollUntil(
          () => ready(extra.url),
          (r) => r.http === 200,
          'readiness recovers',
          15_000,
        );
        expect(up.checks).toMatchObject({ docker: { status: 'up' }, worker: { status: 'up' } });
      } finally {
        process.kill(extra.pid, 'SIGTERM');
        await pollUntil(
          () => isAlive(extra.pid),
          (a) => !a,
          'the extra invoker exits',
          30_000,
        );
      }
    });
  });
});
