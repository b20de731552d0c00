import type { TriggerChangedEvent } from '@ofg/contracts';
import type { FunctionRepository } from '@ofg/data-access';
import { ApigRouteTable } from '../apig/apig-route.table';
import { ApigTriggerHooks } from '../apig/apig-trigger.hooks';
import type { GatewayConfig } from '../config/gateway.config';
import type { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { FakeTriggerRepository } from './testing/fake-trigger.repository';
import { TriggersService } from './triggers.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };

const APIG = {
  group_id: 'g1',
  env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
  auth: 'NONE',
  protocol: 'HTTPS',
  name: 'API_echo',
  path: '/echo',
  match_mode: 'SWA',
  req_method: 'GET',
  backend_type: 'FUNCTION',
  type: 1,
  sl_domain: 'g1.apig.local',
};

function setup() {
  const hello = aFunctionEntity({ projectId: PROJECT });
  const other = aFunctionEntity({
    projectId: PROJECT,
    id: '7f1c2a9e-0d7b-4c55-9a11-2b3c4d5e6f71',
    funcName: 'other',
  });
  const functions = {
    findByName: async (_p: string, _pkg: string, name: string) =>
      name === 'hello' ? hello : name === 'other' ? other : null,
  } as unknown as FunctionRepository;
  const repo = new FakeTriggerRepository();
  const events: TriggerChangedEvent[] = [];
  const publisher = {
    emitTriggerChanged: async (e: TriggerChangedEvent) => void events.push(e),
  } as unknown as ControlEventsPublisher;
  const evicted: string[] = [];
  const routes = new ApigRouteTable(async () => [], 1000);
  routes.evictProject = (projectId: string) => void evicted.push(projectId);
  const hooks = new ApigTriggerHooks(repo.asRepository(), routes, {
    apig: { baseUrl: 'http://gw:8080', routeCacheTtlMs: 1000 },
  } as GatewayConfig);
  const service = new TriggersService(repo.asRepository(), new FunctionResolver(functions), publisher, [
    hooks,
  ]);
  return { service, repo, events, evicted };
}

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => 'resolved',
    (err: { code?: string; status?: number }) => `${err.status} ${err.code}`,
  );

describe('TriggersService', () => {
  it('applies the type defaults and announces the trigger', async () => {
    const { service, events } = setup();
    const dis = await service.create(auth, 'hello', {
      trigger_type_code: 'DIS',
      event_data: { stream_name: 's1', sharditerator_type: 'LATEST', extra: 'dropped' },
    });
    expect(dis).toMatchObject({
      trigger_type_code: 'DIS',
      trigger_status: 'ACTIVE',
      event_data: { stream_name: 's1', sharditerator_type: 'LATEST', batch_size: 100, polling_interval: 30 },
    });
    expect(dis.event_data).not.toHaveProperty('extra');
    expect(events).toEqual([{ triggerId: dis.trigger_id, projectId: PROJECT, action: 'upsert' }]);
  });

  it.each([
    ['TIMER', { name: 't', schedule_type: 'Rate', schedule: '0m' }, '400 FSS.1109'],
    ['APIG', { ...APIG, auth: 'APP' }, '400 FSS.1107'],
    ['DIS', { stream_name: 's' }, '400 FSS.1104'],
    ['DMS', { queue_id: 'q' }, '400 FSS.1103'],
    ['RABBITMQ', {}, '400 FSS.1103'],
    ['OBS', { bucket: 'b', events: ['s3:ObjectCreated:*'] }, '400 FSS.1106'],
    ['EVENTGRID', { channel_name: '' }, '400 FSS.0400'],
    ['SMN', { topic_urn: 'urn:smn:local:p' }, '400 FSS.1102'],
    ['LTS', { log_group_id: 'g' }, '400 FSS.1110'],
    ['CTS', { notification_name: 'n', operations: [] }, '400 FSS.1314'],
    ['DDS', { instance_id: 'i' }, '400 FSS.1101'],
    ['NOPE', {}, '400 FSS.1101'],
  ])('refuses bad %s event_data with the type code', async (type, eventData, expected) => {
    const { service } = setup();
    expect(
      await codeOf(service.create(auth, 'hello', { trigger_type_code: type, event_data: eventData })),
    ).toBe(expected);
  });

  it('refuses duplicates per function with the type code, and allows them on another function', async () => {
    const { service } = setup();
    const dms = { trigger_type_code: 'DMS', event_data: { queue_id: 'q', consumer_group_id: 'g' } };
    await service.create(auth, 'hello', dms);
    expect(await codeOf(service.create(auth, 'hello', dms))).toBe('409 FSS.1142');
    expect(await codeOf(service.create(auth, 'other', dms))).toBe('resolved');
    const rabbit = { trigger_type_code: 'RABBITMQ', event_data: { exchange_name: 'ex', routing_key: 'a.#' } };
    await service.create(auth, 'hello', rabbit);
    expect(await codeOf(service.create(auth, 'hello', rabbit))).toBe('409 FSS.1142');
    const otherKey = { ...rabbit, event_data: { exchange_name: 'ex', routing_key: 'b.#' } };
    expect(await codeOf(service.create(auth, 'hello', otherKey))).toBe('resolved');
  });

  it('keeps API names and path + method unique per group across the project (FSS.1147, FSS.1146)', async () => {
    const { service, evicted } = setup();
    const created = await service.create(auth, 'hello', { trigger_type_code: 'APIG', event_data: APIG });
    expect(created.event_data).toMatchObject({
      api_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      api_name: 'API_echo',
      group_name: 'g1',
      env_name: 'RELEASE',
      invoke_url: `http://gw:8080/apig/${PROJECT}/g1/echo`,
      triggerid: created.trigger_id,
    });
    expect(evicted).toEqual([PROJECT]);
    const apig = (overrides: Record<string, unknown>) =>
      service.create(auth, 'other', { trigger_type_code: 'APIG', event_data: { ...APIG, ...overrides } });
    expect(await codeOf(apig({ path: '/x' }))).toBe('409 FSS.1147');
    expect(await codeOf(apig({ name: 'API_two', path: '/echo/', req_method: 'ANY' }))).toBe('409 FSS.1146');
    expect(await codeOf(apig({ name: 'API_two', req_method: 'POST' }))).toBe('resolved');
    expect(await codeOf(apig({ name: 'API_three', group_id: 'g2' }))).toBe('resolved');
  });

  it('keeps the api_id and applies the rules again when an API changes', async () => {
    const { service } = setup();
    const first = await service.create(auth, 'hello', { trigger_type_code: 'APIG', event_data: APIG });
    await service.create(auth, 'hello', {
      trigger_type_code: 'APIG',
      event_data: { ...APIG, name: 'API_post', req_method: 'POST' },
    });
    const moved = await service.update(auth, 'hello', 'APIG', first.trigger_id, {
      event_data: { ...APIG, path: '/moved', api_id: 'ignored' },
    });
    expect(moved.event_data).toMatchObject({ path: '/moved', api_id: first.event_data['api_id'] });
    expect(
      await codeOf(
        service.update(auth, 'hello', 'APIG', first.trigger_id, {
          event_data: { ...APIG, req_method: 'ANY' },
        }),
      ),
    ).toBe('409 FSS.1146');
  });

  it('merges the SDK array form of event_data and revalidates it', async () => {
    const { service } = setup();
    const dis = await service.create(auth, 'hello', {
      trigger_type_code: 'DIS',
      event_data: { stream_name: 's1', sharditerator_type: 'LATEST' },
    });
    const updated = await service.update(auth, 'hello', 'DIS', dis.trigger_id, {
      event_data: [{ polling_interval: 5, polling_unit: 's' }],
    });
    expect(updated.event_data).toEqual({
      stream_name: 's1',
      sharditerator_type: 'LATEST',
      batch_size: 100,
      polling_interval: 5,
    });
    expect(
      await codeOf(
        service.update(auth, 'hello', 'DIS', dis.trigger_id, { event_data: [{ polling_interval: 99 }] }),
      ),
    ).toBe('400 FSS.1104');
  });

  it('answers the type not-found code and FSS.1153 for the current status', async () => {
    const { service } = setup();
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await codeOf(service.get(auth, 'hello', 'APIG', missing))).toBe('404 FSS.1138');
    expect(await codeOf(service.get(auth, 'hello', 'DIS', 'not-a-uuid'))).toBe('404 FSS.1134');
    expect(await codeOf(service.get(auth, 'hello', 'WHAT', missing))).toBe('404 FSS.1131');
    const t = await service.create(auth, 'hello', {
      trigger_type_code: 'RABBITMQ',
      event_data: { exchange_name: 'ex' },
      trigger_status: 'DISABLED',
    });
    expect(t.trigger_status).toBe('DISABLED');
    expect(
      await codeOf(service.update(auth, 'hello', 'RABBITMQ', t.trigger_id, { trigger_status: 'DISABLED' })),
    ).toBe('412 FSS.1153');
    expect(
      (await service.update(auth, 'hello', 'RABBITMQ', t.trigger_id, { trigger_status: 'ACTIVE' }))
        .trigger_status,
    ).toBe('ACTIVE');
  });

  it('forgets the project APIs when triggers are deleted', async () => {
    const { service, evicted, events } = setup();
    const api = await service.create(auth, 'hello', { trigger_type_code: 'APIG', event_data: APIG });
    evicted.length = 0;
    await service.delete(auth, 'hello', 'APIG', api.trigger_id);
    expect(evicted).toEqual([PROJECT]);
    await service.create(auth, 'hello', { trigger_type_code: 'APIG', event_data: APIG });
    evicted.length = 0;
    await service.deleteAll(auth, 'hello');
    expect(evicted).toEqual([PROJECT]);
    expect(events.filter((e) => e.action === 'delete')).toHaveLength(2);
  });
});
