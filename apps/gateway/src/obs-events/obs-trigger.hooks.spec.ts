import type { FunctionRepository } from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import type { ControlEventsPublisher } from '../control/control-events.publisher';
import { EventgridTriggerHooks } from '../eventgrid/eventgrid-trigger.hooks';
import { FunctionResolver } from '../functions/function.resolver';
import { PushAuthService } from '../push-events/push-auth.service';
import { pushTokenOf } from '../push-events/push-token';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { FakeTriggerRepository } from '../triggers/testing/fake-trigger.repository';
import { TriggersService } from '../triggers/triggers.service';
import { ObsTriggerHooks } from './obs-trigger.hooks';

const PROJECT = '0123456789abcdef0123456789abcdef';
const KEY = 'ab'.repeat(32);
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };

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
  const publisher = {
    emitTriggerChanged: async () => undefined,
  } as unknown as ControlEventsPublisher;
  const config = {
    apig: { baseUrl: 'http://gw:8080', routeCacheTtlMs: 0 },
    pushEvents: { tokenKeyHex: KEY },
  } as GatewayConfig;
  const pushAuth = new PushAuthService(config, undefined as never, undefined as never);
  const service = new TriggersService(repo.asRepository(), new FunctionResolver(functions), publisher, [
    new ObsTriggerHooks(repo.asRepository(), pushAuth, config),
    new EventgridTriggerHooks(pushAuth, config),
  ]);
  return { service };
}

const obs = (data: Record<string, unknown>) => ({
  trigger_type_code: 'OBS',
  event_data: { bucket: 'photos', events: ['s3:ObjectCreated:*'], ...data },
});

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => 'created',
    (err: { code?: string; status?: number }) => `${err.status} ${err.code}`,
  );

describe('OBS and EVENTGRID triggers through the trigger API', () => {
  it('creates an OBS trigger ACTIVE and answers the notification URL with the project token', async () => {
    const { service } = setup();
    const created = await service.create(
      auth,
      'hello',
      obs({ prefix: 'in/', suffix: '.jpg', name: 'obs-event-1ec7' }),
    );
    expect(created).toMatchObject({
      trigger_type_code: 'OBS',
      trigger_status: 'ACTIVE',
      event_data: { bucket: 'photos', prefix: 'in/', suffix: '.jpg', name: 'obs-event-1ec7' },
    });
    expect(created.event_data['notification_url']).toBe(
      `http://gw:8080/obs-events/${PROJECT}?token=${pushTokenOf(KEY, PROJECT)}`,
    );
  });

  it('answers FSS.1145 for the same filter on one function and FSS.1108 for an overlapping one anywhere', async () => {
    const { service } = setup();
    await service.create(auth, 'hello', obs({ prefix: 'in/' }));
    expect(await codeOf(service.create(auth, 'hello', obs({ prefix: 'in/' })))).toBe('409 FSS.1145');
    expect(await codeOf(service.create(auth, 'other', obs({ prefix: 'in/' })))).toBe('403 FSS.1108');
    expect(await codeOf(service.create(auth, 'hello', obs({ prefix: 'in/raw/' })))).toBe('403 FSS.1108');
    expect(await codeOf(service.create(auth, 'hello', obs({ events: ['s3:ObjectCreated:Put'] })))).toBe(
      '403 FSS.1108',
    );
    // Disjoint events, prefixes or buckets do not overlap.
    expect(
      await codeOf(service.create(auth, 'hello', obs({ prefix: 'in/', events: ['s3:ObjectRemoved:*'] }))),
    ).toBe('created');
    expect(await codeOf(service.create(auth, 'other', obs({ prefix: 'out/' })))).toBe('created');
    expect(await codeOf(service.create(auth, 'other', obs({ bucket: 'videos', prefix: 'in/' })))).toBe(
      'created',
    );
  });

  it('refuses bad OBS event_data with FSS.1106 and disabling with FSS.0400', async () => {
    const { service } = setup();
    expect(await codeOf(service.create(auth, 'hello', obs({ events: ['s3:ObjectCreated:Rename'] })))).toBe(
      '400 FSS.1106',
    );
    expect(await codeOf(service.create(auth, 'hello', { ...obs({}), trigger_status: 'DISABLED' }))).toBe(
      '400 FSS.0400',
    );
  });

  it('checks overlaps again on update, leaving the trigger itself out', async () => {
    const { service } = setup();
    const a = await service.create(auth, 'hello', obs({ prefix: 'a/' }));
    await service.create(auth, 'other', obs({ prefix: 'b/' }));
    const moved = await service.update(auth, 'hello', 'OBS', a.trigger_id, {
      event_data: [{ prefix: 'a/x/' }],
    });
    expect(moved.event_data).toMatchObject({ prefix: 'a/x/' });
    expect(
      await codeOf(service.update(auth, 'hello', 'OBS', a.trigger_id, { event_data: [{ prefix: 'b/' }] })),
    ).toBe('403 FSS.1108');
  });

  it('answers the EVENTGRID endpoint URL and FSS.0409 for a duplicate', async () => {
    const { service } = setup();
    const body = {
      trigger_type_code: 'EVENTGRID',
      event_data: { channel_name: 'orders', event_types: ['a.*'] },
    };
    const created = await service.create(auth, 'hello', body);
    expect(created.event_data['endpoint_url']).toBe(
      `http://gw:8080/eventgrid/${PROJECT}/orders?token=${pushTokenOf(KEY, PROJECT)}`,
    );
    expect(await codeOf(service.create(auth, 'hello', body))).toBe('409 FSS.0409');
    expect(await codeOf(service.create(auth, 'other', body))).toBe('created');
  });
});
