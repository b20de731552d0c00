import { Logger } from '@nestjs/common';
import { StreamSourceType } from '@ofg/contracts';
import { TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import {
  BindResult,
  EventSourceDriver,
  SourceBinding,
  SourceConsumer,
  sourceTriggerOf,
} from './event-source.port';
import { SourceRegistryService } from './source-registry.service';
import { SourceMetrics } from './source.metrics';

const PROJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ID_1 = '0b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c';
const ID_2 = '1c9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c';

function aTrigger(id: string, patch: Partial<TriggerEntity> = {}): TriggerEntity {
  return {
    id,
    projectId: PROJECT,
    functionId: '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    qualifier: 'latest',
    triggerTypeCode: 'DIS',
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: 'orders',
    eventData: { stream_name: 'orders' },
    createdAt: new Date(),
    updatedAt: new Date(),
    ...patch,
  };
}

/** A driver that counts consumer lifecycles and releases, as OpenWhisk's proxy tests count container calls. */
class CountingDriver implements EventSourceDriver<{ stream: string }> {
  readonly types: readonly StreamSourceType[] = ['DIS'];
  readonly log: string[] = [];

  bind(trigger: TriggerEntity): BindResult<{ stream: string }> {
    const stream = trigger.eventData['stream_name'];
    if (typeof stream !== 'string') return { ok: false, reason: 'stream_name is required' };
    const source = sourceTriggerOf(trigger, 'DIS', stream);
    return {
      ok: true,
      binding: {
        trigger: source,
        config: { stream },
        fingerprint: JSON.stringify([source, stream]),
        resource: stream,
      },
    };
  }

  consumer(binding: SourceBinding<{ stream: string }>): SourceConsumer {
    const name = `${binding.trigger.id.slice(0, 2)}:${binding.config.stream}`;
    return {
      start: () => void this.log.push(`start ${name}`),
      stop: async () => void this.log.push(`stop ${name}`),
    };
  }

  async release(old: SourceBinding<{ stream: string }>): Promise<void> {
    this.log.push(`release ${old.trigger.id.slice(0, 2)}:${old.config.stream}`);
  }

  async close(): Promise<void> {
    this.log.push('close');
  }
}

describe('SourceRegistryService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  function aRegistry() {
    const rows = new Map<string, TriggerEntity>();
    const triggers = {
      findAnyById: async (id: string) => rows.get(id) ?? null,
      listAllOfType: async (type: string) => [...rows.values()].filter((t) => t.triggerTypeCode === type),
    };
    const driver = new CountingDriver();
    const registry = new SourceRegistryService(
      triggers as unknown as TriggerRepository,
      [driver],
      new SourceMetrics(new MetricsService()),
    );
    return { rows, driver, registry };
  }

  it('starts one consumer per active trigger at boot and leaves the rest alone', async () => {
    const { rows, driver, registry } = aRegistry();
    rows.set(ID_1, aTrigger(ID_1));
    rows.set(ID_2, aTrigger(ID_2, { triggerStatus: 'DISABLED' }));
    rows.set('timer', aTrigger('timer', { triggerTypeCode: 'TIMER' }));
    expect(await registry.reconcileAll()).toMatchObject({ started: 1, absent: 1, failed: 0 });
    expect(driver.log).toEqual(['start 0b:orders']);
    expect(await registry.reconcileAll()).toMatchObject({ started: 0, unchanged: 1 });
    expect(registry.runningIds()).toEqual([ID_1]);
  });

  it('follows status changes, restarts on a new event_data and releases what the trigger left', async () => {
    const { rows, driver, registry } = aRegistry();
    rows.set(ID_1, aTrigger(ID_1));
    expect(await registry.reconcileTrigger(ID_1)).toBe('started');
    rows.set(ID_1, aTrigger(ID_1, { triggerStatus: 'DISABLED' }));
    expect(await registry.reconcileTrigger(ID_1)).toBe('stopped');
    rows.set(ID_1, aTrigger(ID_1));
    expect(await registry.reconcileTrigger(ID_1)).toBe('started');
    rows.set(ID_1, aTrigger(ID_1, { eventData: { stream_name: 'payments' } }));
    expect(await registry.reconcileTrigger(ID_1)).toBe('restarted');
    rows.delete(ID_1);
    expect(await registry.reconcileTrigger(ID_1)).toBe('removed');
    expect(await registry.reconcileTrigger(ID_1)).toBe('absent');
    expect(driver.log).toEqual([
      'start 0b:orders',
      'stop 0b:orders',
      'start 0b:orders',
      'stop 0b:orders',
      'release 0b:orders',
      'start 0b:payments',
      'stop 0b:payments',
      'release 0b:payments',
    ]);
  });

  it('stops the consumer of a trigger whose event_data no longer parses, and ignores unknown ids', async () => {
    const { rows, driver, registry } = aRegistry();
    rows.set(ID_1, aTrigger(ID_1));
    await registry.reconcileTrigger(ID_1);
    rows.set(ID_1, aTrigger(ID_1, { eventData: {} }));
    expect(await registry.reconcileTrigger(ID_1)).toBe('invalid');
    expect(await registry.reconcileTrigger('not-a-uuid')).toBe('absent');
    expect(driver.log).toEqual(['start 0b:orders', 'stop 0b:orders']);
  });

  it('applies concurrent changes of one trigger one at a time', async () => {
    const { rows, driver, registry } = aRegistry();
    rows.set(ID_1, aTrigger(ID_1));
    const actions = await Promise.all([registry.reconcileTrigger(ID_1), registry.reconcileTrigger(ID_1)]);
    expect(actions).toEqual(['started', 'unchanged']);
    expect(driver.log).toEqual(['start 0b:orders']);
  });

  it('removes a trigger deleted while the listing was stale, and stops everything on shutdown', async () => {
    const { rows, driver, registry } = aRegistry();
    rows.set(ID_1, aTrigger(ID_1));
    rows.set(ID_2, aTrigger(ID_2));
    await registry.reconcileAll();
    rows.delete(ID_2);
    expect(await registry.reconcileAll()).toMatchObject({ unchanged: 1, removed: 1 });
    await registry.stopAll();
    expect(driver.log).toEqual([
      'start 0b:orders',
      'start 1c:orders',
      'stop 1c:orders',
      'release 1c:orders',
      'stop 0b:orders',
      'close',
    ]);
    rows.set(ID_2, aTrigger(ID_2));
    expect(await registry.reconcileTrigger(ID_2)).toBe('absent');
  });
});
