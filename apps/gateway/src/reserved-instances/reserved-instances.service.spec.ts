import { FgsError, ReservedInstancesChangedEvent } from '@ofg/contracts';
import type {
  FunctionEntity,
  FunctionRepository,
  ReservedInstanceConfigEntity,
  ReservedInstanceConfigInput,
  ReservedInstanceConfigRepository,
} from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import type { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import type { InstanceFiguresReader } from './instance-figures.reader';
import { ReservedInstancesService } from './reserved-instances.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const auth = { projectId: PROJECT, domainId: 'dom', userId: 'u', method: 'token' as const };
const URN = `urn:fss:local:${PROJECT}:function:default:hello:latest`;

/** In-memory reservations keyed like the unique constraint. */
class FakeReservations {
  readonly rows = new Map<string, ReservedInstanceConfigEntity>();

  async upsert(input: ReservedInstanceConfigInput): Promise<ReservedInstanceConfigEntity> {
    const row = { id: 'r1', createdAt: new Date(), updatedAt: new Date(), ...input };
    this.rows.set(`${input.functionId}|${input.qualifierName}`, row);
    return row;
  }

  async remove(_p: string, functionId: string, _t: string, name: string): Promise<boolean> {
    return this.rows.delete(`${functionId}|${name}`);
  }

  async reservedCountOf(projectId: string, functionId: string): Promise<number> {
    return [...this.rows.values()]
      .filter((r) => r.projectId === projectId && r.functionId === functionId)
      .reduce((sum, r) => sum + r.count, 0);
  }

  async list(projectId: string, filter: { functionId?: string }) {
    const items = [...this.rows.values()]
      .filter((r) => r.projectId === projectId && (!filter.functionId || r.functionId === filter.functionId))
      .map((config) => ({ config, fn: fnById.get(config.functionId)! }));
    return { items, total: items.length };
  }
}

const fnById = new Map<string, FunctionEntity>();

function setup(fnOverrides: Partial<FunctionEntity> = {}) {
  const fn = aFunctionEntity({ projectId: PROJECT, ...fnOverrides });
  const foreign = aFunctionEntity({ id: '11111111-2222-4333-8444-555555555555', projectId: OTHER });
  fnById.clear();
  fnById.set(fn.id, fn);
  const functions = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      [fn, foreign].find((f) => f.projectId === projectId && f.package === pkg && f.funcName === name) ??
      null,
    updateConfig: async (_p: string, _id: string, patch: Partial<FunctionEntity>) => Object.assign(fn, patch),
  } as unknown as FunctionRepository;
  const reservations = new FakeReservations();
  const events: ReservedInstancesChangedEvent[] = [];
  const publisher = {
    emitReservedInstancesChanged: async (e: ReservedInstancesChangedEvent) => void events.push(e),
  } as unknown as ControlEventsPublisher;
  const figures = {
    figuresOf: async () => ({ instances: 4, reserved: 3 }),
  } as unknown as InstanceFiguresReader;
  const service = new ReservedInstancesService(
    reservations as unknown as ReservedInstanceConfigRepository,
    functions,
    new FunctionResolver(functions),
    publisher,
    figures,
    { region: 'local' } as GatewayConfig,
  );
  return { service, reservations, events, fn };
}

async function fgsError(call: Promise<unknown>): Promise<FgsError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FgsError)) throw new Error(`expected an FgsError, got ${String(err)}`);
  return err;
}

describe('ReservedInstancesService', () => {
  it('stores the reservation of latest, publishes the change and answers the SDK shape', async () => {
    const { service, reservations, events, fn } = setup();
    await expect(service.update(auth, URN, { count: 3, idle_mode: true })).resolves.toEqual({
      count: 3,
      idle_mode: true,
      tactics_config: { cron_configs: [], metric_configs: [] },
    });
    expect([...reservations.rows.values()]).toEqual([
      expect.objectContaining({
        functionId: fn.id,
        qualifierType: 'version',
        qualifierName: 'latest',
        count: 3,
        domainId: 'dom',
      }),
    ]);
    expect(events).toEqual([{ functionId: fn.id, projectId: PROJECT, qualifier: 'latest', count: 3 }]);
  });

  it('removes the reservation on count 0 without policies, keeps it with one', async () => {
    const { service, reservations } = setup();
    await service.update(auth, URN, { count: 2 });
    await service.update(auth, URN, { count: 0 });
    expect(reservations.rows.size).toBe(0);
    const cron = { name: 'morning', cron: '0 0 8 * * *', count: 2, start_time: 1, expired_time: 2 };
    await service.update(auth, URN, { count: 0, tactics_config: { cron_configs: [cron] } });
    expect([...reservations.rows.values()][0]).toMatchObject({
      count: 0,
      tacticsConfig: { cron_configs: [cron] },
    });
  });

  it.each([
    ['a negative count', { count: -1 }, 'FSS.0400'],
    ['a fractional count', { count: 1.5 }, 'FSS.0400'],
    ['a missing count', { idle_mode: true }, 'FSS.0400'],
    ['a count as text', { count: '3' }, 'FSS.0400'],
    ['a count above 1000', { count: 1001 }, 'FSS.1076'],
    [
      'a bad cron',
      {
        count: 1,
        tactics_config: {
          cron_configs: [{ name: 'c', cron: 'often', count: 1, start_time: 1, expired_time: 2 }],
        },
      },
      'FSS.0400',
    ],
    [
      'a cron count above the maximum',
      {
        count: 1,
        tactics_config: {
          cron_configs: [{ name: 'c', cron: '0 0 8 * * *', count: 5000, start_time: 1, expired_time: 2 }],
        },
      },
      'FSS.1076',
    ],
    [
      'an unknown metric type',
      {
        count: 1,
        tactics_config: { metric_configs: [{ name: 'm', type: 'Memory', threshold: 50, min: 1 }] },
      },
      'FSS.0400',
    ],
  ])('refuses %s', async (_label, body, code) => {
    const { service, reservations } = setup();
    expect((await fgsError(service.update(auth, URN, body))).code).toBe(code);
    expect(reservations.rows.size).toBe(0);
  });

  it("caps the count at the function's max instances and refuses any for a disabled function", async () => {
    expect((await fgsError(setup({ maxInstances: 2 }).service.update(auth, URN, { count: 3 }))).code).toBe(
      'FSS.1076',
    );
    await expect(setup({ maxInstances: 2 }).service.update(auth, URN, { count: 2 })).resolves.toMatchObject({
      count: 2,
    });
    expect((await fgsError(setup({ maxInstances: 0 }).service.update(auth, URN, { count: 1 }))).code).toBe(
      'FSS.1076',
    );
  });

  it("answers an unknown function, another tenant's function and an unknown version like missing ones", async () => {
    const { service } = setup();
    expect((await fgsError(service.update(auth, 'nosuch', { count: 1 }))).code).toBe('FSS.1051');
    const foreign = `urn:fss:local:${OTHER}:function:default:hello:latest`;
    expect((await fgsError(service.update(auth, foreign, { count: 1 }))).code).toBe('FSS.1051');
    expect(
      (await fgsError(service.update(auth, `${URN.replace(/:latest$/, '')}:v1`, { count: 1 }))).code,
    ).toBe('FSS.1052');
  });

  it('lists reservations with qualified URNs, configs with min_count, and nothing for a foreign filter', async () => {
    const { service } = setup();
    await service.update(auth, URN, { count: 3 });
    await expect(service.listReservedInstances(auth, {})).resolves.toEqual({
      reservedinstances: [{ func_urn: URN, count: 3 }],
      page_info: { next_marker: 1, previous_marker: 0, current_count: 1 },
      count: 1,
    });
    await expect(service.listConfigs(auth, { function_urn: URN })).resolves.toMatchObject({
      reserved_instances: [
        {
          function_urn: URN.replace(/:latest$/, ''),
          qualifier_type: 'version',
          qualifier_name: 'latest',
          min_count: 3,
        },
      ],
      count: 1,
    });
    const foreign = `urn:fss:local:${OTHER}:function:default:hello`;
    await expect(service.listConfigs(auth, { function_urn: foreign })).resolves.toMatchObject({ count: 0 });
    expect((await fgsError(service.listReservedInstances(auth, { limit: '0' }))).code).toBe('FSS.1001');
    expect((await fgsError(service.listReservedInstances(auth, { marker: '-1' }))).code).toBe('FSS.1001');
  });

  it('reports the live figures as one point each', async () => {
    const { service } = setup();
    const report = await service.instanceReport(auth, URN);
    expect(report.instanceNum).toEqual([{ timestamp: expect.any(Number), value: 4 }]);
    expect(report.reservedInstanceNum).toEqual([{ timestamp: expect.any(Number), value: 3 }]);
  });

  it('sets max instances, refusing a value below the reserved instances or out of range', async () => {
    const { service } = setup();
    await expect(service.updateMaxInstances(auth, URN, { max_instance_num: 5 })).resolves.toMatchObject({
      strategy_config: expect.objectContaining({ concurrency: 5 }),
    });
    await service.update(auth, URN, { count: 3 });
    expect((await fgsError(service.updateMaxInstances(auth, URN, { max_instance_num: 2 }))).code).toBe(
      'FSS.1076',
    );
    await expect(service.updateMaxInstances(auth, URN, { max_instance_num: -1 })).resolves.toBeDefined();
    expect((await fgsError(service.updateMaxInstances(auth, URN, { max_instance_num: 1001 }))).code).toBe(
      'FSS.0400',
    );
    expect((await fgsError(service.updateMaxInstances(auth, URN, {}))).code).toBe('FSS.0400');
  });
});
