import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import {
  AsyncDestination,
  InvocationJob,
  disStreamKey,
  parseFunctionUrn,
  smnTopicStreamKey,
} from '@ofg/contracts';
import { FunctionRepository, InvocationRepository } from '@ofg/data-access';
import { commitAsyncInvocation, InvocationProducer } from '@ofg/queue';
import { ObsDestinationStore } from './obs-destination.store';

/** Why the request ended, as the destination record names it. */
export type AsyncCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** What ended the request: its terminal status and stored result. */
export interface AsyncTermination {
  condition: AsyncCondition;
  /** The result text, or the FunctionGraph error object as JSON text. */
  result: string;
  errorMessage: string;
  /** How many times the function ran (0 when the event expired before running). */
  invokeCount: number;
}

/** The record every destination receives (docs/compatibility.md, "Async destination record"). */
export interface AsyncDestinationRecord {
  version: '1.0';
  timestamp: string;
  request_context: {
    request_id: string;
    function_urn: string;
    condition: AsyncCondition;
    approximate_invoke_count: number;
  };
  request_payload: unknown;
  response_context: { status_code: number; function_error: string };
  response_payload: unknown;
}

export const ASYNC_DESTINATION_OPTIONS = Symbol('ASYNC_DESTINATION_OPTIONS');
export const ASYNC_DESTINATION_REDIS = Symbol('ASYNC_DESTINATION_REDIS');
export const ASYNC_DESTINATION_PRODUCER = Symbol('ASYNC_DESTINATION_PRODUCER');

export interface AsyncDestinationOptions {
  region: string;
  /** Bound of one webhook POST. */
  webhookTimeoutMs: number;
  /** Redis Streams of DIS and SMN are capped near this many entries. */
  streamMaxLen: number;
}

export const DEFAULT_ASYNC_DESTINATION_OPTIONS: Omit<AsyncDestinationOptions, 'region'> = {
  webhookTimeoutMs: 5000,
  streamMaxLen: 100_000,
};

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Delivers the record of a finished async request to its on_success / on_failure destination, once. */
@Injectable()
export class AsyncDestinationDelivery implements OnApplicationShutdown {
  private readonly logger = new Logger(AsyncDestinationDelivery.name);

  constructor(
    @Inject(ASYNC_DESTINATION_OPTIONS) private readonly options: AsyncDestinationOptions,
    @Inject(ASYNC_DESTINATION_REDIS)
    private readonly redis: Pick<Redis, 'xadd'> & Partial<Pick<Redis, 'disconnect'>>,
    @Inject(ASYNC_DESTINATION_PRODUCER)
    private readonly producer: Pick<InvocationProducer, 'enqueue'> &
      Partial<Pick<InvocationProducer, 'close'>>,
    @Inject(FunctionRepository) private readonly functions: Pick<FunctionRepository, 'findByName'>,
    @Inject(InvocationRepository)
    private readonly ledger: Pick<InvocationRepository, 'insertWaiting' | 'discardUnaccepted'>,
    @Inject(ObsDestinationStore) private readonly obs: Pick<ObsDestinationStore, 'putRecord'>,
    private readonly fetcher: Fetch = (url, init) => fetch(url, init),
  ) {}

  /** Runs after the worker drained (beforeApplicationShutdown), so no delivery is in flight any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.close?.().catch(() => undefined);
    this.redis.disconnect?.();
  }

  /** True when delivered; a failed delivery is logged and not retried (the terminal state is already stored). */
  async deliver(job: InvocationJob, destination: AsyncDestination, end: AsyncTermination): Promise<boolean> {
    const record = toDestinationRecord(job, end);
    const base = { requestId: job.requestId, destination: destination.destination, condition: end.condition };
    try {
      await this.send(job, destination, record);
      this.logger.log({ msg: 'async destination delivered', ...base });
      return true;
    } catch (err) {
      this.logger.error({ msg: 'async destination not delivered', ...base, err: String(err) });
      return false;
    }
  }

  private async send(
    job: InvocationJob,
    to: AsyncDestination,
    record: AsyncDestinationRecord,
  ): Promise<void> {
    const body = JSON.stringify(record);
    switch (to.destination) {
      case 'DIS':
        await this.append(disStreamKey(job.projectId, to.param.stream_name), job, body);
        return;
      case 'SMN': {
        const key = smnTopicStreamKey(to.param.topic_urn);
        if (!key) throw new Error(`not an SMN topic URN: ${to.param.topic_urn}`);
        await this.append(key, job, body);
        return;
      }
      case 'WEBHOOK': {
        const res = await this.fetcher(to.param.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-cff-request-id': job.requestId },
          body,
          signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
        });
        if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
        return;
      }
      case 'FunctionGraph':
        await this.invokeFunction(job, to.param.func_urn, body);
        return;
      case 'OBS':
        await this.obs.putRecord(to.param, job.requestId, body);
        return;
    }
  }

  private async append(key: string, job: InvocationJob, body: string): Promise<void> {
    await this.redis.xadd(
      key,
      'MAXLEN',
      '~',
      this.options.streamMaxLen,
      '*',
      'request_id',
      job.requestId,
      'record',
      body,
      // A trigger reading this stream counts the hop, so a function feeding its own trigger stops at the limit.
      'x-ofg-hop',
      String(job.trigger?.hop ?? 0),
    );
  }

  /** An async invocation of the target, through the same ledger-then-enqueue path as the API. */
  private async invokeFunction(job: InvocationJob, funcUrn: string, event: string): Promise<void> {
    const ref = parseFunctionUrn(funcUrn, job.projectId);
    if (ref.projectId !== job.projectId) throw new Error('the target function belongs to another project');
    const fn = await this.functions.findByName(ref.projectId, ref.package, ref.funcName);
    if (!fn) throw new Error(`the target function does not exist: ${funcUrn}`);
    await commitAsyncInvocation(
      { ledger: this.ledger, producer: this.producer, region: this.options.region },
      fn,
      event,
      {
        domainId: job.function.domainId,
        // Derived from the source request so a redelivered destination lands on the same ledger row.
        requestId: destinationRequestId(job.requestId),
        trigger: { type: 'FunctionGraph', id: job.function.functionId, name: job.function.funcName },
      },
    );
  }
}

/** A uuid derived from the source request id (last group flipped), stable across redeliveries. */
export function destinationRequestId(requestId: string): string {
  const tail = requestId.slice(-12);
  const flipped = [...tail].map((c) => (15 - parseInt(c, 16)).toString(16)).join('');
  return requestId.slice(0, -12) + flipped;
}

export function toDestinationRecord(job: InvocationJob, end: AsyncTermination): AsyncDestinationRecord {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    request_context: {
      request_id: job.requestId,
      function_urn: job.function.funcUrn,
      condition: end.condition,
      approximate_invoke_count: end.invokeCount,
    },
    request_payload: parseOrText(job.event),
    response_context: {
      status_code: end.condition === 'Success' ? 200 : end.condition === 'EventAgeExceeded' ? 0 : 500,
      function_error: end.errorMessage,
    },
    response_payload: end.condition === 'EventAgeExceeded' ? null : parseOrText(end.result),
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
