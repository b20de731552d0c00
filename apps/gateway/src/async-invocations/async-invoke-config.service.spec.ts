import type { AsyncConfigChangedEvent, InvocationAbortEvent } from '@ofg/contracts';
import type {
  AsyncInvokeConfigEntity,
  AsyncInvokeConfigInput,
  AsyncInvokeConfigRepository,
  FunctionEntity,
  FunctionRepository,
} from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import type { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { AsyncInvokeConfigService } from './async-invoke-config.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const OTHER = 'ffffffffffffffffffffffffffffffff';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };
const urn = (name: string, qualifier = 'latest') =>
  `urn:fss:local:${PROJECT}:function:default:${name}${qualifier ? `:${qualifier}` : ''}`;

/** Configs kept in memory, keyed like the table's unique constraint. */
class FakeConfigRepository {
  readonly rows = new Map<string, AsyncInvokeConfigEntity>();
  private clock = Date.parse('2030-01-01T00:00:00Z');

  async upsert(input: AsyncInvokeConfigInput): Promise<AsyncInvokeConfigEntity> {
    const key = `${input.functionId}/${input.qualifier}`;
    const existing = this.rows.get(key);
    const now = new Date((this.clock += 1000));
    const row = { id: existing?.id ?? key, ...input, createdAt: existing?.createdAt ?? now, updatedAt: now };
    this.rows.set(key, row);
    return row;
  }

  async find(projectId: string, functionId: string, qualifier: string) {
    const row = this.rows.get(`${functionId}/${qualifier}`);
    return row?.projectId === projectId ? row : null;
  }

  async delete(projectId: string, functionId: string, qualifier: string) {
    return (await this.find(projectId, functionId, qualifier))
      ? this.rows.delete(`${functionId}/${qualifier}`)
      : false;
  }

  async listForFunction(projectId: string, functionId: string, offset: number, limit: number) {
    const all = [...this.rows.values()].filter(
      (r) => r.projectId === projectId && r.functionId === functionId,
    );
    return { items: all.slice(offset, offset + limit), total: all.length };
  }
}

function setup() {
  const hello = aFunctionEntity({ projectId: PROJECT });
  const next = aFunctionEntity({
    projectId: PROJECT,
    id: '7a1c2a9e-0d7b-4c55-9a11-2b3c4d5e6f71',
    funcName: 'next',
  });
  const foreign = aFunctionEntity({
    projectId: OTHER,
    id: '8b1c2a9e-0d7b-4c55-9a11-2b3c4d5e6f72',
    funcName: 'next',
  });
  const fns: FunctionEntity[] = [hello, next, foreign];
  const functions = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      fns.find((f) => f.projectId === projectId && f.package === pkg && f.funcName === name) ?? null,
  } as unknown as FunctionRepository;
  const repo = new FakeConfigRepository();
  const events: (AsyncConfigChangedEvent | InvocationAbortEvent)[] = [];
  const publisher = {
    emitAsyncConfigChanged: async (e: AsyncConfigChangedEvent) => void events.push(e),
  } as unknown as ControlEventsPublisher;
  const service = new AsyncInvokeConfigService(
    repo as unknown as AsyncInvokeConfigRepository,
    functions,
    new FunctionResolver(functions),
    publisher,
    { region: 'local' } as GatewayConfig,
  );
  return { service, repo, events, hello };
}

const dest = (destination: string, param: unknown) => ({
  destination,
  param: typeof param === 'string' ? param : JSON.stringify(param),
});

describe('AsyncInvokeConfigService', () => {
  it('puts, gets, lists and deletes the latest config, announcing each change', async () => {
    const { service, events, hello } = setup();
    const put = await service.put(auth, urn('hello'), {
      max_async_event_age_in_seconds: 120,
      destination_config: {
        on_success: dest('FunctionGraph', { func_urn: urn('next') }),
        on_failure: dest('SMN', { topic_urn: `urn:smn:local:${PROJECT}:failures` }),
      },
    });
    expect(put).toEqual({
      func_urn: urn('hello'),
      max_async_event_age_in_seconds: 120,
      max_async_retry_attempts: 1,
      destination_config: {
        on_success: dest('FunctionGraph', { func_urn: urn('next') }),
        on_failure: dest('SMN', { topic_urn: `urn:smn:local:${PROJECT}:failures` }),
      },
      enable_async_status_log: false,
      created_time: '2030-01-01T00:00:01+00:00',
      last_modified: '2030-01-01T00:00:01+00:00',
    });
    await expect(service.get(auth, 'hello')).resolves.toEqual(put);

    const replaced = await service.put(auth, urn('hello', ''), { max_async_retry_attempts: 3 });
    expect(replaced).toMatchObject({
      max_async_event_age_in_seconds: 3600,
      max_async_retry_attempts: 3,
      destination_config: {},
      created_time: '2030-01-01T00:00:01+00:00',
      last_modified: '2030-01-01T00:00:02+00:00',
    });
    await expect(service.list(auth, urn('hello'), {})).resolves.toEqual({
      async_invoke_configs: [replaced],
      count: 1,
      page_info: { next_marker: 1, previous_marker: 0, current_count: 1 },
    });
    await service.delete(auth, urn('hello'));
    await expect(service.get(auth, urn('hello'))).rejects.toMatchObject({ code: 'FSS.0404', status: 404 });
    await expect(service.delete(auth, urn('hello'))).rejects.toMatchObject({ code: 'FSS.0404' });
    expect(events).toEqual([
      { functionId: hello.id, projectId: PROJECT, qualifier: 'latest', action: 'upsert' },
      { functionId: hello.id, projectId: PROJECT, qualifier: 'latest', action: 'upsert' },
      { functionId: hello.id, projectId: PROJECT, qualifier: 'latest', action: 'delete' },
    ]);
  });

  it.each([
    ['a missing function', urn('nope'), 'FSS.1051'],
    ['another project', `urn:fss:local:${OTHER}:function:default:next:latest`, 'FSS.1051'],
    ['a version', urn('hello', '3'), 'FSS.1052'],
    ['an alias', urn('hello', '!dev'), 'FSS.1053'],
  ])('answers %s with %s on every operation', async (_label, target, code) => {
    const { service, events } = setup();
    await expect(service.put(auth, target, {})).rejects.toMatchObject({ code, status: 404 });
    await expect(service.get(auth, target)).rejects.toMatchObject({ code });
    await expect(service.delete(auth, target)).rejects.toMatchObject({ code });
    await expect(service.list(auth, target, {})).rejects.toMatchObject({ code });
    expect(events).toEqual([]);
  });

  it.each([
    ['an event age of 0', { max_async_event_age_in_seconds: 0 }, 'max_async_event_age_in_seconds'],
    ['an event age over a day', { max_async_event_age_in_seconds: 86_401 }, 'max_async_event_age_in_seconds'],
    ['4 retries', { max_async_retry_attempts: 4 }, 'max_async_retry_attempts'],
    ['an unknown destination', { destination_config: { on_success: dest('KAFKA', {}) } }, 'destination'],
    ['a destination without param', { destination_config: { on_failure: { destination: 'DIS' } } }, 'param'],
    [
      'a function in another project',
      {
        destination_config: {
          on_success: dest('FunctionGraph', {
            func_urn: `urn:fss:local:${OTHER}:function:default:next:latest`,
          }),
        },
      },
      'no such function',
    ],
    [
      'a function that does not exist',
      { destination_config: { on_success: dest('FunctionGraph', { func_urn: urn('missing') }) } },
      'no such function',
    ],
    [
      'a malformed function URN',
      { destination_config: { on_success: dest('FunctionGraph', { func_urn: 'urn:fss:x' }) } },
      'no such function',
    ],
    [
      'the function itself',
      { destination_config: { on_failure: dest('FunctionGraph', { func_urn: 'hello' }) } },
      'its own destination',
    ],
    [
      'a function version',
      { destination_config: { on_success: dest('FunctionGraph', { func_urn: urn('next', '2') }) } },
      'runs its latest version',
    ],
    [
      "another project's topic",
      { destination_config: { on_success: dest('SMN', { topic_urn: `urn:smn:local:${OTHER}:t` }) } },
      'this project',
    ],
    [
      "another region's topic",
      { destination_config: { on_success: dest('SMN', { topic_urn: `urn:smn:cn-north-4:${PROJECT}:t` }) } },
      'region local',
    ],
    [
      'an OBS expiry over a year',
      { destination_config: { on_success: dest('OBS', { bucket: 'b1b', expires: 400 }) } },
      'expires',
    ],
  ])('refuses %s with 400 FSS.0400 and stores nothing', async (_label, body, message) => {
    const { service, repo, events } = setup();
    const err = await service.put(auth, urn('hello'), body).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FSS.0400', status: 400 });
    expect((err as Error).message).toContain(message);
    expect(repo.rows.size).toBe(0);
    expect(events).toEqual([]);
  });

  it('refuses a body that is not a JSON object', async () => {
    const { service } = setup();
    await expect(service.put(auth, urn('hello'), [1])).rejects.toMatchObject({ code: 'FSS.0400' });
  });

  it('accepts each destination type and keeps its param text verbatim', async () => {
    const { service } = setup();
    const param = '{ "stream_name" : "results" }';
    const put = await service.put(auth, urn('hello'), {
      destination_config: {
        on_success: dest('DIS', param),
        on_failure: dest('WEBHOOK', { url: 'https://h.example/x' }),
      },
    });
    expect(put.destination_config.on_success).toEqual({ destination: 'DIS', param });
    expect(put.destination_config.on_failure?.destination).toBe('WEBHOOK');
    const obs = await service.put(auth, urn('hello'), {
      destination_config: { on_success: dest('OBS', { bucket: 'fgs-invoke', prefix: '/f1/', expires: 0 }) },
    });
    expect(obs.destination_config.on_success?.destination).toBe('OBS');
  });
});
