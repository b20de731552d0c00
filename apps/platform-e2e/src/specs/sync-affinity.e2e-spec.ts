import Redis from 'ioredis';
import { Client } from 'pg';
import { homeKey, syncAffinityKey } from '@ofg/contracts';
import { ExtraInvoker, startExtraInvoker } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';
import { isAlive, pollUntil, SLEEPER_SOURCE } from '../support/processes';

/**
 * The sync fast path with two invokers (the stack's and one started here): a function's calls stay on its home
 * invoker's warm instance, a frozen home's calls are stolen by the other invoker, and a stopped home is replaced by
 * the invoker that serves the next call.
 */
describe('sync affinity routing across invokers', () => {
  const http = new FgsClient();
  const suffix = Date.now().toString(36);
  const port = Number(new URL(http.stack.invokerUrl).port) + 40;
  let redis: Redis;
  let db: Client;
  let extra: ExtraInvoker;

  const recordOf = (requestId: string) =>
    pollUntil(
      async () =>
        (
          await db.query<{ invoker_id: string; start_kind: string }>(
            'SELECT invoker_id, start_kind FROM invocations WHERE request_id = $1',
            [requestId],
          )
        ).rows[0],
      (row) => row !== undefined,
      `record of ${requestId}`,
    );
  /** The function's id, from its URN (`urn:fss:<region>:<project>:function:<package>:<name>:latest`). */
  const functionIdOf = async (urn: string): Promise<string> => {
    const [, , , , , pkg, name] = urn.split(':');
    return (
      await db.query<{ id: string }>(
        'SELECT id FROM functions WHERE project_id = $1 AND package = $2 AND func_name = $3',
        [http.stack.projectId, pkg, name],
      )
    ).rows[0].id;
  };
  const call = async (urn: string, n: number) => {
    const res = await invokeV1(http, urn, { sleepMs: 0, n });
    expect(res.status).toBe(200);
    return recordOf(res.json.request_id);
  };

  beforeAll(async () => {
    redis = new Redis(http.stack.redisUrl);
    db = new Client({ connectionString: http.stack.databaseUrl });
    await db.connect();
    extra = await startExtraInvoker(http.stack, `affinity-${suffix}`, port);
  }, 90_000);

  afterAll(async () => {
    if (extra && isAlive(extra.pid)) {
      process.kill(extra.pid, 'SIGCONT');
      process.kill(extra.pid, 'SIGTERM');
    }
    redis?.disconnect();
    await db?.end();
  });

  it("keeps a function's calls on the invoker it was placed on: one cold start, then warm", async () => {
    const urn = await deployFunction(http, `affinity-home-${suffix}`, SLEEPER_SOURCE);
    const records = [];
    for (let i = 0; i < 12; i++) records.push(await call(urn, i));
    const home = records[0].invoker_id;
    expect(records.map((r) => r.invoker_id)).toEqual(Array(12).fill(home));
    expect(records.map((r) => r.start_kind)).toEqual(['cold', ...Array(11).fill('warm')]);
    expect(
      await redis.get(homeKey(syncAffinityKey({ functionId: await functionIdOf(urn), version: 'latest' }))),
    ).toBe(home);
  });

  it("steals a frozen home's calls, and makes the next invoker the home once the old one stopped", async () => {
    const urn = await deployFunction(http, `affinity-moves-${suffix}`, SLEEPER_SOURCE);
    const key = homeKey(syncAffinityKey({ functionId: await functionIdOf(urn), version: 'latest' }));
    // The extra invoker is made the home, as if it had served the function first.
    await redis.set(key, extra.invokerId, 'PX', 120_000);
    expect((await call(urn, 0)).invoker_id).toBe(extra.invokerId);

    process.kill(extra.pid, 'SIGSTOP');
    try {
      // A blocking pop the invoker issued just before it froze can still take one job, for up to its 50 ms timeout.
      await new Promise((r) => setTimeout(r, 500));
      // Frozen but still a member (its heartbeat has not expired): the call waits in its inbox until stolen.
      const stolen = await call(urn, 1);
      expect(stolen).toMatchObject({ invoker_id: http.stack.invokerId, start_kind: 'cold' });
      expect(await redis.get(key)).toBe(extra.invokerId);
    } finally {
      process.kill(extra.pid, 'SIGCONT');
    }

    process.kill(extra.pid, 'SIGTERM');
    await pollUntil(
      () => isAlive(extra.pid),
      (alive) => !alive,
      'the extra invoker to exit',
      60_000,
    );
    // The gateway re-reads the live invokers within a second; then the call goes shared and claims over the old home.
    await new Promise((r) => setTimeout(r, 1500));
    const next = await call(urn, 2);
    expect(next.invoker_id).toBe(http.stack.invokerId);
    expect(await redis.get(key)).toBe(http.stack.invokerId);
    expect((await call(urn, 3)).start_kind).toBe('warm');
  }, 120_000);
});
