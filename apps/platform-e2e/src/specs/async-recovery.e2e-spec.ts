import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { Client } from 'pg';
import { CONTAINER_LABELS, disStreamKey, smnTopicStreamKey } from '@ofg/contracts';
import { issueToken, startExtraInvoker, startStack, stopStack, StackInfo } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { zipFunctionBody } from '../support/functions';
import { isAlive, pollUntil } from '../support/processes';

/** Sleeps `event.sleepMs` (or fails when `event.fail`), then answers with the request id the platform gave this run. */
const WORKER = `exports.handler = async (event, context) => {
  if (event.fail) throw new Error('asked to fail');
  await new Promise((r) => setTimeout(r, event.sleepMs || 0));
  return { rid: context.getRequestID(), n: event.n };
};`;

type Ledger = {
  request_id: string;
  status: string;
  attempt: number;
  invoker_id: string;
  result: string | null;
  start_time: Date | null;
  end_time: Date | null;
  created_at: Date;
};

/** One line of figures in the test output (not an assertion: timings belong to bench/). */
const report = (line: string): boolean => process.stdout.write(`[async-recovery] ${line}\n`);

/** A token-authenticated client of one stack (the suite's, or this spec's own with its own Redis). */
function clientOf(stack: StackInfo, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      /* not JSON: kept in text */
    }
    return { status: res.status, json, text };
  };
  return {
    call,
    async deploy(name: string, concurrentNum: number): Promise<string> {
      const body = await zipFunctionBody(name, WORKER, {
        timeout: 30,
        strategy_config: { concurrency: -1, concurrent_num: concurrentNum },
      });
      const res = await call('POST', `/v2/${stack.projectId}/fgs/functions`, body);
      if (res.status !== 200) throw new Error(`create ${name}: ${res.status} ${res.text}`);
      return String(res.json['func_urn']);
    },
    async onSuccessToStream(urn: string, stream: string): Promise<void> {
      const res = await call('PUT', `/v2/${stack.projectId}/fgs/functions/${urn}/async-invoke-config`, {
        max_async_event_age_in_seconds: 3600,
        max_async_retry_attempts: 0,
        destination_config: {
          on_success: { destination: 'DIS', param: JSON.stringify({ stream_name: stream }) },
        },
      });
      if (res.status !== 200) throw new Error(`async config: ${res.status} ${res.text}`);
    },
    invokeAsync: (urn: string, event: unknown) =>
      call('POST', `/v2/${stack.projectId}/fgs/functions/${urn}/invocations-async`, event),
  };
}

async function ledgerOf(db: Client, urn: string): Promise<Ledger[]> {
  const name = urn.split(':')[6];
  const { rows } = await db.query<Ledger>(
    `SELECT i.request_id, i.status, i.attempt, i.invoker_id, i.result, i.start_time, i.end_time, i.created_at
       FROM invocations i
       JOIN functions f ON f.id = i.function_id WHERE f.func_name = $1 AND i.invoke_type = 'async'`,
    [name],
  );
  return rows;
}

const terminal = (rows: Ledger[]) => rows.filter((r) => ['SUCCESS', 'FAIL', 'DISCARD'].includes(r.status));

/** Request ids of a DIS destination stream, one per delivered record. */
async function streamRequestIds(redis: Redis, projectId: string, stream: string): Promise<string[]> {
  const entries = await redis.xrange(disStreamKey(projectId, stream), '-', '+');
  return entries.map(([, fields]) => fields[fields.indexOf('request_id') + 1]);
}

async function terminate(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, signal);
  await pollUntil(
    () => isAlive(pid),
    (alive) => !alive,
    `process ${pid} to exit`,
    30_000,
  );
}

describe('async recovery: no accepted request is lost when an invoker or Redis dies', () => {
  const http = new FgsClient();
  const stack = http.stack;
  const tag = Date.now().toString(36);
  let db: Client;
  let redis: Redis;
  let token: string;

  beforeAll(async () => {
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    redis = new Redis(stack.redisUrl);
    token = await issueToken(stack);
  });

  afterAll(async () => {
    await db?.end();
    redis?.disconnect();
  });

  it('kill -9 of an invoker mid-batch: every request ends once, interrupted ones re-run with their request id, no orphan container', async () => {
    const api = clientOf(stack, token);
    const urn = await api.deploy(`killed-${tag}`, 10);
    const stream = `killed-${tag}`;
    await api.onSuccessToStream(urn, stream);
    const port = Number(new URL(stack.invokerUrl).port) + 30;
    const victim = await startExtraInvoker(stack, `victim-${tag}`, port);
    const survivor = await startExtraInvoker(stack, `survivor-${tag}`, port + 1);
    try {
      const accepted: string[] = [];
      for (let n = 0; n < 30; n++) {
        const res = await api.invokeAsync(urn, { n, sleepMs: 3000 });
        expect(res.status).toBe(202);
        accepted.push(String(res.json['request_id']));
      }
      const onVictim = await pollUntil(
        async () =>
          (await ledgerOf(db, urn)).filter(
            (r) => r.status === 'RUNNING' && r.invoker_id === victim.invokerId,
          ),
        (rows) => rows.length >= 2,
        'requests running on the victim invoker',
        60_000,
      );
      process.kill(victim.pid, 'SIGKILL');
      const killedAt = Date.now();
      const interrupted = new Map(onVictim.map((r) => [r.request_id, r.attempt]));

      const done = await pollUntil(
        () => ledgerOf(db, urn),
        (rows) => terminal(rows).length === accepted.length,
        'every accepted request to reach a terminal state',
        90_000,
      );
      expect(done.map((r) => r.request_id).sort()).toEqual([...accepted].sort());
      expect(done.every((r) => r.status === 'SUCCESS')).toBe(true);
      for (const row of done) {
        // The stored result is the run that won the terminal write, with the request's own id.
        expect(JSON.parse(row.result ?? '{}')).toMatchObject({ rid: row.request_id });
        expect(row.invoker_id).not.toBe(victim.invokerId);
        const before = interrupted.get(row.request_id);
        if (before !== undefined) expect(row.attempt).toBeGreaterThan(before);
      }
      const redispatchMs = done
        .filter((r) => interrupted.has(r.request_id))
        .map((r) => (r.start_time as Date).getTime() - killedAt);
      report(
        `kill -9: ${interrupted.size} of ${accepted.length} requests interrupted, re-run after ` +
          `${Math.min(...redispatchMs)}-${Math.max(...redispatchMs)} ms (job lock 6 s, stalled check every 3 s)`,
      );
      // One destination record per request: the dead invoker's runs wrote and delivered nothing.
      const delivered = await pollUntil(
        () => streamRequestIds(redis, stack.projectId, stream),
        (ids) => ids.length >= accepted.length,
        'one on_success record per request',
      );
      expect([...delivered].sort()).toEqual([...accepted].sort());

      // A live invoker sweeps the dead one's containers once its heartbeat expired.
      const docker = new Docker();
      await pollUntil(
        () =>
          docker.listContainers({
            all: true,
            filters: { label: [`${CONTAINER_LABELS.invokerId}=${victim.invokerId}`] },
          }),
        (left) => left.length === 0,
        "the dead invoker's containers to be removed",
        60_000,
      );
    } finally {
      await terminate(survivor.pid);
      if (isAlive(victim.pid)) process.kill(victim.pid, 'SIGKILL');
    }
  }, 240_000);

  it('a burst of 2,000 async invocations: 0 lost, 0 duplicate terminal records or deliveries', async () => {
    const api = clientOf(stack, token);
    const urn = await api.deploy(`burst-${tag}`, 100);
    const stream = `burst-${tag}`;
    await api.onSuccessToStream(urn, stream);
    const total = 2000;
    const accepted: string[] = [];
    const refused: number[] = [];
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < total) {
        const n = next++;
        const res = await api.invokeAsync(urn, { n });
        if (res.status === 202) accepted.push(String(res.json['request_id']));
        else refused.push(res.status);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 32 }, sender));
    const acceptMs = Date.now() - started;
    // A request may be refused under load (429/503, never 500); only a 202 is a promise to run it.
    expect(refused.filter((s) => s !== 429 && s !== 503)).toEqual([]);
    expect(accepted.length).toBeGreaterThan(total * 0.95);

    const done = await pollUntil(
      () => ledgerOf(db, urn),
      (rows) => terminal(rows).length >= accepted.length,
      'every accepted request of the burst to finish',
      180_000,
    );
    const lastEnd = Math.max(...done.map((r) => (r.end_time as Date).getTime()));
    report(
      `burst: ${accepted.length}/${total} accepted in ${acceptMs} ms, refused ${refused.length}, ` +
        `all finished ${lastEnd - started} ms after the first request`,
    );
    expect(done).toHaveLength(accepted.length);
    expect(new Set(done.map((r) => r.request_id))).toEqual(new Set(accepted));
    expect(done.filter((r) => r.status !== 'SUCCESS')).toEqual([]);
    const delivered = await pollUntil(
      () => streamRequestIds(redis, stack.projectId, stream),
      (ids) => ids.length >= accepted.length,
      'one on_success record per accepted request',
    );
    expect(delivered).toHaveLength(accepted.length);
    expect(new Set(delivered)).toEqual(new Set(accepted));
  }, 300_000);

  it('a destination that fails is delivered again by the reconciler; SMN records land on the topic stream', async () => {
    const api = clientOf(stack, token);
    const urn = await api.deploy(`dest-${tag}`, 4);
    // The webhook refuses its first two POSTs, then takes them.
    const posts: { requestId: string; condition: string; status: number }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const record = JSON.parse(body) as { request_context: { condition: string } };
        const status = posts.length < 2 ? 500 : 200;
        posts.push({
          requestId: String(req.headers['x-cff-request-id']),
          condition: record.request_context.condition,
          status,
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const topic = `urn:smn:${stack.region}:${stack.projectId}:failures-${tag}`;
    try {
      const res = await api.call('PUT', `/v2/${stack.projectId}/fgs/functions/${urn}/async-invoke-config`, {
        max_async_event_age_in_seconds: 3600,
        max_async_retry_attempts: 0,
        destination_config: {
          on_success: {
            destination: 'WEBHOOK',
            param: JSON.stringify({ url: `http://127.0.0.1:${port}/hook` }),
          },
          on_failure: { destination: 'SMN', param: JSON.stringify({ topic_urn: topic }) },
        },
      });
      expect(res.status).toBe(200);
      const ok = String((await api.invokeAsync(urn, { n: 1 })).json['request_id']);
      const failing = String((await api.invokeAsync(urn, { n: 2, fail: true })).json['request_id']);

      const delivered = await pollUntil(
        async () =>
          (
            await db.query<{ destination_status: string; destination_attempts: number }>(
              `SELECT destination_status, destination_attempts FROM invocations WHERE request_id = $1`,
              [ok],
            )
          ).rows[0],
        (row) => row?.destination_status === 'DELIVERED',
        'the webhook record to be delivered after two refusals',
        90_000,
      );
      expect(delivered.destination_attempts).toBe(3);
      expect(posts).toEqual([
        { requestId: ok, condition: 'Success', status: 500 },
        { requestId: ok, condition: 'Success', status: 500 },
        { requestId: ok, condition: 'Success', status: 200 },
      ]);
      const smn = await redis.xrange(smnTopicStreamKey(topic) as string, '-', '+');
      expect(smn.map(([, fields]) => fields[fields.indexOf('request_id') + 1])).toEqual([failing]);
      // Delivered is final: no further tries.
      await new Promise((r) => setTimeout(r, 3000));
      expect(posts).toHaveLength(3);
    } finally {
      server.close();
    }
  }, 150_000);

  describe('with a Redis of its own that is killed and restarted during a burst', () => {
    const portBase = Number(new URL(stack.gatewayUrl).port) + 200;
    const redisPort = portBase + 50;
    let redisServer: ChildProcess | undefined;
    let own: StackInfo | undefined;

    const startRedis = (): ChildProcess => {
      const child = spawn(
        'redis-server',
        ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      child.unref();
      return child;
    };
    const redisUp = async (): Promise<void> => {
      const probe = new Redis(redisPort, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      await pollUntil(
        () =>
          probe
            .connect()
            .then(() => probe.ping())
            .catch(() => 'down'),
        (answer) => answer === 'PONG',
        'the Redis of this spec to answer',
      );
      probe.disconnect();
    };

    beforeAll(async () => {
      redisServer = startRedis();
      await redisUp();
      own = await startStack({
        portBase,
        database: `${new URL(stack.databaseUrl).pathname.slice(1)}_redis_outage`,
        redisUrl: `redis://127.0.0.1:${redisPort}/0`,
        logDir: join(stack.logDir, 'redis-outage'),
        // The reconciler re-enqueues what Redis lost; a short grace keeps the spec short.
        invokerEnv: { ASYNC_RECONCILE_INTERVAL_MS: '1000', ASYNC_RECONCILE_GRACE_MS: '3000' },
      });
    }, 120_000);

    afterAll(async () => {
      if (own) await stopStack(own);
      if (redisServer?.pid && isAlive(redisServer.pid)) process.kill(redisServer.pid, 'SIGKILL');
    }, 60_000);

    it('every 202 completes; during the outage clients get 503 or 429, never a 500', async () => {
      const mine = own as StackInfo;
      const api = clientOf(mine, await issueToken(mine));
      const urn = await api.deploy(`outage-${tag}`, 50);
      const ownDb = new Client({ connectionString: mine.databaseUrl });
      await ownDb.connect();
      try {
        const accepted: string[] = [];
        const refused: { status: number; phase: string }[] = [];
        let phase = 'before';
        let n = 0;
        let sending = true;
        const sender = async (): Promise<void> => {
          while (sending) {
            const res = await api.invokeAsync(urn, { n: n++, sleepMs: 200 });
            if (res.status === 202) accepted.push(String(res.json['request_id']));
            else refused.push({ status: res.status, phase });
          }
        };
        const senders = Promise.all(Array.from({ length: 8 }, sender));
        await new Promise((r) => setTimeout(r, 2000));
        phase = 'outage';
        process.kill(redisServer?.pid as number, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 3000));
        // The sync path answers too, and with a 503 as well.
        const sync = await api.call('POST', `/v2/${mine.projectId}/fgs/functions/${urn}/invocations`, {
          n: -1,
        });
        expect(sync.status).toBe(503);
        expect(sync.json).toMatchObject({ error_code: 'FSS.0503' });
        redisServer = startRedis();
        await redisUp();
        phase = 'after';
        await new Promise((r) => setTimeout(r, 4000));
        sending = false;
        await senders;

        expect(refused.filter((r) => r.status !== 503 && r.status !== 429)).toEqual([]);
        expect(refused.filter((r) => r.phase === 'outage').length).toBeGreaterThan(0);
        expect(accepted.length).toBeGreaterThan(0);

        // Redis came back empty: the jobs of accepted requests that had not finished are gone, and the ledger
        // reconciler puts them back.
        const done = await pollUntil(
          () => ledgerOf(ownDb, urn),
          (rows) => accepted.every((id) => rows.some((r) => r.request_id === id && r.status === 'SUCCESS')),
          'every 202 to complete after Redis came back',
          120_000,
        );
        const ran = new Set(done.filter((r) => r.status === 'SUCCESS').map((r) => r.request_id));
        const byPhase = (p: string) => refused.filter((r) => r.phase === p).length;
        report(
          `Redis outage: ${accepted.length} accepted, refused before/outage/after = ` +
            `${byPhase('before')}/${byPhase('outage')}/${byPhase('after')} (statuses ` +
            `${[...new Set(refused.map((r) => r.status))].join(',')}), ${ran.size} ran`,
        );
        expect(accepted.filter((id) => !ran.has(id))).toEqual([]);
        // Requests refused with 503 were ended as not accepted, so they do not run behind their caller's back.
        const notAccepted = done.filter((r) => r.status === 'DISCARD');
        expect(notAccepted.length).toBeGreaterThan(0);
        expect(done.filter((r) => r.status !== 'SUCCESS' && r.status !== 'DISCARD')).toEqual([]);
      } finally {
        await ownDb.end();
      }
    }, 240_000);
  });
});
