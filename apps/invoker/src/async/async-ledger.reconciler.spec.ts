import { Logger } from '@nestjs/common';
import { AsyncDestination, AsyncInvokePolicy, InvocationJob } from '@ofg/contracts';
import { FunctionEntity, OpenAsyncRequest, PendingDelivery, ProjectEntity } from '@ofg/data-access';
import { AsyncTermination } from './async-destination.delivery';
import {
  AsyncLedgerReconciler,
  AsyncReconcilerOptions,
  RECONCILER_LOCK_KEY,
} from './async-ledger.reconciler';

const OPTIONS: AsyncReconcilerOptions = {
  invokerId: 'inv-1',
  region: 'local',
  intervalMs: 0,
  graceMs: 30_000,
  maxRecoveries: 2,
  maxDeliveryAttempts: 3,
  batchSize: 2,
};
const ON_FAILURE: AsyncDestination = { destination: 'DIS', param: { stream_name: 'failed' } };
const ON_SUCCESS: AsyncDestination = { destination: 'DIS', param: { stream_name: 'ok' } };
const FN = {
  id: 'fn-1',
  projectId: 'p1',
  package: 'default',
  funcName: 'f',
  runtime: 'Node.js20.15',
  handler: 'index.handler',
  memorySize: 128,
  timeoutS: 3,
  initializerHandler: '',
  initializerTimeoutS: 0,
  codeDigest: 'digest',
  userData: '',
  encryptedUserData: '',
  concurrentNum: 1,
  maxInstances: 400,
  extra: {},
} as unknown as FunctionEntity;
const ACCEPTED = new Date('2030-01-01T00:00:00Z');
/** Published version v1: other code than the head's. */
const V1 = { ...FN, version: 'v1', codeDigest: 'digest-v1', handler: 'v1.handler' };

function open(requestId: string, over: Partial<OpenAsyncRequest> = {}): OpenAsyncRequest {
  return {
    requestId,
    projectId: 'p1',
    functionId: 'fn-1',
    qualifier: 'latest',
    status: 'WAIT',
    attempt: 0,
    recoveries: 0,
    invokerId: '',
    event: '{"n":1}',
    triggerType: '',
    triggerId: '',
    createdAt: ACCEPTED,
    ...over,
  };
}

/** In-memory stand-ins for the ledger, the queue and the lock; the fenced SQL itself is tested on PostgreSQL. */
class World {
  open: OpenAsyncRequest[] = [];
  pending: PendingDelivery[] = [];
  jobStates = new Map<string, string>();
  recoveries = new Map<string, number>();
  /** Request ids whose row moved on between the scan and the fenced write. */
  movedOn = new Set<string>();
  enqueued: InvocationJob[] = [];
  removed: string[] = [];
  finished: {
    requestId: string;
    attempt: number;
    status?: string;
    errorMessage?: string;
    withDelivery: boolean;
  }[] = [];
  claims: [string, number][] = [];
  recorded: [string, number, string][] = [];
  delivered: [string, AsyncDestination, AsyncTermination][] = [];
  deliveryWorks = true;
  lockHolder: string | undefined;
  fn: FunctionEntity | null = FN;
  policy: AsyncInvokePolicy = {
    maxAsyncEventAgeInSeconds: 3600,
    maxAsyncRetryAttempts: 0,
    onFailure: ON_FAILURE,
    onSuccess: ON_SUCCESS,
  } as AsyncInvokePolicy;
  actions: string[] = [];

  reconciler(): AsyncLedgerReconciler {
    return new AsyncLedgerReconciler(
      OPTIONS,
      {
        openRequests: async (_before: Date, limit: number, after?: { requestId: string }) => {
          const start = after ? this.open.findIndex((r) => r.requestId === after.requestId) + 1 : 0;
          return this.open.slice(start, start + limit);
        },
        pendingDeliveries: async () => this.pending,
      } as never,
      {
        markRecovered: async (_p: string, id: string) => {
          if (this.movedOn.has(id)) return undefined;
          const n = (this.recoveries.get(id) ?? 0) + 1;
          this.recoveries.set(id, n);
          return n;
        },
        finish: async (_p, requestId, attempt, patch, withDelivery = false) => {
          this.finished.push({ requestId, attempt, ...patch, withDelivery } as never);
          return true;
        },
        claimDelivery: async (_p, id, seen) => {
          this.claims.push([id, seen]);
          return !this.movedOn.has(id);
        },
        recordDelivery: async (_p, id, claimed, outcome) => {
          this.recorded.push([id, claimed, outcome]);
          return true;
        },
      },
      { findById: async () => this.fn },
      {
        loadQualifier: async (_p: string, _f: string, ref: { version?: string; alias?: string }) =>
          ref.alias !== undefined
            ? ref.alias === 'live'
              ? ({ kind: 'alias', alias: { name: 'live', version: 'v1' }, versions: [V1] } as never)
              : null
            : ref.version === 'latest'
              ? { kind: 'latest' }
              : ref.version === 'v1'
                ? ({ kind: 'version', version: V1 } as never)
                : null,
      },
      { findProjectById: async () => ({ id: 'p1', domainId: 'dom-1' }) as ProjectEntity },
      {
        enqueue: async (job: InvocationJob) => void this.enqueued.push(job),
        queue: {
          getJobState: async (id: string) => (this.jobStates.get(id) ?? 'unknown') as never,
          remove: async (id: string) => {
            this.removed.push(id);
            return 1;
          },
        },
      } as never,
      {
        set: (async (_key: string, value: string) => {
          if (this.lockHolder) return null;
          this.lockHolder = value;
          return 'OK';
        }) as never,
        eval: (async () => {
          this.lockHolder = undefined;
          return 1;
        }) as never,
      },
      { get: async () => this.policy },
      {
        deliver: async (job, destination, end) => {
          this.delivered.push([job.requestId, destination, end]);
          return this.deliveryWorks;
        },
      },
      { asyncReconciled: (action) => void this.actions.push(action) },
    );
  }
}

describe('AsyncLedgerReconciler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('leaves requests whose job BullMQ still holds, and re-enqueues the ones whose job is gone', async () => {
    const w = new World();
    w.open = [
      open('wait-lost'),
      open('queued'),
      open('running-lost', { status: 'RUNNING', attempt: 3, triggerType: 'TIMER', triggerId: 't1' }),
      open('active', { status: 'RUNNING', attempt: 1 }),
      open('delayed', { status: 'RUNNING', attempt: 2 }),
    ];
    w.jobStates.set('queued', 'waiting').set('active', 'active').set('delayed', 'delayed');

    const report = await w.reconciler().reconcileOnce();

    expect(report).toMatchObject({ checked: 5, reEnqueued: 2, abandoned: 0 });
    expect(w.enqueued.map((j) => j.requestId)).toEqual(['wait-lost', 'running-lost']);
    const [, running] = w.enqueued;
    // Same request id, fenced above the row's attempt, aged from its acceptance, on the function's current config.
    expect(running).toMatchObject({
      requestId: 'running-lost',
      projectId: 'p1',
      invokeType: 'async',
      event: '{"n":1}',
      enqueuedAt: ACCEPTED.getTime(),
      attemptBase: 3,
      trigger: { type: 'TIMER', id: 't1' },
      function: {
        functionId: 'fn-1',
        domainId: 'dom-1',
        funcUrn: 'urn:fss:local:p1:function:default:f',
      },
    });
    expect(w.removed).toEqual([]);
    expect(w.actions).toEqual(['re_enqueued', 're_enqueued']);
  });

  it('removes a job that ended without a terminal write before adding it again under the same id', async () => {
    const w = new World();
    w.open = [open('stalled-out', { status: 'RUNNING', attempt: 2 }), open('done-early')];
    w.jobStates.set('stalled-out', 'failed').set('done-early', 'completed');
    await w.reconciler().reconcileOnce();
    expect(w.removed).toEqual(['stalled-out', 'done-early']);
    expect(w.enqueued.map((j) => [j.requestId, j.attemptBase])).toEqual([
      ['stalled-out', 2],
      ['done-early', 0],
    ]);
  });

  it('skips a row that moved on after the scan', async () => {
    const w = new World();
    w.open = [open('claimed-meanwhile')];
    w.movedOn.add('claimed-meanwhile');
    const report = await w.reconciler().reconcileOnce();
    expect(report.reEnqueued).toBe(0);
    expect(w.enqueued).toEqual([]);
  });

  it('re-enqueues a version request on that version and an alias request through the alias', async () => {
    const w = new World();
    w.open = [
      open('on-version', { qualifier: 'v1' }),
      open('on-alias', { qualifier: '!live' }),
      open('version-gone', { qualifier: 'v9' }),
    ];
    await w.reconciler().reconcileOnce();
    expect(w.enqueued.map((j) => [j.requestId, j.alias, j.function.version, j.function.codeDigest])).toEqual([
      ['on-version', undefined, 'v1', 'digest-v1'],
      ['on-alias', 'live', 'v1', 'digest-v1'],
    ]);
    expect(w.finished).toEqual([
      expect.objectContaining({ requestId: 'version-gone', status: 'FAIL', withDelivery: false }),
    ]);
  });

  it('ends a request lost more often than allowed as FAIL, claiming its on_failure delivery in the same write', async () => {
    const w = new World();
    w.open = [open('cursed', { status: 'RUNNING', attempt: 7 })];
    w.recoveries.set('cursed', OPTIONS.maxRecoveries);
    const report = await w.reconciler().reconcileOnce();
    expect(report).toMatchObject({ reEnqueued: 0, abandoned: 1 });
    expect(w.finished).toEqual([
      {
        requestId: 'cursed',
        attempt: 7,
        status: 'FAIL',
        errorMessage: expect.stringMatching(/^platform error: the request was lost 3 times/),
        withDelivery: true,
      },
    ]);
  });

  it('ends a request whose function was deleted as FAIL without a delivery', async () => {
    const w = new World();
    w.fn = null;
    w.open = [open('orphan')];
    await w.reconciler().reconcileOnce();
    expect(w.enqueued).toEqual([]);
    expect(w.finished).toEqual([
      expect.objectContaining({ requestId: 'orphan', status: 'FAIL', withDelivery: false }),
    ]);
  });

  it('delivers pending records to the destination of their outcome and records each try', async () => {
    const w = new World();
    const pending = (requestId: string, status: string, destinationAttempts: number): PendingDelivery => ({
      ...open(requestId, { status, attempt: 2 }),
      result: '{"ok":1}',
      errorMessage: status === 'SUCCESS' ? '' : 'boom',
      destinationAttempts,
    });
    w.pending = [pending('ok', 'SUCCESS', 1), pending('aged', 'DISCARD', 1), pending('taken', 'FAIL', 1)];
    w.movedOn.add('taken');
    const report = await w.reconciler().reconcileOnce();
    expect(report).toMatchObject({ delivered: 2, deliveryFailed: 0 });
    expect(w.delivered.map(([id, to, end]) => [id, to, end.condition, end.result])).toEqual([
      ['ok', ON_SUCCESS, 'Success', '{"ok":1}'],
      ['aged', ON_FAILURE, 'EventAgeExceeded', '{"ok":1}'],
    ]);
    expect(w.recorded).toEqual([
      ['ok', 2, 'DELIVERED'],
      ['aged', 2, 'DELIVERED'],
    ]);

    const failing = new World();
    failing.deliveryWorks = false;
    failing.pending = [pending('again', 'FAIL', 1), pending('last', 'FAIL', OPTIONS.maxDeliveryAttempts - 1)];
    await failing.reconciler().reconcileOnce();
    expect(failing.recorded).toEqual([
      ['again', 2, 'PENDING'],
      ['last', OPTIONS.maxDeliveryAttempts, 'FAILED'],
    ]);
  });

  it('runs a pass only while it holds the lock, and frees it afterwards', async () => {
    const w = new World();
    w.lockHolder = 'inv-2:1';
    const reconciler = w.reconciler();
    await expect(reconciler.runLocked()).resolves.toBeUndefined();
    w.lockHolder = undefined;
    await expect(reconciler.runLocked()).resolves.toMatchObject({ checked: 0 });
    expect(w.lockHolder).toBeUndefined();
    expect(RECONCILER_LOCK_KEY).toBe('ofg:async:reconciler');
  });
});
