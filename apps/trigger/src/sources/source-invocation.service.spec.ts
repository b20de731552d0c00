import { Logger } from '@nestjs/common';
import { FgsError, MAX_TRIGGER_HOPS, RECURSION_STOPPED_MESSAGE } from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  IdentityRepository,
  InvocationEntity,
  InvocationRepository,
  ProjectEntity,
} from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { DispatchOptions, InvocationDispatcher, NOT_ACCEPTED_MESSAGE } from '@ofg/queue';
import { SourceTrigger } from './event-source.port';
import {
  batchRequestId,
  failureReason,
  SourceInvocationService,
  SourceMessage,
  SourceTargetMissingError,
} from './source-invocation.service';
import { SourceMetrics } from './source.metrics';

const PROJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const FUNCTION_ID = '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const TRIGGER: SourceTrigger = {
  id: '0b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c',
  type: 'DIS',
  projectId: PROJECT,
  functionId: FUNCTION_ID,
  qualifier: 'latest',
  name: 'orders',
};

/** In-memory ledger and dispatcher: the dispatcher writes the ledger row first, as the real one does. */
class World {
  fn: FunctionEntity | null = { id: FUNCTION_ID, projectId: PROJECT } as FunctionEntity;
  project: ProjectEntity | null = { id: PROJECT, name: 'p', domainId: 'domain-1', createdAt: new Date() };
  ledger = new Map<string, Partial<InvocationEntity>>();
  dispatched: { event: unknown; opts: DispatchOptions }[] = [];
  /** `queue`: the ledger row commits, the enqueue fails (row DISCARDed); `ledger`: nothing commits. */
  failNext?: 'queue' | 'ledger';
  metrics = new MetricsService();

  service(): SourceInvocationService {
    const functions = { findById: async () => this.fn };
    const identity = { findProjectById: async () => this.project };
    const invocations = {
      findOne: async (_p: string, requestId: string) =>
        (this.ledger.get(requestId) as InvocationEntity) ?? null,
      insertRecords: async (rows: Partial<InvocationEntity>[]) => {
        for (const row of rows)
          if (!this.ledger.has(row.requestId as string)) this.ledger.set(row.requestId as string, row);
      },
    };
    const dispatcher = {
      invokeAsync: async (_fn: FunctionEntity, event: string, opts: DispatchOptions) => {
        const requestId = opts.requestId as string;
        const failure = this.failNext;
        this.failNext = undefined;
        if (failure === 'ledger' || this.ledger.has(requestId))
          throw new FgsError('FSS.0503', 'The invocation ledger is unavailable, retry later');
        this.ledger.set(requestId, { requestId, status: 'WAIT', event });
        if (failure === 'queue') {
          this.ledger.set(requestId, { requestId, status: 'DISCARD', errorMessage: NOT_ACCEPTED_MESSAGE });
          throw new FgsError('FSS.0503', 'The invocation queue is unavailable, retry later');
        }
        this.dispatched.push({ event: JSON.parse(event), opts });
        return requestId;
      },
    };
    return new SourceInvocationService(
      functions as unknown as FunctionRepository,
      identity as unknown as IdentityRepository,
      invocations as unknown as InvocationRepository,
      dispatcher as unknown as InvocationDispatcher,
      new SourceMetrics(this.metrics),
    );
  }
}

const keyed = (...keys: string[]): SourceMessage[] => keys.map((key) => ({ key, hop: 0 }));
const toEvent = (ms: SourceMessage[], hop: number) => ({ keys: ms.map((m) => m.key ?? '?'), hop });

describe('SourceInvocationService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('invokes once per batch with the event, the trigger and the hop of the invocation', async () => {
    const world = new World();
    const outcome = await world.service().deliver(
      TRIGGER,
      [
        { key: '1-0', hop: 0 },
        { key: '2-0', hop: 3 },
      ],
      toEvent,
    );
    expect(outcome).toBe('invoked');
    expect(world.dispatched).toEqual([
      {
        event: { keys: ['1-0', '2-0'], hop: 4 },
        opts: {
          domainId: 'domain-1',
          requestId: batchRequestId(TRIGGER.id, ['1-0', '2-0'], 0),
          trigger: { type: 'DIS', id: TRIGGER.id, name: 'orders', hop: 4 },
        },
      },
    ]);
  });

  it('does not invoke a redelivered batch whose invocation was accepted already', async () => {
    const world = new World();
    const service = world.service();
    await service.deliver(TRIGGER, keyed('1-0', '2-0'), toEvent);
    expect(await service.deliver(TRIGGER, keyed('1-0', '2-0'), toEvent)).toBe('duplicate');
    expect(world.dispatched).toHaveLength(1);
    // A different batch (another message in it) is another invocation.
    expect(await service.deliver(TRIGGER, keyed('1-0', '2-0', '3-0'), toEvent)).toBe('invoked');
    expect(world.dispatched).toHaveLength(2);
  });

  it('retries a batch whose acceptance failed under a new request id, and then dedups it', async () => {
    const world = new World();
    const service = world.service();
    world.failNext = 'queue';
    await expect(service.deliver(TRIGGER, keyed('1-0'), toEvent)).rejects.toThrow(FgsError);
    expect(await service.deliver(TRIGGER, keyed('1-0'), toEvent)).toBe('invoked');
    expect(world.dispatched.map((d) => d.opts.requestId)).toEqual([batchRequestId(TRIGGER.id, ['1-0'], 1)]);
    expect(await service.deliver(TRIGGER, keyed('1-0'), toEvent)).toBe('duplicate');
    world.failNext = 'ledger';
    await expect(service.deliver(TRIGGER, keyed('9-0'), toEvent)).rejects.toThrow(FgsError);
    expect(world.ledger.has(batchRequestId(TRIGGER.id, ['9-0'], 0))).toBe(false);
  });

  it('gives unkeyed batches a fresh request id each time (at-least-once without dedup)', async () => {
    const world = new World();
    const service = world.service();
    await service.deliver(TRIGGER, [{ hop: 0 }], toEvent);
    await service.deliver(TRIGGER, [{ hop: 0 }], toEvent);
    expect(new Set(world.dispatched.map((d) => d.opts.requestId)).size).toBe(2);
  });

  it(`records messages at hop ${MAX_TRIGGER_HOPS} as a stopped loop instead of invoking them`, async () => {
    const world = new World();
    const service = world.service();
    const outcome = await service.deliver(
      TRIGGER,
      [
        { key: 'a', hop: MAX_TRIGGER_HOPS },
        { key: 'b', hop: MAX_TRIGGER_HOPS - 1 },
      ],
      toEvent,
    );
    expect(outcome).toBe('invoked');
    expect(world.dispatched).toHaveLength(1);
    expect(world.dispatched[0].event).toEqual({ keys: ['b'], hop: MAX_TRIGGER_HOPS });
    expect(world.dispatched[0].opts.trigger?.hop).toBe(MAX_TRIGGER_HOPS);
    const stopped = [...world.ledger.values()].filter((r) => r.status === 'DISCARD');
    expect(stopped).toEqual([
      expect.objectContaining({
        triggerId: TRIGGER.id,
        triggerType: 'DIS',
        errorMessage: RECURSION_STOPPED_MESSAGE,
        event: JSON.stringify({ keys: ['a'], hop: MAX_TRIGGER_HOPS + 1 }),
      }),
    ]);
    expect(await service.deliver(TRIGGER, [{ key: 'c', hop: 40 }], toEvent)).toBe('stopped');
    expect(world.dispatched).toHaveLength(1);
    const metrics = await world.metrics.render();
    expect(metrics.body).toMatch(/ofg_trigger_source_recursion_stopped_total\{source="DIS"\} 2/);
  });

  it('refuses a batch whose function is gone, so the consumer keeps it', async () => {
    const world = new World();
    world.fn = null;
    const failure = world.service().deliver(TRIGGER, keyed('1-0'), toEvent);
    await expect(failure).rejects.toThrow(SourceTargetMissingError);
    expect(failureReason(await failure.catch((e: unknown) => e))).toBe('target_missing');
    expect(failureReason(new FgsError('FSS.0503', 'x'))).toBe('not_accepted');
    expect(failureReason(new Error('connection reset'))).toBe('broker');
    expect(world.dispatched).toHaveLength(0);
  });

  it('finds nothing to run for a version trigger without the versions repository', async () => {
    const world = new World();
    await expect(
      world.service().deliver({ ...TRIGGER, qualifier: '2' }, keyed('1-0'), toEvent),
    ).rejects.toThrow(SourceTargetMissingError);
  });
});
