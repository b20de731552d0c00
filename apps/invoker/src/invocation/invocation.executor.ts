import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ErrorCode,
  InvocationJob,
  InvocationOutcome,
  InvocationReply,
  RuntimeCredentials,
  RuntimeErrorObject,
  RuntimeInvokeResponse,
  StartKind,
  StartReason,
} from '@ofg/contracts';
import { Instance } from '../instances/instance';
import { InstanceCapacityError, InstanceInitError, InstanceStartError } from '../instances/instance.errors';
import { InstancePoolService } from '../instances/instance-pool.service';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import {
  BootstrapAbortedError,
  BootstrapClient,
  BootstrapConnectionError,
} from '../runtime/bootstrap.client';
import { AgencyCredentialsService } from '../secrets/agency-credentials.service';

/** Where temporary credentials come from (the issuing service, or a stand-in in tests). */
export type CredentialsProvider = Pick<AgencyCredentialsService, 'forFunction'>;

export interface ExecutorOptions {
  invokerId: string;
  /** Grace on top of the function timeout before the invoker cuts the call. */
  timeoutSlackMs?: number;
  /** How long to wait for the engine to report a dead container after a broken connection. */
  exitWaitMs?: number;
  now?: () => number;
}

export const EXECUTOR_OPTIONS = Symbol('EXECUTOR_OPTIONS');

/** The request log sent back and recorded; the gateway cuts its own tail from it. */
export const MAX_LOG_BYTES = 1024 * 1024;

const DEFAULT_TIMEOUT_SLACK_MS = 100;
const DEFAULT_EXIT_WAIT_MS = 1000;
const EXIT_POLL_MS = 50;
/** Free task slots a runtime needs to serve the next request (a thread per request in Python). */
const PIDS_HEADROOM = 4;
/** Connection errors that prove the request never reached the bootstrap (safe to run it elsewhere). */
const NEVER_REACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ECONNECTTIMEOUT']);

/** FunctionGraph-shaped error objects of failures the invoker detects itself. */
export const PLATFORM_ERRORS = {
  timeout: (timeoutS: number): RuntimeErrorObject => ({
    errorMessage: `function invocation timeout after ${timeoutS}s`,
    errorType: 'TimeoutError',
  }),
  outOfMemory: (): RuntimeErrorObject => ({
    errorMessage: 'runtime memory limit exceeded',
    errorType: 'OutOfMemoryError',
  }),
  pidLimit: (): RuntimeErrorObject => ({
    errorMessage: 'runtime process limit exceeded',
    errorType: 'ProcessLimitError',
  }),
  runtimeExited: (exitCode: number | null): RuntimeErrorObject => ({
    errorMessage: `runtime process exited unexpectedly (exit code ${exitCode ?? 'unknown'})`,
    errorType: 'RuntimeExitError',
  }),
  forbidden: (): RuntimeErrorObject => ({
    errorMessage: 'the function does not belong to the project of the invocation',
    errorType: 'Forbidden',
  }),
  platform: (message: string): RuntimeErrorObject => ({ errorMessage: message, errorType: 'PlatformError' }),
  /** error_code and error_msg are what the gateway puts in its FunctionGraph error body. */
  capacity: (
    code: string,
    message: string,
  ): RuntimeErrorObject & { error_code: string; error_msg: string } => ({
    errorMessage: message,
    errorType: 'TooManyRequests',
    error_code: code,
    error_msg: message,
  }),
};

/** How the invocation's instance was had, carried into its reply. */
type StartOf = Pick<ReplyParts, 'startKind' | 'startReason'>;

interface ReplyParts {
  outcome: InvocationOutcome;
  result: string;
  log?: string;
  durationMs?: number;
  memoryUsedMb?: number;
  startKind: StartKind;
  startReason?: StartReason;
  errorCode?: ErrorCode;
}

/** Runs one invocation job on an instance and turns whatever happens into an InvocationReply. */
@Injectable()
export class InvocationExecutor {
  private readonly logger = new Logger(InvocationExecutor.name);
  private readonly now: () => number;
  private readonly background = new Set<Promise<void>>();

  constructor(
    @Inject(InstancePoolService) private readonly pool: InstancePoolService,
    @Inject(BootstrapClient) private readonly bootstrap: BootstrapClient,
    @Inject(InvokerMetrics) private readonly metrics: InvokerMetrics,
    @Inject(EXECUTOR_OPTIONS) private readonly options: ExecutorOptions,
    @Inject(AgencyCredentialsService) private readonly credentials: CredentialsProvider,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The reply of the invocation, or null when a sync caller stopped waiting before it could start. An aborted `stop`
   * signal (a stopped async request) ends the call like a timeout: the instance is recycled.
   */
  async execute(job: InvocationJob, stop?: AbortSignal): Promise<InvocationReply | null> {
    const snapshot = job.function;
    if (snapshot.projectId !== job.projectId) {
      this.logger.warn({
        msg: 'refused a job whose function belongs to another project',
        requestId: job.requestId,
        funcUrn: snapshot.funcUrn,
      });
      return this.reply(job, {
        outcome: 'platform_error',
        result: JSON.stringify(PLATFORM_ERRORS.forbidden()),
        startKind: 'warm',
        errorCode: 'FSS.0403',
      });
    }
    if (job.invokeType === 'sync' && job.deadline !== undefined && job.deadline < this.now()) {
      this.logger.warn({
        msg: 'dropped a sync job nobody waits for any more',
        requestId: job.requestId,
        funcUrn: snapshot.funcUrn,
        lateMs: this.now() - job.deadline,
      });
      return null;
    }

    let instance: Instance | undefined;
    let startKind: StartKind = 'cold';
    let startReason: StartReason | undefined;
    let initLog = '';
    let response: RuntimeInvokeResponse | undefined;
    const timeoutMs = snapshot.timeoutS * 1000;
    // Two rounds at most: a warm instance whose container died while idle refuses the connection before the request
    // reached it, so the request moves to a fresh instance instead of failing.
    for (let round = 0; !response; round += 1) {
      try {
        ({ instance, startKind, startReason } = await this.pool.acquire(snapshot, {
          deadline: job.invokeType === 'sync' ? job.deadline : undefined,
        }));
      } catch (err) {
        return this.acquireFailed(job, err);
      }
      initLog = startKind !== 'warm' ? takeInitLog(instance) : '';
      let credentials: RuntimeCredentials | undefined;
      try {
        credentials = instance.agency
          ? await this.credentials.forFunction(snapshot, instance.agency)
          : undefined;
      } catch (err) {
        this.pool.release(instance);
        return this.credentialsFailed(job, { startKind, startReason }, initLog, err);
      }
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(),
        timeoutMs + (this.options.timeoutSlackMs ?? DEFAULT_TIMEOUT_SLACK_MS),
      );
      const onStop = (): void => controller.abort();
      if (stop?.aborted) controller.abort();
      stop?.addEventListener('abort', onStop, { once: true });
      try {
        response = await this.bootstrap.invoke(
          instance.endpoint,
          { requestId: job.requestId, event: job.event, timeoutMs, alias: job.alias, credentials },
          controller.signal,
        );
      } catch (err) {
        if (err instanceof BootstrapAbortedError)
          return this.timedOut(job, instance, { startKind, startReason }, initLog);
        if (
          round === 0 &&
          startKind === 'warm' &&
          err instanceof BootstrapConnectionError &&
          NEVER_REACHED.has(err.code ?? '')
        ) {
          this.logger.warn({
            msg: 'a warm instance did not accept the connection; retrying on a new one',
            requestId: job.requestId,
            instance: instance.id,
          });
          this.inBackground(this.pool.recycle(instance, 'bootstrap did not accept the connection', 'crash'));
          continue;
        }
        return this.broken(job, instance, { startKind, startReason }, initLog, err);
      } finally {
        clearTimeout(timer);
        stop?.removeEventListener('abort', onStop);
      }
    }
    if (!instance) throw new Error('unreachable: a response without an instance');

    // A bootstrap that enforces the timeout itself still leaves a runaway handler behind: same treatment.
    if (response.status === 'error' && response.error?.errorType === 'TimeoutError') {
      return this.timedOut(job, instance, { startKind, startReason }, initLog + (response.log ?? ''));
    }
    // A function that leaves its pid limit saturated (a fork bomb) would fail every later request on the instance.
    if (response.status === 'error' && (await this.pidLimitReached(instance))) {
      this.inBackground(this.pool.recycle(instance, 'pid limit reached', 'crash'));
    } else {
      this.pool.release(instance);
    }
    const log = initLog + (response.log ?? '');
    if (response.status === 'success') {
      return this.reply(job, {
        outcome: 'success',
        result: response.result ?? '',
        log,
        durationMs: response.durationMs,
        memoryUsedMb: response.memoryUsedMb,
        startKind,
        startReason,
      });
    }
    return this.reply(job, {
      outcome: 'function_error',
      result: JSON.stringify(
        response.error ?? { errorMessage: 'function invocation failed', errorType: 'Error' },
      ),
      log,
      durationMs: response.durationMs,
      memoryUsedMb: response.memoryUsedMb,
      startKind,
      startReason,
    });
  }

  private acquireFailed(job: InvocationJob, err: unknown): InvocationReply {
    if (err instanceof InstanceInitError) {
      return this.reply(job, {
        outcome: 'function_error',
        result: JSON.stringify(err.error),
        log: err.log,
        startKind: 'cold',
      });
    }
    if (err instanceof InstanceCapacityError) {
      this.logger.warn({
        msg: 'no instance within the wait bound',
        requestId: job.requestId,
        funcUrn: job.function.funcUrn,
        limit: err.limit,
      });
      return this.reply(job, {
        outcome: 'platform_error',
        result: JSON.stringify(PLATFORM_ERRORS.capacity(err.errorCode, err.message)),
        startKind: 'cold',
        errorCode: err.errorCode,
      });
    }
    const errorCode = err instanceof InstanceStartError ? err.errorCode : 'FSS.0500';
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error({
      msg: 'could not acquire an instance',
      requestId: job.requestId,
      funcUrn: job.function.funcUrn,
      err: message,
    });
    return this.reply(job, {
      outcome: 'platform_error',
      result: JSON.stringify(PLATFORM_ERRORS.platform(message)),
      startKind: 'cold',
      errorCode,
    });
  }

  /** The function has an agency but no credentials could be issued: it does not run without them. */
  private credentialsFailed(job: InvocationJob, start: StartOf, log: string, err: unknown): InvocationReply {
    this.logger.error({
      msg: 'could not issue temporary credentials',
      requestId: job.requestId,
      funcUrn: job.function.funcUrn,
      err: err instanceof Error ? err.message : String(err),
    });
    return this.reply(job, {
      outcome: 'platform_error',
      result: JSON.stringify(
        PLATFORM_ERRORS.platform('the temporary credentials of the function agency could not be issued'),
      ),
      log,
      ...start,
      errorCode: 'FSS.0503',
    });
  }

  /** Resolves once background container removals finished (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private timedOut(job: InvocationJob, instance: Instance, start: StartOf, log: string): InvocationReply {
    // The handler may still run: the container goes, and the reply does not wait for its removal.
    this.inBackground(this.pool.recycle(instance, 'invocation timeout', 'crash'));
    const timeoutS = job.function.timeoutS;
    return this.reply(job, {
      outcome: 'timeout',
      result: JSON.stringify(PLATFORM_ERRORS.timeout(timeoutS)),
      log,
      durationMs: timeoutS * 1000,
      ...start,
    });
  }

  private async broken(
    job: InvocationJob,
    instance: Instance,
    start: StartOf,
    log: string,
    err: unknown,
  ): Promise<InvocationReply> {
    const exit = await this.waitForExit(instance);
    const pidLimit = !exit && (await this.pidLimitReached(instance));
    this.inBackground(
      this.pool.recycle(
        instance,
        exit ? 'runtime exited' : pidLimit ? 'pid limit reached' : 'bootstrap unreachable',
        'crash',
      ),
    );
    if (exit?.oomKilled) {
      return this.reply(job, {
        outcome: 'function_error',
        result: JSON.stringify(PLATFORM_ERRORS.outOfMemory()),
        log,
        ...start,
        memoryUsedMb: job.function.memorySize,
      });
    }
    if (exit) {
      return this.reply(job, {
        outcome: 'function_error',
        result: JSON.stringify(PLATFORM_ERRORS.runtimeExited(exit.exitCode)),
        log,
        ...start,
      });
    }
    if (pidLimit) {
      return this.reply(job, {
        outcome: 'function_error',
        result: JSON.stringify(PLATFORM_ERRORS.pidLimit()),
        log,
        ...start,
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error({
      msg: 'invocation failed on the platform side',
      requestId: job.requestId,
      funcUrn: job.function.funcUrn,
      err: message,
    });
    return this.reply(job, {
      outcome: 'platform_error',
      result: JSON.stringify(PLATFORM_ERRORS.platform('the function instance became unreachable')),
      log,
      ...start,
      errorCode: 'FSS.0500',
    });
  }

  /** True when the container has no room left for the runtime's own processes and threads. */
  private async pidLimitReached(instance: Instance): Promise<boolean> {
    const pids = await this.pool.pidsOf(instance);
    return !!pids && pids.limit > 0 && pids.current >= pids.limit - PIDS_HEADROOM;
  }

  /** The engine reports an OOM kill or crash a moment after the connection broke. */
  private async waitForExit(instance: Instance): ReturnType<InstancePoolService['exitOf']> {
    const until = this.now() + (this.options.exitWaitMs ?? DEFAULT_EXIT_WAIT_MS);
    for (;;) {
      const exit = await this.pool.exitOf(instance);
      if (exit || this.now() >= until) return exit;
      await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
    }
  }

  private inBackground(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private reply(job: InvocationJob, parts: ReplyParts): InvocationReply {
    const durationMs = parts.durationMs ?? 0;
    const reply: InvocationReply = {
      requestId: job.requestId,
      outcome: parts.outcome,
      result: parts.result,
      log: capLog(parts.log ?? ''),
      durationMs,
      billingDurationMs: Math.ceil(durationMs),
      memorySizeMb: job.function.memorySize,
      memoryUsedMb: parts.memoryUsedMb ?? 0,
      startKind: parts.startKind,
      invokerId: this.options.invokerId,
    };
    if (parts.startKind !== 'warm' && parts.startReason) reply.startReason = parts.startReason;
    if (parts.errorCode) reply.errorCode = parts.errorCode;
    this.metrics.invocation(parts.outcome, parts.startKind, durationMs, reply.startReason);
    return reply;
  }
}

/** The initializer's output goes to the log of the invocation that started the instance, once. */
function takeInitLog(instance: Instance): string {
  const log = instance.initLog;
  instance.initLog = '';
  return log;
}

/** Keeps the last MAX_LOG_BYTES of the log (the tail is what callers read) behind a marker, cut on a character boundary. */
export function capLog(log: string): string {
  if (Buffer.byteLength(log, 'utf8') <= MAX_LOG_BYTES) return log;
  const bytes = Buffer.from(log, 'utf8');
  // The same marker as the bootstraps'; 64 bytes hold it with any count.
  let start = bytes.length - (MAX_LOG_BYTES - 64);
  // Skip UTF-8 continuation bytes so the cut never splits a character.
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start += 1;
  return `[log truncated: ${start} bytes dropped]\n${bytes.subarray(start).toString('utf8')}`;
}
