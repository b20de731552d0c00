import { Client } from 'pg';
import { issueToken, readStack, startApp, waitForOk } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { isAlive, pollUntil } from '../support/processes';

/** One line of figures in the test output (not an assertion: timings belong to bench/). */
const report = (line: string): boolean => process.stdout.write(`[timer-replicas] ${line}\n`);

describe('TIMER with three trigger service replicas', () => {
  const http = new FgsClient();
  const stack = http.stack;
  const tag = Date.now().toString(36);
  const replicas: number[] = [];
  let db: Client;

  /** One more trigger service on this stack's database and Redis, as an operator scales it out. */
  async function startReplica(n: number): Promise<number> {
    const port = Number(new URL(stack.triggerUrl).port) + 40 + n;
    const child = startApp(
      `trigger-replica-${n}`,
      {
        DATABASE_URL: stack.databaseUrl,
        REDIS_URL: stack.redisUrl,
        OFG_REGION: stack.region,
        OFG_MASTER_KEY: stack.masterKey,
        TRIGGER_PORT: String(port),
        TIMER_RECONCILE_INTERVAL_MS: '5000',
      },
      stack.logDir,
      'trigger',
    );
    if (typeof child.pid !== 'number') throw new Error('trigger replica did not start');
    await waitForOk(`http://127.0.0.1:${port}/health/ready`, 60_000);
    return child.pid;
  }

  beforeAll(async () => {
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    replicas.push(await startReplica(1), await startReplica(2));
  }, 120_000);

  afterAll(async () => {
    for (const pid of replicas) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await db?.end();
  });

  it('a 1-second timer fires once per tick over a minute, also while one replica is killed', async () => {
    expect(readStack().pids.length).toBeGreaterThan(0);
    const urn = await deployFunction(http, `ticker-${tag}`, 'exports.handler = async (event) => event.time;');
    const token = await issueToken(stack);
    const created = await http.request<{ trigger_id: string }>(
      'POST',
      `/v2/${stack.projectId}/fgs/triggers/${urn}`,
      {
        auth: { kind: 'token', token },
        body: {
          trigger_type_code: 'TIMER',
          trigger_status: 'ACTIVE',
          event_data: { name: `every-second-${tag}`, schedule_type: 'Cron', schedule: '*/1 * * * * *' },
        },
      },
    );
    expect(created.status).toBe(201);
    const triggerId = created.json.trigger_id;
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 20_000));
    // A replica dies mid-run; the ticks it held come back to the others.
    process.kill(replicas[0], 'SIGKILL');
    await new Promise((r) => setTimeout(r, 40_000));
    const deleted = await http.request(
      'DELETE',
      `/v2/${stack.projectId}/fgs/triggers/${urn}/TIMER/${triggerId}`,
      {
        auth: { kind: 'token', token },
      },
    );
    expect(deleted.status).toBe(204);
    const stoppedAt = Date.now();

    // Ticks scheduled inside the window, each one second apart, read from the events the function received.
    const ticks = await pollUntil(
      async () =>
        (
          await db.query<{ tick: string; status: string }>(
            `SELECT (extract(epoch FROM (event::json->>'time')::timestamptz))::bigint::text AS tick, status
               FROM invocations WHERE trigger_id = $1 ORDER BY 1`,
            [triggerId],
          )
        ).rows,
      (rows) => rows.length >= 55,
      'the ticks of the minute to be recorded',
      60_000,
    );
    const seconds = ticks.map((t) => Number(t.tick));
    const first = seconds[0];
    const last = seconds[seconds.length - 1];
    const missing = [];
    for (let s = first; s <= last; s++) if (!seconds.includes(s)) missing.push(s);
    report(
      `${ticks.length} ticks recorded over ${Math.round((stoppedAt - startedAt) / 1000)} s, ` +
        `${missing.length} missing`,
    );
    // A tick's request id is derived from its time, so the ledger holds at most one row per tick; at least one per
    // second of the window, and every one of them ran.
    expect(missing).toEqual([]);
    await pollUntil(
      async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM invocations WHERE trigger_id = $1 AND status <> 'SUCCESS'`,
            [triggerId],
          )
        ).rows[0].n,
      (n) => n === 0,
      'every tick to have run',
    );
    expect(last - first + 1).toBeGreaterThanOrEqual(55);
  }, 240_000);
});
