import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { Client } from 'pg';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger';
import {
  FunctionGraphClient,
  ListFunctionsRequest,
  ShowFunctionConfigRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { CONTAINER_LABELS, FunctionSnapshot, InvocationReply, REPLY_CHANNEL_PREFIX } from '@ofg/contracts';
import { createRedisConnection, InvocationProducer } from '@ofg/queue';
import { aFunctionSnapshot, anInvocationJob } from '@ofg/testing';
import { SOURCES, zipBase64 } from '../support/code-fixtures';
import { AuthMode, FgsClient, FgsResponse } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';
import { seedTenant } from '../support/tenants';

type Json = Record<string, unknown>;

/** One tenant and the resources it owns during the run. */
interface Tenant {
  label: 'A' | 'B';
  http: FgsClient;
  projectId: string;
  token: string;
  fn: {
    name: string;
    latest: string;
    unqualified: string;
    funcId: string;
    digest: string;
    /** Values only the owner ever sent; none may appear in the other tenant's answers. */
    secrets: string[];
  };
  trigger: { id: string; type: 'TIMER' };
  /** The owner's view before the other tenant tried anything. */
  before: { config: Json; code: Json; triggers: Json[] };
}

interface CrossCase {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Error codes acceptable with the 404. */
  codes: string[];
}

const suffix = Date.now().toString(36);
const docker = new Docker();

function ok<T>(res: FgsResponse<T>, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text}`);
  return res.json;
}

/** Containers the invoker started for one function (unqualified URN label). */
async function containersOf(unqualifiedUrn: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`${CONTAINER_LABELS.functionUrn}=${unqualifiedUrn}`] },
  });
}

async function withDb<T>(databaseUrl: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function invocationRows(
  databaseUrl: string,
  column: 'function_id' | 'request_id',
  id: string,
): Promise<number> {
  return withDb(databaseUrl, async (db) => {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM invocations WHERE ${column} = $1`,
      [id],
    );
    return Number(rows[0].n);
  });
}

/** Sends a case; a rate-limited answer (429) is retried after Retry-After with a fresh signature. */
async function send(http: FgsClient, c: CrossCase, auth: AuthMode): Promise<FgsResponse<Json>> {
  for (let attempt = 0; ; attempt++) {
    const res = await http.request<Json>(c.method, c.path, { body: c.body, headers: c.headers, auth });
    if (res.status !== 429 || attempt >= 5) return res;
    const wait = Number(res.headers.get('retry-after') ?? '1');
    await new Promise((r) => setTimeout(r, Math.max(1, wait) * 1000 + 50));
  }
}

/**
 * Every implemented operation the attacker could aim at the victim's function and trigger: on the attacker's own
 * project path with each URN spelling, and on the victim's project path; plus the victim's trigger id under the
 * attacker's own function, and the project-level calls on the victim's project.
 */
function crossCases(attacker: Tenant, victim: Tenant, runTag: string): CrossCase[] {
  const v = victim.fn;
  const vp = victim.projectId;
  const own = `/v2/${attacker.projectId}/fgs`;
  const theirs = `/v2/${vp}/fgs`;
  const refs: Array<{ label: string; base: string; ref: string; codes: string[] }> = [
    { label: 'short name', base: own, ref: v.name, codes: ['FSS.1051'] },
    { label: 'package:name', base: own, ref: `default:${v.name}`, codes: ['FSS.1051'] },
    { label: 'project:package:name', base: own, ref: `${vp}:default:${v.name}`, codes: ['FSS.1051'] },
    {
      label: 'project:package:name:latest',
      base: own,
      ref: `${vp}:default:${v.name}:latest`,
      codes: ['FSS.1051'],
    },
    { label: 'full URN', base: own, ref: v.unqualified, codes: ['FSS.1051'] },
    { label: 'full URN :latest', base: own, ref: v.latest, codes: ['FSS.1051'] },
    { label: "victim's project path", base: theirs, ref: v.latest, codes: ['FSS.0404'] },
    { label: 'percent-encoded full URN', base: own, ref: encodeURIComponent(v.latest), codes: ['FSS.1051'] },
    {
      label: "victim's project path, /V2 spelling",
      base: `/V2/${vp}/fgs`,
      ref: v.latest,
      codes: ['FSS.0404'],
    },
  ];
  const cases: CrossCase[] = [];
  let n = 0;
  for (const { label, base, ref, codes } of refs) {
    const fn = `${base}/functions/${ref}`;
    const tr = `${base}/triggers/${ref}`;
    const one = `${tr}/TIMER/${victim.trigger.id}`;
    // Bodies carry a counter so no two signed mutating requests are byte-identical (replay protection).
    const tag = (): string => `${runTag}-${++n}`;
    cases.push(
      { name: `showFunctionConfig (${label})`, method: 'GET', path: `${fn}/config`, codes },
      { name: `showFunctionCode (${label})`, method: 'GET', path: `${fn}/code`, codes },
      {
        name: `updateFunctionConfig (${label})`,
        method: 'PUT',
        path: `${fn}/config`,
        body: {
          func_name: v.name,
          runtime: 'Node.js20.15',
          timeout: 3,
          handler: 'index.handler',
          memory_size: 128,
          description: `hijacked ${tag()}`,
        },
        codes,
      },
      {
        name: `updateFunctionCode (${label})`,
        method: 'PUT',
        path: `${fn}/code`,
        body: {
          code_type: 'inline',
          func_code: { file: Buffer.from(`exports.handler = async () => '${tag()}';`).toString('base64') },
        },
        codes,
      },
      {
        name: `invokeFunction (${label})`,
        method: 'POST',
        path: `${fn}/invocations`,
        body: { hijack: tag() },
        headers: { 'X-CFF-Request-Version': 'v1', 'X-Cff-Log-Type': 'tail' },
        codes,
      },
      {
        name: `asyncInvokeFunction (${label})`,
        method: 'POST',
        path: `${fn}/invocations-async`,
        body: { hijack: tag() },
        codes,
      },
      {
        name: `createFunctionTrigger (${label})`,
        method: 'POST',
        path: tr,
        body: {
          trigger_type_code: 'TIMER',
          event_data: { name: `hijack-${tag()}`, schedule_type: 'Rate', schedule: '1m' },
        },
        codes,
      },
      { name: `listFunctionTriggers (${label})`, method: 'GET', path: tr, codes },
      { name: `showFunctionTrigger (${label})`, method: 'GET', path: one, codes },
      {
        name: `updateTrigger (${label})`,
        method: 'PUT',
        path: one,
        body: { trigger_status: 'DISABLED' },
        codes,
      },
      { name: `deleteFunctionTrigger (${label})`, method: 'DELETE', path: one, codes },
      { name: `batchDeleteFunctionTriggers (${label})`, method: 'DELETE', path: tr, codes },
      { name: `deleteFunction (${label})`, method: 'DELETE', path: fn, codes },
    );
  }
  const foreignTrigger = `${own}/triggers/${attacker.fn.latest}/TIMER/${victim.trigger.id}`;
  cases.push(
    {
      name: "showFunctionTrigger (victim's trigger id, own function)",
      method: 'GET',
      path: foreignTrigger,
      codes: ['FSS.1140'],
    },
    {
      name: "updateTrigger (victim's trigger id, own function)",
      method: 'PUT',
      path: foreignTrigger,
      body: { trigger_status: 'DISABLED' },
      codes: ['FSS.1140'],
    },
    {
      name: "deleteFunctionTrigger (victim's trigger id, own function)",
      method: 'DELETE',
      path: foreignTrigger,
      codes: ['FSS.1140'],
    },
    {
      name: "listFunctions (victim's project path)",
      method: 'GET',
      path: `${theirs}/functions`,
      codes: ['FSS.0404'],
    },
    {
      name: "createFunction (victim's project path)",
      method: 'POST',
      path: `${theirs}/functions`,
      body: {
        func_name: `planted-${runTag}`,
        package: 'default',
        runtime: 'Node.js20.15',
        timeout: 3,
        handler: 'index.handler',
        memory_size: 128,
        code_type: 'inline',
        func_code: { file: Buffer.from(SOURCES.hostname).toString('base64') },
      },
      codes: ['FSS.0404'],
    },
  );
  return cases;
}

/** What is wrong with one cross-tenant answer: status, error body, or any of the victim's data in it. */
function crossProblems(c: CrossCase, res: FgsResponse<Json>, victim: Tenant): string[] {
  const problems: string[] = [];
  const code = res.json?.['error_code'];
  if (res.status !== 404 || !c.codes.includes(String(code)))
    problems.push(`expected 404 ${c.codes.join('|')}, got ${res.status} ${res.text.slice(0, 200)}`);
  const keys = Object.keys(res.json ?? {}).sort();
  if (keys.join(',') !== 'error_code,error_msg') problems.push(`body keys ${keys.join(',')}`);
  const secrets = [...victim.fn.secrets];
  // The trigger id is the caller's own input when it is in the path; anywhere else it is the victim's data.
  if (!c.path.includes(victim.trigger.id)) secrets.push(victim.trigger.id);
  for (const secret of secrets) if (res.text.includes(secret)) problems.push(`leaks ${secret}`);
  for (const key of ['"func_urn"', '"func_id"', '"trigger_id"', '"digest"', '"user_data"', '"result"'])
    if (res.text.includes(key)) problems.push(`carries ${key}`);
  return problems;
}

describe('two tenants cannot see or touch each other', () => {
  const tenants = {} as Record<'A' | 'B', Tenant>;
  const stack = new FgsClient().stack;

  /** A function (never invoked by its owner until the end) with a timer trigger that never fires during the run. */
  async function provision(label: 'A' | 'B', http: FgsClient, token: string): Promise<Tenant> {
    const name = `iso-${label.toLowerCase()}-${suffix}`;
    const mark = `secret-${label}-${randomUUID()}`;
    const description = `private description ${randomUUID()}`;
    const created = ok(
      await http.request<Json>('POST', `/v2/${http.stack.projectId}/fgs/functions`, {
        body: {
          func_name: name,
          package: 'default',
          runtime: 'Node.js20.15',
          timeout: 10,
          handler: 'index.handler',
          memory_size: 128,
          code_type: 'zip',
          code_filename: 'index.zip',
          func_code: {
            file: await zipBase64({
              'index.js': `exports.handler = async () => ({ owner: '${label}', mark: process.env.MARK });`,
            }),
          },
          user_data: JSON.stringify({ MARK: mark }),
          description,
        },
      }),
      200,
      `create ${name}`,
    );
    const latest = String(created['func_urn']);
    const trigger = ok(
      await http.request<Json>('POST', `/v2/${http.stack.projectId}/fgs/triggers/${latest}`, {
        body: {
          trigger_type_code: 'TIMER',
          event_data: { name: `yearly-${label}`, schedule_type: 'Cron', schedule: '0 0 0 1 1 *' },
        },
      }),
      201,
      `trigger of ${name}`,
    );
    const base = `/v2/${http.stack.projectId}/fgs`;
    return {
      label,
      http,
      token,
      projectId: http.stack.projectId,
      fn: {
        name,
        latest,
        unqualified: latest.replace(/:latest$/, ''),
        funcId: String(created['func_id']),
        digest: String(created['digest']),
        secrets: [String(created['func_id']), String(created['digest']), mark, description],
      },
      trigger: { id: String(trigger['trigger_id']), type: 'TIMER' },
      before: {
        config: ok(await http.request<Json>('GET', `${base}/functions/${latest}/config`), 200, 'config'),
        code: ok(await http.request<Json>('GET', `${base}/functions/${latest}/code`), 200, 'code'),
        triggers: ok(await http.request<Json[]>('GET', `${base}/triggers/${latest}`), 200, 'triggers'),
      },
    };
  }

  beforeAll(async () => {
    const a = new FgsClient();
    const b = await seedTenant('b');
    tenants.A = await provision('A', a, await a.token());
    tenants.B = await provision('B', b.http, await b.http.token());
    expect(tenants.A.projectId).not.toBe(tenants.B.projectId);
  });

  const directions = [
    ['B', 'A'],
    ['A', 'B'],
  ] as const;
  const modes = ['aksk', 'token'] as const;

  describe.each(directions)('tenant %s aiming at tenant %s', (attackerLabel, victimLabel) => {
    it.each(modes)('gets 404 and none of the victim’s data for every operation (%s)', async (mode) => {
      const attacker = tenants[attackerLabel];
      const victim = tenants[victimLabel];
      const auth: AuthMode = mode === 'aksk' ? { kind: 'aksk' } : { kind: 'token', token: attacker.token };
      const cases = crossCases(attacker, victim, `${attackerLabel}${mode}${suffix}`);
      expect(cases.length).toBeGreaterThanOrEqual(13 * 9 + 5);
      const failures: string[] = [];
      for (const c of cases) {
        const res = await send(attacker.http, c, auth);
        for (const p of crossProblems(c, res, victim)) failures.push(`${c.method} ${c.name}: ${p}`);
      }
      expect(failures).toEqual([]);
    });

    it("lists only the attacker's own functions", async () => {
      const attacker = tenants[attackerLabel];
      const victim = tenants[victimLabel];
      const list = ok(
        await attacker.http.request<{ functions: Json[]; count: number }>(
          'GET',
          `/v2/${attacker.projectId}/fgs/functions?maxitems=400`,
        ),
        200,
        'list',
      );
      expect(list.functions.map((f) => f['func_name'])).toContain(attacker.fn.name);
      expect(list.functions.filter((f) => f['namespace'] !== attacker.projectId)).toEqual([]);
      expect(list.functions.map((f) => f['func_id'])).not.toContain(victim.fn.funcId);
      expect(list.functions.map((f) => f['func_name'])).not.toContain(victim.fn.name);
      const byName = ok(
        await attacker.http.request<{ functions: Json[]; count: number }>(
          'GET',
          `/v2/${attacker.projectId}/fgs/functions?func_name=${victim.fn.name}`,
        ),
        200,
        'list by name',
      );
      expect(byName).toEqual({ functions: [], next_marker: 0, count: 0 });
    });
  });

  it("leaves each victim's function, code and triggers exactly as they were, and never runs them", async () => {
    for (const t of Object.values(tenants)) {
      const base = `/v2/${t.projectId}/fgs`;
      expect(
        ok(await t.http.request<Json>('GET', `${base}/functions/${t.fn.latest}/config`), 200, 'config'),
      ).toEqual(t.before.config);
      expect(
        ok(await t.http.request<Json>('GET', `${base}/functions/${t.fn.latest}/code`), 200, 'code'),
      ).toEqual(t.before.code);
      expect(
        ok(await t.http.request<Json[]>('GET', `${base}/triggers/${t.fn.latest}`), 200, 'triggers'),
      ).toEqual(t.before.triggers);
      expect(await invocationRows(stack.databaseUrl, 'function_id', t.fn.funcId)).toBe(0);
      expect(await containersOf(t.fn.unqualified)).toEqual([]);
      const listed = ok(
        await t.http.request<{ functions: Json[] }>('GET', `${base}/functions?maxitems=400`),
        200,
        'list',
      );
      expect(
        listed.functions.map((f) => String(f['func_name'])).filter((n) => n.startsWith('planted-')),
      ).toEqual([]);
    }
    // The owners can still use what the other tenant could not touch.
    for (const t of Object.values(tenants)) {
      const res = await invokeV1(t.http, t.fn.latest, { owner: t.label }, false);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.json.result)).toEqual({ owner: t.label, mark: t.fn.secrets[2] });
    }
    // Control: the owners' calls are recorded, so the zero counts above were not an empty table.
    for (const t of Object.values(tenants)) {
      const until = Date.now() + 10_000;
      while (
        Date.now() < until &&
        (await invocationRows(stack.databaseUrl, 'function_id', t.fn.funcId)) === 0
      )
        await new Promise((r) => setTimeout(r, 200));
      expect(await invocationRows(stack.databaseUrl, 'function_id', t.fn.funcId)).toBe(1);
    }
  });

  it("the official SDK with B's key and A's project id gets a 404 ClientRequestException", async () => {
    const b = tenants.B.http.stack;
    const sdk = (projectId: string): FunctionGraphClient =>
      FunctionGraphClient.newBuilder()
        .withCredential(new BasicCredentials().withAk(b.ak).withSk(b.sk).withProjectId(projectId))
        .withEndpoint(b.gatewayUrl)
        .withOptions({ customUserAgent: 'openfunctiongraph-e2e' })
        .build();
    // The SDK dumps every failed request to stdout; these failures are the point.
    Logger4jInstance.level = 'off';
    const failure = async (call: Promise<unknown>): Promise<ClientRequestException> => {
      try {
        await call;
      } catch (err) {
        if (err instanceof ClientRequestException) return err;
        throw err;
      }
      throw new Error('expected a ClientRequestException');
    };
    const onA = await failure(sdk(tenants.A.projectId).listFunctions(new ListFunctionsRequest()));
    expect(onA.httpStatusCode).toBe(404);
    const urnOnOwn = await failure(
      sdk(b.projectId).showFunctionConfig(
        new ShowFunctionConfigRequest().withFunctionUrn(tenants.A.fn.latest),
      ),
    );
    expect(urnOnOwn.httpStatusCode).toBe(404);
    expect(urnOnOwn.errorCode).toBe('FSS.1051');
    expect(String(urnOnOwn.errorMsg)).not.toContain(tenants.A.fn.funcId);
  });

  describe('forged invocation jobs', () => {
    const redisUrl = stack.redisUrl;
    let producer: InvocationProducer;

    beforeAll(() => {
      producer = new InvocationProducer(createRedisConnection(redisUrl, 'producer'));
    });

    afterAll(async () => {
      await producer.close();
    });

    /** A job that claims tenant B but whose function snapshot is tenant A's real function. */
    function forgedSnapshot(): FunctionSnapshot {
      const a = tenants.A;
      return {
        ...aFunctionSnapshot()
          .withProject(a.projectId)
          .withName(a.fn.name)
          .withCodeDigest(a.fn.digest)
          .withTimeout(10)
          .build(),
        functionId: a.fn.funcId,
        domainId: a.http.stack.domainId,
      };
    }

    it('a sync job is answered with a FSS.0403 platform error and nothing runs or is recorded', async () => {
      const a = tenants.A;
      const before = await containersOf(a.fn.unqualified);
      const channel = `${REPLY_CHANNEL_PREFIX}e2e-forged-${randomUUID()}`;
      const job = anInvocationJob(forgedSnapshot())
        .forProject(tenants.B.projectId)
        .withReplyTo(channel)
        .withEvent({ forged: true })
        .withLogTail()
        .build();
      expect(job.function.funcUrn).toBe(a.fn.unqualified);

      const subscriber = createRedisConnection(redisUrl, 'blocking');
      try {
        await subscriber.subscribe(channel);
        const reply = new Promise<InvocationReply>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no reply to the forged job within 30 s')), 30_000);
          subscriber.on('message', (ch: string, message: string) => {
            if (ch !== channel) return;
            clearTimeout(timer);
            resolve(JSON.parse(message) as InvocationReply);
          });
        });
        await producer.enqueue(job);
        const answer = await reply;
        expect(answer).toMatchObject({
          requestId: job.requestId,
          outcome: 'platform_error',
          errorCode: 'FSS.0403',
        });
        expect(answer.result).not.toContain(a.fn.secrets[2]);
        expect(answer.log).not.toContain('Start invoke request');
      } finally {
        subscriber.disconnect();
      }
      // Records are flushed every 250 ms; give the buffer several rounds.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await invocationRows(stack.databaseUrl, 'request_id', job.requestId)).toBe(0);
      expect((await containersOf(a.fn.unqualified)).map((c) => c.Id)).toEqual(before.map((c) => c.Id));
    });

    it('an async job is refused without retries and nothing runs or is recorded', async () => {
      const a = tenants.A;
      const before = await containersOf(a.fn.unqualified);
      const job = anInvocationJob(forgedSnapshot())
        .forProject(tenants.B.projectId)
        .withEvent({ forged: 'async' })
        .async()
        .build();
      await producer.enqueue(job);
      const until = Date.now() + 30_000;
      let state = 'unknown';
      while (Date.now() < until) {
        state = (await (await producer.queue.getJob(job.requestId))?.getState()) ?? 'unknown';
        if (state === 'failed' || state === 'completed') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(state).toBe('failed');
      const settled = await producer.queue.getJob(job.requestId);
      expect(settled?.attemptsMade).toBe(1);
      expect(await invocationRows(stack.databaseUrl, 'request_id', job.requestId)).toBe(0);
      expect((await containersOf(a.fn.unqualified)).map((c) => c.Id)).toEqual(before.map((c) => c.Id));
    });
  });

  it('runs identical code under the same name in separate warm containers per tenant', async () => {
    const name = `iso-same-${suffix}`;
    const a = tenants.A.http;
    const b = tenants.B.http;
    const urnA = await deployFunction(a, name, SOURCES.hostname);
    const urnB = await deployFunction(b, name, SOURCES.hostname);
    const hostsA = new Set<string>();
    const hostsB = new Set<string>();
    for (let i = 0; i < 3; i++) {
      hostsA.add(ok(await invokeV1(a, urnA, { i, t: 'A' }, false), 200, 'invoke A').result);
      hostsB.add(ok(await invokeV1(b, urnB, { i, t: 'B' }, false), 200, 'invoke B').result);
    }
    expect(hostsA.size).toBe(1);
    expect(hostsB.size).toBe(1);
    const [hostA] = [...hostsA];
    const [hostB] = [...hostsB];
    expect(hostA).not.toBe(hostB);

    const containersA = await containersOf(urnA.replace(/:latest$/, ''));
    const containersB = await containersOf(urnB.replace(/:latest$/, ''));
    expect(containersA).toHaveLength(1);
    expect(containersB).toHaveLength(1);
    expect(containersA[0].Id).not.toBe(containersB[0].Id);
    expect(containersA[0].Labels[CONTAINER_LABELS.projectId]).toBe(tenants.A.projectId);
    expect(containersB[0].Labels[CONTAINER_LABELS.projectId]).toBe(tenants.B.projectId);
    expect(containersA[0].Id.startsWith(hostA)).toBe(true);
    expect(containersB[0].Id.startsWith(hostB)).toBe(true);
  });
});
