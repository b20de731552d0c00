import {
  DeleteFunctionRequest,
  InvokeFunctionRequest,
  UpdateFunctionMaxInstanceConfigRequest,
  UpdateFunctionMaxInstanceConfigRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import Docker from 'dockerode';
import { Client } from 'pg';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { ExtraInvoker, startExtraInvoker } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { zipFunctionBody } from '../support/functions';
import { isAlive, pollUntil, SLEEPER_SOURCE, stackPidsWhere } from '../support/processes';
import { officialSdkClient, SdkError } from '../support/sdk';

/**
 * The instance pool observed through Docker with invokers configured for it: per-instance concurrency, max instances
 * held across two invokers (and after one of them stops), a disabled function, prewarmed containers specialized, and
 * the memory budget evicting the least recently used idle instance. The invokers already running (the stack's, and
 * any a suite before this one left) are frozen with SIGSTOP for the duration, so jobs reach only the invokers started
 * here; they continue where they were afterwards.
 */

/** The wait bound of the invokers under test; sleepers that hold an instance run well past it. */
const WAIT_MS = 3000;
const HOLD_MS = WAIT_MS + 4000;
/** Short leases, so the share of a stopped invoker expires within the test. */
const LEASE_TTL_MS = 2000;
/** A size no other function of this suite uses, so only these functions meet prewarmed containers. */
const PREWARM_MB = 768;
/** How long a blocking BZPOPMIN a frozen worker issued can still swallow a job's wake-up (BullMQ's drainDelay). */
const BULLMQ_BLOCK_MS = 5000;

const POOL_ENV = {
  INSTANCE_WAIT_TIMEOUT_MS: String(WAIT_MS),
  INSTANCE_LEASE_TTL_MS: String(LEASE_TTL_MS),
  PREWARM_POOL_SIZE: '1',
  PREWARM_PROFILES: `nodejs:${PREWARM_MB}`,
  PREWARM_RECENT_MS: '0',
};

interface InvokeV1 {
  request_id: string;
  result: string;
  status: number;
}

interface Outcome {
  ok?: { requestId: string; container: string };
  error?: SdkError;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Live invoker and trigger processes of the stack: frozen, they neither take jobs nor publish timer or stream work. */
function workerPids(): number[] {
  return stackPidsWhere((entry) => entry.startsWith('INVOKER_ID=') || entry.startsWith('TRIGGER_PORT='));
}

async function stopInvoker(invoker: ExtraInvoker): Promise<void> {
  process.kill(invoker.pid, 'SIGTERM');
  await pollUntil(
    () => isAlive(invoker.pid),
    (a) => !a,
    `invoker ${invoker.invokerId} to exit`,
    60_000,
  );
}

describe('instance pool across invokers', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const docker = new Docker();
  const suffix = Date.now().toString(36);
  const basePort = Number(new URL(http.stack.invokerUrl).port) + 20;
  const created: string[] = [];
  const started: ExtraInvoker[] = [];
  let frozen: number[] = [];
  let sequence = 0;
  let db: Client;

  const thaw = (): void => {
    for (const pid of frozen) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
    frozen = [];
  };

  const startInvoker = async (name: string, env: Record<string, string>): Promise<ExtraInvoker> => {
    const invoker = await startExtraInvoker(http.stack, `pool-${name}`, basePort + started.length, env);
    started.push(invoker);
    return invoker;
  };

  /** Created with the raw API: the SDK's create body has no strategy_config. */
  const deploy = async (
    name: string,
    opts: { memory?: number; maxInstances?: number; concurrentNum?: number } = {},
  ): Promise<string> => {
    const res = await http.request<{ func_urn: string }>(
      'POST',
      `/v2/${http.stack.projectId}/fgs/functions`,
      {
        body: await zipFunctionBody(`pool-${name}-${suffix}`, SLEEPER_SOURCE, {
          timeout: 30,
          memory_size: opts.memory ?? 256,
          strategy_config: { concurrency: opts.maxInstances ?? -1, concurrent_num: opts.concurrentNum ?? 1 },
        }),
      },
    );
    if (res.status !== 200) throw new Error(`create ${name} failed: ${res.status} ${res.text}`);
    created.push(res.json.func_urn);
    return res.json.func_urn;
  };

  const invoke = async (urn: string, sleepMs = 0): Promise<Outcome> => {
    try {
      const res = (await sdk.invokeFunction(
        new InvokeFunctionRequest()
          .withFunctionUrn(urn)
          .withXCFFRequestVersion('v1')
          // A distinct body per request: identical signed requests within a second are refused as replays.
          .withBody({ sleepMs, seq: (sequence += 1) } as unknown as Record<string, object>),
      )) as unknown as InvokeV1;
      if (res.status !== 200) throw new Error(`invocation failed: ${JSON.stringify(res)}`);
      return {
        ok: {
          requestId: res.request_id,
          container: (JSON.parse(res.result) as { container: string }).container,
        },
      };
    } catch (err) {
      if ((err as SdkError).httpStatusCode === undefined) throw err;
      return { error: err as SdkError };
    }
  };

  /** Running containers carrying the function's labels. */
  const containersOf = async (urn: string): Promise<Docker.ContainerInfo[]> =>
    docker.listContainers({
      filters: { label: [`${CONTAINER_LABELS.functionUrn}=${urn.replace(/:latest$/, '')}`] },
    });

  const prewarmedOf = async (invoker: ExtraInvoker): Promise<Docker.ContainerInfo[]> =>
    docker.listContainers({
      filters: {
        label: [`${CONTAINER_LABELS.invokerId}=${invoker.invokerId}`, `${CONTAINER_LABELS.pool}=prewarm`],
      },
    });

  /** Samples the function's container count until `work` settles; resolves with the largest count seen. */
  const mostContainersWhile = async (urn: string, work: Promise<unknown>): Promise<number> => {
    let done = false;
    void work.finally(() => (done = true));
    let most = 0;
    while (!done) {
      most = Math.max(most, (await containersOf(urn)).length);
      await sleep(100);
    }
    return most;
  };

  /** The invocation's record (written in batches off the reply path). */
  const recordOf = (
    requestId: string,
  ): Promise<{ start_kind: string; start_reason: string; invoker_id: string }> =>
    pollUntil(
      async () =>
        (
          await db.query<{ start_kind: string; start_reason: string; invoker_id: string }>(
            'SELECT start_kind, start_reason, invoker_id FROM invocations WHERE request_id = $1',
            [requestId],
          )
        ).rows[0],
      (row) => row !== undefined,
      `record of ${requestId}`,
    );

  /** Async invocations not finished yet: queued, retrying or running. */
  const openAsyncInvocations = async (): Promise<number> =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM invocations WHERE status IN ('WAIT', 'RUNNING')`,
      )
    ).rows[0].n;

  beforeAll(async () => {
    db = new Client({ connectionString: http.stack.databaseUrl });
    await db.connect();
    // Async work an earlier suite left queued would run on the invokers under test and take their memory budget.
    await pollUntil(
      openAsyncInvocations,
      (open) => open === 0,
      "earlier suites' async invocations to finish",
      60_000,
    );
    frozen = workerPids();
    process.once('exit', thaw);
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    await sleep(BULLMQ_BLOCK_MS + 500);
    await startInvoker('a', POOL_ENV);
  }, 120_000);

  afterAll(async () => {
    for (const invoker of started)
      if (isAlive(invoker.pid)) await stopInvoker(invoker).catch(() => undefined);
    thaw();
    for (const urn of created)
      await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn)).catch(() => undefined);
    await db?.end();
  }, 120_000);

  describe('one invoker', () => {
    it('refuses a disabled function (max instances 0) with 429 FSS.0429 and starts nothing', async () => {
      const disabled = await deploy('disabled', { maxInstances: 0 });
      const refused = (await invoke(disabled)).error;
      expect(refused).toMatchObject({ httpStatusCode: 429, errorCode: 'FSS.0429' });

      const enabled = await deploy('switched-off');
      expect((await invoke(enabled)).ok).toBeDefined();
      await sdk.updateFunctionMaxInstanceConfig(
        new UpdateFunctionMaxInstanceConfigRequest()
          .withFunctionUrn(enabled)
          .withBody(new UpdateFunctionMaxInstanceConfigRequestBody().withMaxInstanceNum(0)),
      );
      expect((await invoke(enabled)).error).toMatchObject({ httpStatusCode: 429, errorCode: 'FSS.0429' });
      expect(await containersOf(disabled)).toHaveLength(0);
    });

    it('packs concurrent requests on one instance up to concurrent_num', async () => {
      const urn = await deploy('packed', { concurrentNum: 8 });

      const outcomes = await Promise.all(Array.from({ length: 8 }, () => invoke(urn, 1500)));

      expect(outcomes.map((o) => o.error)).toEqual(Array(8).fill(undefined));
      expect(new Set(outcomes.map((o) => o.ok?.container)).size).toBe(1);
      expect(await containersOf(urn)).toHaveLength(1);
    });

    it('specializes a prewarmed container for a cold start and starts another in its place', async () => {
      const [invoker] = started;
      const [generic] = await pollUntil(
        () => prewarmedOf(invoker),
        (c) => c.length === 1,
        'a prewarmed container',
      );
      expect(generic.Labels[CONTAINER_LABELS.functionUrn]).toBeUndefined();
      expect(generic.Labels[CONTAINER_LABELS.projectId]).toBeUndefined();
      const urn = await deploy('prewarmed', { memory: PREWARM_MB });

      const { ok } = await invoke(urn);

      expect(generic.Id.startsWith(ok!.container)).toBe(true);
      expect(await recordOf(ok!.requestId)).toMatchObject({
        start_kind: 'prewarm',
        start_reason: 'no_instance',
        invoker_id: invoker.invokerId,
      });
      expect(await containersOf(urn)).toHaveLength(0);
      const refilled = await pollUntil(
        () => prewarmedOf(invoker),
        (c) => c.length === 2,
        'a new prewarmed container beside the specialized one',
      );
      expect(refilled.map((c) => c.Id)).toContain(generic.Id);
      const again = await invoke(urn);
      expect(again.ok?.container).toBe(ok!.container);
      expect(await recordOf(again.ok!.requestId)).toMatchObject({ start_kind: 'warm', start_reason: '' });
    });
  });

  describe('two invokers', () => {
    beforeAll(async () => {
      await startInvoker('b', POOL_ENV);
    }, 120_000);

    it('holds max instances across both: requests beyond it get 429 FSS.0429 after the wait bound', async () => {
      const urn = await deploy('capped', { maxInstances: 2 });

      const burst = Promise.all(Array.from({ length: 5 }, () => invoke(urn, HOLD_MS)));
      const most = await mostContainersWhile(urn, burst);
      const outcomes = await burst;

      expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
      const refused = outcomes.filter((o) => o.error).map((o) => o.error);
      expect(refused).toHaveLength(3);
      for (const error of refused)
        expect(error).toMatchObject({
          httpStatusCode: 429,
          errorCode: 'FSS.0429',
          errorMsg: 'the function reached its maximum instances',
        });
      expect(most).toBe(2);
    });

    it('serves one request after another from either invoker without ever exceeding max instances 1', async () => {
      const urn = await deploy('single', { maxInstances: 1 });

      const served = (async () => {
        const outcomes: Outcome[] = [];
        for (let i = 0; i < 6; i++) outcomes.push(await invoke(urn));
        return outcomes;
      })();
      const most = await mostContainersWhile(urn, served);

      expect((await served).map((o) => o.error)).toEqual(Array(6).fill(undefined));
      expect(most).toBe(1);
    });

    it('lets the other invoker take the slot once the invoker holding it stopped and its lease expired', async () => {
      const urn = await deploy('orphaned', { maxInstances: 1 });
      const first = (await invoke(urn)).ok!;
      const holderId = (await recordOf(first.requestId)).invoker_id;
      const holder = started.find((i) => i.invokerId === holderId)!;
      const other = started.find((i) => i !== holder)!;

      process.kill(holder.pid, 'SIGSTOP');
      try {
        await sleep(Math.max(LEASE_TTL_MS, BULLMQ_BLOCK_MS) + 500);
        const second = (await invoke(urn)).ok;
        expect(second).toBeDefined();
        expect(await recordOf(second!.requestId)).toMatchObject({
          invoker_id: other.invokerId,
          start_kind: 'cold',
        });
      } finally {
        process.kill(holder.pid, 'SIGCONT');
      }
      // Back from its stall, the holder finds its lease lapsed and gives its instance up: the cap holds again.
      await pollUntil(
        () => containersOf(urn),
        (c) => c.length === 1,
        'one container of the function again',
      );
    });
  });

  describe('memory budget', () => {
    let budgeted: ExtraInvoker;

    beforeAll(async () => {
      // With the trigger service frozen nothing new is published; what is still queued runs on the invokers leaving.
      await pollUntil(
        openAsyncInvocations,
        (open) => open === 0,
        'queued async invocations to finish',
        60_000,
      );
      for (const invoker of [...started]) await stopInvoker(invoker);
      budgeted = await startInvoker('budget', {
        ...POOL_ENV,
        PREWARM_POOL_SIZE: '0',
        INVOKER_MEMORY_BUDGET_MB: '1024',
      });
    }, 120_000);

    it('evicts the least recently used idle instance for a new one, then refuses with 429 when all are busy', async () => {
      const [older, lru, newer, latecomer] = await Promise.all(
        ['older', 'lru', 'newer', 'latecomer'].map((n) => deploy(n, { memory: 512 })),
      );
      const first = (await invoke(older)).ok!;
      await invoke(lru);
      await invoke(older);
      // Only this test's functions hold the budget: any other container would change which instance is evicted.
      const held = await docker.listContainers({
        filters: { label: [`${CONTAINER_LABELS.invokerId}=${budgeted.invokerId}`] },
      });
      expect(held.map((c) => c.Labels[CONTAINER_LABELS.functionUrn]).sort()).toEqual(
        [older, lru].map((urn) => urn.replace(/:latest$/, '')).sort(),
      );

      const third = (await invoke(newer)).ok!;

      expect(await containersOf(lru)).toHaveLength(0);
      expect((await containersOf(older))[0].Id.startsWith(first.container)).toBe(true);
      expect(await containersOf(newer)).toHaveLength(1);
      expect(await recordOf(third.requestId)).toMatchObject({
        start_kind: 'cold',
        start_reason: 'no_instance',
        invoker_id: budgeted.invokerId,
      });
      const back = (await invoke(lru)).ok!;
      expect(await recordOf(back.requestId)).toMatchObject({ start_kind: 'cold', start_reason: 'evicted' });
      expect(await containersOf(older)).toHaveLength(0);

      const holding = Promise.all([invoke(newer, HOLD_MS), invoke(lru, HOLD_MS)]);
      await sleep(500);
      expect((await invoke(latecomer)).error).toMatchObject({
        httpStatusCode: 429,
        errorCode: 'FSS.0429',
      });
      expect((await holding).map((o) => o.error)).toEqual([undefined, undefined]);
      expect(await containersOf(latecomer)).toHaveLength(0);
    });
  });
});
