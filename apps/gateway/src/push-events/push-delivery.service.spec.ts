import { RECURSION_STOPPED_MESSAGE } from '@ofg/contracts';
import type { InvocationJob } from '@ofg/contracts';
import type {
  FunctionRepository,
  InvocationEntity,
  InvocationRepository,
  TriggerEntity,
} from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import {
  InvocationDispatcher,
  InvocationProducer,
  NOT_ACCEPTED_MESSAGE,
  ReplyBus,
  SyncJobRouter,
} from '@ofg/queue';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { PushDeliveryService, PushItem } from './push-delivery.service';
import { pushRequestId } from './push-request-id';
import { PushMetrics } from './push.metrics';

const PROJECT = '0123456789abcdef0123456789abcdef';

/** The invocation ledger in memory, with the primary key on request id. */
class FakeLedger {
  readonly rows = new Map<string, Partial<InvocationEntity>>();

  async insertWaiting(row: Partial<InvocationEntity>): Promise<void> {
    if (this.rows.has(row.requestId as string)) throw new Error('duplicate key');
    this.rows.set(row.requestId as string, { ...row, status: 'WAIT', attempt: 0 });
  }

  async discardUnaccepted(_projectId: string, requestId: string, message: string): Promise<boolean> {
    const row = this.rows.get(requestId);
    if (!row || row.status !== 'WAIT') return false;
    Object.assign(row, { status: 'DISCARD', errorMessage: message });
    return true;
  }

  async insertRecords(rows: Partial<InvocationEntity>[]): Promise<void> {
    for (const row of rows)
      if (!this.rows.has(row.requestId as string)) this.rows.set(row.requestId as string, row);
  }

  async findOne(_projectId: string, requestId: string): Promise<InvocationEntity | null> {
    return (this.rows.get(requestId) as InvocationEntity | undefined) ?? null;
  }
}

function setup() {
  const fn = aFunctionEntity({ projectId: PROJECT });
  const ledger = new FakeLedger();
  const jobs: InvocationJob[] = [];
  let queueDown = false;
  const producer = {
    enqueue: async (job: InvocationJob) => {
      if (queueDown) throw new Error('redis down');
      jobs.push(job);
    },
  } as unknown as InvocationProducer;
  const invocations = ledger as unknown as InvocationRepository;
  const dispatcher = new InvocationDispatcher(producer, {} as ReplyBus, {} as SyncJobRouter, invocations, {
    redisUrl: '',
    region: 'local',
    syncQueueWaitMs: 0,
  });
  const functions = {
    findById: async (_p: string, id: string) => (id === fn.id ? fn : null),
  } as unknown as FunctionRepository;
  const service = new PushDeliveryService(
    functions,
    invocations,
    dispatcher,
    new FunctionResolver(functions),
    new PushMetrics(new MetricsService()),
  );
  const trigger = {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    projectId: PROJECT,
    functionId: fn.id,
    qualifier: 'latest',
    triggerTypeCode: 'OBS',
    name: 'photos',
  } as TriggerEntity;
  const item = (overrides: Partial<PushItem> = {}): PushItem => ({
    trigger,
    event: '{"Records":[]}',
    eventKey: 'k1',
    hop: 0,
    ...overrides,
  });
  return { service, ledger, jobs, trigger, item, setQueueDown: (down: boolean) => (queueDown = down) };
}

describe('PushDeliveryService', () => {
  it('accepts an event through the async path with the next hop, once however often it is pushed', async () => {
    const { service, ledger, jobs, trigger, item } = setup();
    const [first] = await service.deliverAll('OBS', 'd', [item({ hop: 3 })]);
    expect(first).toEqual({
      trigger_id: trigger.id,
      outcome: 'invoked',
      request_id: pushRequestId(trigger.id, 'k1', 0),
    });
    expect(ledger.rows.get(first.request_id as string)).toMatchObject({
      status: 'WAIT',
      triggerType: 'OBS',
      triggerId: trigger.id,
    });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      requestId: first.request_id,
      invokeType: 'async',
      event: '{"Records":[]}',
      trigger: { type: 'OBS', id: trigger.id, hop: 4 },
    });
    expect(await service.deliverAll('OBS', 'd', [item({ hop: 3 })])).toEqual([
      { trigger_id: trigger.id, outcome: 'duplicate' },
    ]);
    expect(jobs).toHaveLength(1);
  });

  it('fails with 503 when the queue is down, and accepts the re-push under a fresh id', async () => {
    const { service, ledger, jobs, trigger, item, setQueueDown } = setup();
    setQueueDown(true);
    await expect(service.deliverAll('OBS', 'd', [item()])).rejects.toMatchObject({ code: 'FSS.0503' });
    expect(ledger.rows.get(pushRequestId(trigger.id, 'k1', 0))).toMatchObject({
      status: 'DISCARD',
      errorMessage: NOT_ACCEPTED_MESSAGE,
    });
    setQueueDown(false);
    const [retried] = await service.deliverAll('OBS', 'd', [item()]);
    expect(retried).toMatchObject({ outcome: 'invoked', request_id: pushRequestId(trigger.id, 'k1', 1) });
    expect(jobs.map((j) => j.requestId)).toEqual([retried.request_id]);
  });

  it('records an event at hop 16 as a DISCARD row instead of invoking', async () => {
    const { service, ledger, jobs, trigger, item } = setup();
    const [stopped] = await service.deliverAll('OBS', 'd', [
      item({ hop: 16 }),
      item({ hop: 15, eventKey: 'k2' }),
    ]);
    expect(stopped).toEqual({
      trigger_id: trigger.id,
      outcome: 'stopped',
      request_id: pushRequestId(trigger.id, 'k1', -1),
    });
    expect(ledger.rows.get(stopped.request_id as string)).toMatchObject({
      status: 'DISCARD',
      errorMessage: RECURSION_STOPPED_MESSAGE,
      triggerId: trigger.id,
    });
    expect(jobs.map((j) => j.trigger?.hop)).toEqual([16]);
  });

  it('skips triggers whose function or version is gone', async () => {
    const { service, jobs, trigger, item } = setup();
    const results = await service.deliverAll('OBS', 'd', [
      item({ trigger: { ...trigger, functionId: 'gone' } as TriggerEntity }),
      item({ trigger: { ...trigger, qualifier: 'v9' } as TriggerEntity }),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(jobs).toEqual([]);
  });
});
