import { Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { AsyncDestination, AsyncInvokePolicy, InvocationReply } from '@ofg/contracts';
import { DestinationStatus, InvocationEntity } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { aFunctionSnapshot, anInvocationJob, FakeContainerRuntime } from '@ofg/testing';
import { AsyncAbortRegistry } from '../async/async-abort.registry';
import { AsyncTermination } from '../async/async-destination.delivery';
import { InstancePoolService } from '../instances/instance-pool.service';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { InvocationExecutor } from './invocation.executor';
import {
  AsyncNext,
  InvocationJobHandler,
  InvocationLedger,
  ReplyPublisher,
  RetryableInvocationError,
} from './invocation-job.handler';
import { InvocationRecord } from './invocation-record.buffer';
import { FakeCredentialsProvider, FakeSecretsProvider } from '../secrets/testing/secrets.fakes';

/** The async ledger's conditional updates, in memory (same predicates as InvocationRepository). */
class FakeLedger implements InvocationLedger {
  rows = new Map<string, Partial<InvocationEntity>>();

  async markRunning(
    projectId: string,
    requestId: string,
    attempt: number,
    invokerId: string,
  ): Promise<boolean> {
    const row = this.rows.get(requestId);
    if (
      !row ||
      (row.projectId ?? projectId) !== projectId ||
      !['WAIT', 'RUNNING'].includes(row.status ?? '') ||
      (row.attempt ?? 0) >= attempt
    )
      return false;
    Object.assign(row, { status: 'RUNNING', attempt, invokerId });
    return true;
  }

  async finish(
    projectId: string,
    requestId: string,
    attempt: number,
    patch: Partial<InvocationEntity>,
    withDelivery = false,
  ): Promise<boolean> {
    const row = this.rows.get(requestId);
    if (
      !row ||
      (row.projectId ?? projectId) !== projectId ||
      row.attempt !== attempt ||
      !['WAIT', 'RUNNING'].includes(row.status ?? '')
    )
      return false;
    Object.assign(row, patch, withDelivery ? { destinationStatus: 'PENDING', destinationAttempts: 1 } : {});
    return true;
  }

  async recordDelivery(
    _projectId: string,
    requestId: string,
    claimed: number,
    outcome: Exclude<DestinationStatus, ''>,
  ): Promise<boolean> {
    const row = this.rows.get(requestId);
    if (row?.destinationStatus !== 'PENDING' || row.destinationAttempts !== claimed) return false;
    row.destinationStatus = outcome;
    return true;
  }
}

class CollectingPublisher implements ReplyPublisher {
  sent: { channel: string; reply: InvocationReply }[] = [];
  async publish(channel: string, reply: InvocationReply): Promise<void> {
    this.sent.push({ channel, reply });
  }
}

describe('InvocationJobHandler', () => {
  let runtime: FakeContainerRuntime;
  let bootstrap: BootstrapClient;
  let pool: InstancePoolService;
  let executor: InvocationExecutor;
  let ledger: FakeLedger;
  let publisher: CollectingPublisher;
  let records: InvocationRecord[];
  let handler: InvocationJobHandler;
  let policy: AsyncInvokePolicy;
  let deliveries: { destination: AsyncDestination; end: AsyncTermination }[];
  let aborts: AsyncAbortRegistry;
  const now = Date.now();

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    runtime = new FakeContainerRuntime({
      invoke: (req) => {
        const event = JSON.parse(req.event) as { fail?: boolean };
        return event.fail
          ? {
              status: 'error',
              error: { errorMessage: 'function invocation exception, error: no', errorType: 'Error' },
              log: 'l',
              durationMs: 1,
              memoryUsedMb: 1,
            }
          : { status: 'success', result: 'done', log: 'l', durationMs: 5, memoryUsedMb: 20 };
      },
    });
    bootstrap = new BootstrapClient();
    const metrics = new InvokerMetrics(new MetricsService());
    pool = new InstancePoolService(
      runtime,
      bootstrap,
      { getTar: async () => Buffer.from('tar') },
      metrics,
      { invokerId: 'inv-1', keepAliveMs: 60_000, readyTimeoutMs: 2000, runtimeImages: { nodejs: 'img' } },
      new FakeSecretsProvider(),
    );
    executor = new InvocationExecutor(
      pool,
      bootstrap,
      metrics,
      { invokerId: 'inv-1', exitWaitMs: 100 },
      new FakeCredentialsProvider(),
    );
    ledger = new FakeLedger();
    publisher = new CollectingPublisher();
    records = [];
    policy = {
      configured: true,
      maxAsyncEventAgeInSeconds: 3600,
      maxAsyncRetryAttempts: 0,
      enableAsyncStatusLog: false,
    };
    deliveries = [];
    aborts = new AsyncAbortRegistry();
    handler = new InvocationJobHandler(
      executor,
      { add: (r) => records.push(r) },
      ledger,
      publisher,
      { invokerId: 'inv-1', now: () => now },
      { get: async () => policy },
      {
        deliver: async (_job, destination, end) => {
          deliveries.push({ destination, end });
          return true;
        },
      },
      aborts,
    );
  });

  afterEach(async () => {
    await executor.settled();
    await pool.shutdown();
    await runtime.dispose();
    bootstrap.close();
  });

  describe('sync jobs', () => {
    it('publishes the reply on the reply channel and records the invocation', async () => {
      const job = anInvocationJob().withReplyTo('ofg:reply:gw-1').withAlias('prod').build();

      await handler.handle(job, { attempt: 1, isLastAttempt: true });

      expect(publisher.sent).toHaveLength(1);
      expect(publisher.sent[0]).toMatchObject({
        channel: 'ofg:reply:gw-1',
        reply: { requestId: job.requestId, outcome: 'success', result: 'done' },
      });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        requestId: job.requestId,
        projectId: job.projectId,
        functionId: job.function.functionId,
        qualifier: '!prod',
        invokeType: 'sync',
        status: 'SUCCESS',
        result: 'done',
        errorMessage: '',
        durationMs: 5,
        memoryUsedMb: 20,
        startKind: 'cold',
        startReason: 'no_instance',
        invokerId: 'inv-1',
      });
    });

    it('claims the function home for a job routed through the shared inbox and names it in the reply', async () => {
      const claims: unknown[] = [];
      const homing = new InvocationJobHandler(
        executor,
        { add: (r) => records.push(r) },
        ledger,
        publisher,
        { invokerId: 'inv-1', now: () => now },
        { get: async () => policy },
        { deliver: async () => true },
        aborts,
        undefined,
        {
          claim: async (affinity) => {
            claims.push(affinity);
            return 'inv-1';
          },
        },
      );
      const claimed = anInvocationJob().build();
      claimed.affinity = { key: 'f:latest', claimOver: 'inv-gone' };
      await homing.handle(claimed, { attempt: 1, isLastAttempt: true });
      await homing.handle(anInvocationJob().build(), { attempt: 1, isLastAttempt: true });

      expect(claims).toEqual([{ key: 'f:latest', claimOver: 'inv-gone' }]);
      expect(publisher.sent.map((s) => s.reply.home)).toEqual(['inv-1', undefined]);
    });

    it('records a function error as FAIL with its message', async () => {
      await handler.handle(anInvocationJob().withEvent({ fail: true }).build(), {
        attempt: 1,
        isLastAttempt: true,
      });
      expect(records[0]).toMatchObject({
        status: 'FAIL',
        errorMessage: 'function invocation exception, error: no',
      });
    });

    it('answers a forged job with 403 but records nothing for either tenant', async () => {
      const job = anInvocationJob(aFunctionSnapshot().withProject('b'.repeat(32)).build())
        .forProject('a'.repeat(32))
        .build();
      await handler.handle(job, { attempt: 1, isLastAttempt: true });
      expect(publisher.sent[0].reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0403' });
      expect(records).toHaveLength(0);
    });

    it('neither replies nor records a job dropped at its deadline', async () => {
      await handler.handle(
        anInvocationJob()
          .withDeadline(Date.now() - 10)
          .build(),
        { attempt: 1, isLastAttempt: true },
      );
      expect(publisher.sent).toHaveLength(0);
      expect(records).toHaveLength(0);
    });
  });

  describe('async jobs', () => {
    const waiting = (requestId: string): void => {
      ledger.rows.set(requestId, { requestId, status: 'WAIT', attempt: 0 });
    };

    it('claims the ledger row, runs, and finishes it SUCCESS', async () => {
      const job = anInvocationJob().async().build();
      waiting(job.requestId);

      await handler.handle(job, { attempt: 1, isLastAttempt: false });

      expect(ledger.rows.get(job.requestId)).toMatchObject({
        status: 'SUCCESS',
        attempt: 1,
        invokerId: 'inv-1',
        result: 'done',
        durationMs: 5,
        startKind: 'cold',
        startReason: 'no_instance',
      });
      expect(publisher.sent).toHaveLength(0);
      expect(records).toHaveLength(0);
    });

    it('finishes a function error FAIL without asking for a retry', async () => {
      const job = anInvocationJob().async().withEvent({ fail: true }).build();
      waiting(job.requestId);

      await expect(handler.handle(job, { attempt: 1, isLastAttempt: false })).resolves.toBeUndefined();

      expect(ledger.rows.get(job.requestId)).toMatchObject({
        status: 'FAIL',
        errorMessage: 'function invocation exception, error: no',
      });
    });

    it('skips a job whose row a later attempt holds or that already ended', async () => {
      const job = anInvocationJob().async().build();
      ledger.rows.set(job.requestId, { requestId: job.requestId, status: 'SUCCESS', attempt: 1 });

      await handler.handle(job, { attempt: 2, isLastAttempt: false });

      expect(runtime.startCalls).toBe(0);
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'SUCCESS', attempt: 1 });
    });

    it('rethrows a platform error so BullMQ retries, leaving the row for the next attempt', async () => {
      const job = anInvocationJob().async().build();
      waiting(job.requestId);
      runtime.failNextStart = new Error('engine hiccup');

      await expect(handler.handle(job, { attempt: 1, isLastAttempt: false })).rejects.toBeInstanceOf(
        RetryableInvocationError,
      );
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'RUNNING', attempt: 1 });

      await handler.handle(job, { attempt: 2, isLastAttempt: false });
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'SUCCESS', attempt: 2 });
    });

    it('finishes FAIL on the last attempt of a platform error', async () => {
      const job = anInvocationJob().async().build();
      waiting(job.requestId);
      runtime.failNextStart = new Error('engine hiccup');

      await expect(handler.handle(job, { attempt: 3, isLastAttempt: true })).rejects.toBeInstanceOf(
        RetryableInvocationError,
      );

      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'FAIL', attempt: 3 });
      expect(ledger.rows.get(job.requestId)!.errorMessage).toMatch(/engine hiccup/);
    });

    it('asks for a delayed retry of a function error while retries are left, then finishes FAIL and delivers once', async () => {
      policy.maxAsyncRetryAttempts = 2;
      policy.onFailure = { destination: 'DIS', param: { stream_name: 'failures' } };
      const job = anInvocationJob().async().withEvent({ fail: true }).build();
      waiting(job.requestId);

      const first = await handler.handle(job, { attempt: 1, isLastAttempt: false, functionRetries: 0 });
      expect(first).toMatchObject({ functionRetries: 1 });
      expect((first as AsyncNext).retryInMs).toBeGreaterThanOrEqual(500);
      expect((first as AsyncNext).retryInMs).toBeLessThanOrEqual(1000);
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'RUNNING', attempt: 1 });

      const second = await handler.handle(job, { attempt: 2, isLastAttempt: false, functionRetries: 1 });
      expect(second).toMatchObject({ functionRetries: 2 });
      expect((second as AsyncNext).retryInMs).toBeGreaterThanOrEqual(1000);
      expect((second as AsyncNext).retryInMs).toBeLessThanOrEqual(2000);
      expect(deliveries).toHaveLength(0);

      await expect(
        handler.handle(job, { attempt: 3, isLastAttempt: false, functionRetries: 2 }),
      ).resolves.toBeUndefined();
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'FAIL', attempt: 3 });
      expect(deliveries).toEqual([
        expect.objectContaining({
          destination: policy.onFailure,
          end: expect.objectContaining({ condition: 'RetriesExhausted', invokeCount: 3 }),
        }),
      ]);

      // A stalled re-delivery of an older attempt neither runs nor delivers again.
      await handler.handle(job, { attempt: 2, isLastAttempt: false, functionRetries: 2 });
      expect(deliveries).toHaveLength(1);
    });

    it('delivers on_success with the result when the run succeeds', async () => {
      policy.onSuccess = { destination: 'WEBHOOK', param: { url: 'http://hooks.local/x' } };
      policy.onFailure = { destination: 'DIS', param: { stream_name: 'failures' } };
      const job = anInvocationJob().async().build();
      waiting(job.requestId);

      await handler.handle(job, { attempt: 1, isLastAttempt: false });

      expect(deliveries).toEqual([
        {
          destination: policy.onSuccess,
          end: expect.objectContaining({ condition: 'Success', result: 'done' }),
        },
      ]);
      // The terminal write claimed delivery try 1; its outcome is recorded on the ledger row.
      expect(ledger.rows.get(job.requestId)).toMatchObject({
        status: 'SUCCESS',
        destinationStatus: 'DELIVERED',
        destinationAttempts: 1,
      });
    });

    it('leaves a delivery that failed PENDING for the reconciler, and claims none without a destination', async () => {
      policy.onFailure = { destination: 'DIS', param: { stream_name: 'failures' } };
      const failing = new InvocationJobHandler(
        executor,
        { add: (r) => records.push(r) },
        ledger,
        publisher,
        { invokerId: 'inv-1', now: () => now },
        { get: async () => policy },
        { deliver: async () => false },
        aborts,
      );
      const job = anInvocationJob().async().build();
      waiting(job.requestId);
      await failing.handle(job, { attempt: 1, isLastAttempt: false });
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'SUCCESS' });
      expect(ledger.rows.get(job.requestId)?.destinationStatus).toBeUndefined();

      policy.onSuccess = { destination: 'DIS', param: { stream_name: 'ok' } };
      const next = anInvocationJob().async().build();
      waiting(next.requestId);
      await failing.handle(next, { attempt: 1, isLastAttempt: false });
      expect(ledger.rows.get(next.requestId)).toMatchObject({
        status: 'SUCCESS',
        destinationStatus: 'PENDING',
        destinationAttempts: 1,
      });
    });

    it('discards an event older than its max age without running it', async () => {
      policy.maxAsyncEventAgeInSeconds = 1;
      policy.onFailure = { destination: 'DIS', param: { stream_name: 'failures' } };
      const job = { ...anInvocationJob().async().build(), enqueuedAt: now - 1001 };
      waiting(job.requestId);

      await handler.handle(job, { attempt: 1, isLastAttempt: false });

      expect(runtime.startCalls).toBe(0);
      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'DISCARD', attempt: 1 });
      expect(ledger.rows.get(job.requestId)!.errorMessage).toMatch(/max_async_event_age_in_seconds/);
      expect(deliveries).toEqual([
        expect.objectContaining({ end: expect.objectContaining({ condition: 'EventAgeExceeded' }) }),
      ]);
    });

    it('kills the instance and writes nothing for a request stopped while it runs', async () => {
      policy.onFailure = { destination: 'DIS', param: { stream_name: 'failures' } };
      let running!: () => void;
      const started = new Promise<void>((resolve) => (running = resolve));
      const hanging = new FakeContainerRuntime({
        invoke: () => {
          running();
          return new Promise(() => undefined);
        },
      });
      const hangPool = new InstancePoolService(
        hanging,
        bootstrap,
        { getTar: async () => Buffer.from('tar') },
        new InvokerMetrics(new MetricsService()),
        { invokerId: 'inv-1', keepAliveMs: 60_000, readyTimeoutMs: 2000, runtimeImages: { nodejs: 'img' } },
        new FakeSecretsProvider(),
      );
      const hangExecutor = new InvocationExecutor(
        hangPool,
        bootstrap,
        new InvokerMetrics(new MetricsService()),
        { invokerId: 'inv-1', exitWaitMs: 100 },
        new FakeCredentialsProvider(),
      );
      const stopping = new InvocationJobHandler(
        hangExecutor,
        { add: (r) => records.push(r) },
        ledger,
        publisher,
        { invokerId: 'inv-1' },
        { get: async () => policy },
        { deliver: async () => deliveries.push({} as never) > 0 },
        aborts,
      );
      const job = anInvocationJob().async().build();
      waiting(job.requestId);
      try {
        const run = stopping.handle(job, { attempt: 1, isLastAttempt: false });
        await started;
        // The gateway writes DISCARD, then publishes the abort.
        ledger.rows.get(job.requestId)!.status = 'DISCARD';
        expect(aborts.abort(job.requestId, 1)).toBe(true);

        await expect(run).resolves.toBeUndefined();
        await hangExecutor.settled();
        expect(hanging.removeCalls).toBe(1);
        expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'DISCARD', attempt: 1 });
        expect(ledger.rows.get(job.requestId)!.result).toBeUndefined();
        expect(deliveries).toHaveLength(0);
      } finally {
        await hangPool.shutdown();
        await hanging.dispose();
      }
    });

    it('marks a platform failure apart from a function error in the stored message', async () => {
      const job = anInvocationJob().async().build();
      waiting(job.requestId);
      runtime.failNextStart = new Error('engine hiccup');

      await expect(handler.handle(job, { attempt: 3, isLastAttempt: true })).rejects.toBeInstanceOf(
        RetryableInvocationError,
      );
      expect(ledger.rows.get(job.requestId)!.errorMessage).toMatch(/^platform error: /);
    });

    it('refuses a forged job permanently without touching the ledger', async () => {
      const job = anInvocationJob(aFunctionSnapshot().withProject('b'.repeat(32)).build())
        .forProject('a'.repeat(32))
        .async()
        .build();
      waiting(job.requestId);

      await expect(handler.handle(job, { attempt: 1, isLastAttempt: false })).rejects.toBeInstanceOf(
        UnrecoverableError,
      );

      expect(ledger.rows.get(job.requestId)).toMatchObject({ status: 'WAIT', attempt: 0 });
      expect(runtime.startCalls).toBe(0);
    });
  });
});
