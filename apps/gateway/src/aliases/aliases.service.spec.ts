import type { FunctionChangedEvent } from '@ofg/contracts';
import type { FunctionRepository, FunctionVersionEntity } from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import type { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { FakeFunctionVersions } from '../versions/testing/fake-function-versions';
import { AliasesService } from './aliases.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };

function setup(published: string[] = ['v1', 'v2', 'v3']) {
  const head = aFunctionEntity({ projectId: PROJECT });
  const functions = { findByName: async () => head } as unknown as FunctionRepository;
  const versions = new FakeFunctionVersions(head);
  for (const version of published) versions.versions.push({ version } as FunctionVersionEntity);
  const events: FunctionChangedEvent[] = [];
  const publisher = {
    emitFunctionChanged: async (e: FunctionChangedEvent) => void events.push(e),
  } as unknown as ControlEventsPublisher;
  const service = new AliasesService(new FunctionResolver(functions), versions.asRepository(), publisher, {
    region: 'local',
  } as GatewayConfig);
  return { service, versions, events, head };
}

const create = (service: AliasesService, body: Record<string, unknown>) =>
  service.create(auth, 'hello', body);

describe('AliasesService', () => {
  it('creates an alias with its routing, and announces the change to the other gateways', async () => {
    const { service, events, head } = setup();
    const alias = await create(service, {
      name: 'live',
      version: 'v1',
      description: 'canary',
      additional_version_weights: { v2: 30 },
    });
    expect(alias).toEqual({
      name: 'live',
      version: 'v1',
      description: 'canary',
      last_modified: expect.stringMatching(/^2030-01-01T00:00:0\d\+00:00$/),
      alias_urn: `urn:fss:local:${PROJECT}:function:default:hello:!live`,
      additional_version_weights: { v2: 30 },
      additional_version_strategy: {},
    });
    expect(events).toEqual([{ functionId: head.id, projectId: PROJECT, action: 'versions' }]);
    expect((await create(service, { name: 'edge', version: 'LATEST' })).version).toBe('latest');
  });

  it.each([
    ['a bad name', 'FSS.1014', 400, { name: 'no spaces', version: 'v1' }],
    ['no version', 'FSS.1015', 400, { name: 'a' }],
    ['a malformed version', 'FSS.1015', 400, { name: 'a', version: 'v 1' }],
    ['an unpublished main version', 'FSS.1052', 404, { name: 'a', version: 'v9' }],
    [
      'an unpublished additional version',
      'FSS.1091',
      400,
      { name: 'a', version: 'v1', additional_version_weights: { v9: 5 } },
    ],
    [
      'a weight over 100',
      'FSS.1092',
      400,
      { name: 'a', version: 'v1', additional_version_weights: { v2: 101 } },
    ],
    [
      'the main version as additional',
      'FSS.1093',
      400,
      { name: 'a', version: 'v1', additional_version_weights: { v1: 5 } },
    ],
    ['a long description', 'FSS.1019', 400, { name: 'a', version: 'v1', description: 'x'.repeat(513) }],
  ])('refuses %s with %s', async (_label, code, status, body) => {
    const { service, versions } = setup();
    await expect(create(service, body)).rejects.toMatchObject({ code, status });
    expect(versions.aliases).toEqual([]);
  });

  it('refuses a taken name (FSS.1063), a version that backs another alias (FSS.1066) and an eleventh alias (FSS.1043)', async () => {
    const { service } = setup(Array.from({ length: 11 }, (_, i) => `v${i}`));
    await create(service, { name: 'a0', version: 'v0' });
    await expect(create(service, { name: 'a0', version: 'v1' })).rejects.toMatchObject({ code: 'FSS.1063' });
    await expect(create(service, { name: 'b', version: 'v0' })).rejects.toMatchObject({
      code: 'FSS.1066',
      status: 409,
    });
    for (let i = 1; i < 10; i += 1) await create(service, { name: `a${i}`, version: `v${i}` });
    await expect(create(service, { name: 'a10', version: 'v10' })).rejects.toMatchObject({
      code: 'FSS.1043',
      status: 403,
    });
    expect(await service.list(auth, 'hello')).toHaveLength(10);
  });

  it('updates version and routing in place, keeping its own main version bindable', async () => {
    const { service } = setup();
    await create(service, { name: 'live', version: 'v1', additional_version_weights: { v2: 30 } });
    await create(service, { name: 'other', version: 'v3' });
    const moved = await service.update(auth, 'hello', 'live', {
      version: 'v1',
      additional_version_strategy: {
        v2: { rules: [{ rule_type: 'header', param: 'x-b', op: '=', value: '1' }] },
      },
    });
    expect(moved).toMatchObject({
      version: 'v1',
      additional_version_weights: {},
      additional_version_strategy: {
        v2: { rules: [{ rule_type: 'header', param: 'x-b', op: '=', value: '1' }], combine_type: 'and' },
      },
    });
    await expect(service.update(auth, 'hello', 'live', { version: 'v3' })).rejects.toMatchObject({
      code: 'FSS.1066',
    });
    await expect(service.update(auth, 'hello', 'nope', { version: 'v2' })).rejects.toMatchObject({
      code: 'FSS.1053',
      status: 404,
    });
    await expect(service.get(auth, 'hello', 'nope')).rejects.toMatchObject({ code: 'FSS.1053' });
  });

  it('refuses to delete an alias with triggers (FSS.1154), and deletes it once they are gone', async () => {
    const { service, versions } = setup();
    await create(service, { name: 'live', version: 'v1' });
    versions.triggerQualifiers.push('!live');
    await expect(service.delete(auth, 'hello', 'live')).rejects.toMatchObject({
      code: 'FSS.1154',
      status: 403,
    });
    versions.triggerQualifiers.length = 0;
    await service.delete(auth, 'hello', 'live');
    await expect(service.delete(auth, 'hello', 'live')).rejects.toMatchObject({ code: 'FSS.1053' });
  });
});
