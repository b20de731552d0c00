import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  CODE_ROOT,
  CONTAINER_LABELS,
  ContainerExit,
  ContainerRuntime,
  FgsError,
  FunctionSnapshot,
  isRuntimeName,
  RuntimeInitRequest,
  RUNTIMES,
  StartKind,
} from '@ofg/contracts';
import { CodePackageCache } from '../code/code-package.cache';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { CONTAINER_RUNTIME } from '../runtime/container-runtime.token';
import { FunctionSecrets, FunctionSecretsLoader } from '../secrets/function-secrets.loader';
import { Instance, instanceKey, InstanceState } from './instance';
import { InstanceInitError, InstanceStartError } from './instance.errors';

export interface PoolOptions {
  invokerId: string;
  /** How long an idle instance is kept before its container is removed. */
  keepAliveMs: number;
  /** Bound on container start → bootstrap answering /health. */
  readyTimeoutMs: number;
  /** Runtime family (RUNTIMES value) → image. */
  runtimeImages: Record<string, string>;
  /** Gateway base URL handed to function code as OFG_API_ENDPOINT. */
  apiEndpoint?: string;
  sweepIntervalMs?: number;
  now?: () => number;
}

export const POOL_OPTIONS = Symbol('POOL_OPTIONS');

/** Where instance code comes from (the code package cache, or a stand-in in tests). */
export type CodeTarProvider = Pick<CodePackageCache, 'getTar'>;

/** Where the encrypted environment and the agency come from (the function row, or a stand-in in tests). */
export type SecretsProvider = Pick<FunctionSecretsLoader, 'load'>;

export interface AcquiredInstance {
  instance: Instance;
  startKind: StartKind;
}

const HEALTH_POLL_MS = 10;
const EXIT_CHECK_EVERY_MS = 500;
const PUT_CODE_TIMEOUT_MS = 60_000;
const INIT_TIMEOUT_MS = 30_000;
const INIT_SLACK_MS = 5_000;

/**
 * Warm instances per (tenant, function, version, config digest). Acquires reuse an instance with spare concurrency,
 * join an instance that is already starting, or start one; so a burst never starts more containers than
 * ceil(concurrent requests / concurrentNum).
 */
@Injectable()
export class InstancePoolService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InstancePoolService.name);
  private readonly byKey = new Map<string, Instance[]>();
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    @Inject(BootstrapClient) private readonly bootstrap: BootstrapClient,
    @Inject(CodePackageCache) private readonly code: CodeTarProvider,
    @Inject(InvokerMetrics) private readonly metrics: InvokerMetrics,
    @Inject(POOL_OPTIONS) private readonly options: PoolOptions,
    @Inject(FunctionSecretsLoader) private readonly secrets: SecretsProvider,
  ) {
    this.now = options.now ?? Date.now;
    this.metrics.countInstancesWith(() => this.countByState());
  }

  onModuleInit(): void {
    this.startSweeper();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Starts the idle sweeper; it never keeps the process alive. */
  startSweeper(): void {
    if (this.sweeper) return;
    const every =
      this.options.sweepIntervalMs ??
      Math.max(1000, Math.min(30_000, Math.floor(this.options.keepAliveMs / 4)));
    this.sweeper = setInterval(() => void this.sweepIdle(), every);
    this.sweeper.unref();
  }

  /** An instance with a free request slot for this snapshot, started when none exists. */
  async acquire(snapshot: FunctionSnapshot): Promise<AcquiredInstance> {
    if (this.closed) throw new InstanceStartError('the invoker is shutting down', 'FSS.0503');
    const key = instanceKey(snapshot);
    const list = this.listFor(key);
    const now = this.now();

    const warm = list
      .filter((i) => (i.state === 'idle' || i.state === 'busy') && i.hasSpareCapacity)
      // Pack requests onto the busiest instance so idle ones can expire; most recently used breaks ties.
      .sort((a, b) => b.active - a.active || b.lastUsedAt - a.lastUsedAt)[0];
    if (warm) {
      warm.lease(now);
      return { instance: warm, startKind: 'warm' };
    }

    const starting = list.find((i) => i.state === 'starting' && i.hasSpareCapacity);
    if (starting) {
      starting.lease(now);
      await starting.ready;
      return { instance: starting, startKind: 'cold' };
    }

    const instance = new Instance(
      randomBytes(6).toString('hex'),
      key,
      snapshot,
      Math.max(1, snapshot.concurrentNum),
      now,
    );
    instance.lease(now);
    list.push(instance);
    instance.ready = this.bringUp(instance);
    // Joiners await the same promise; this keeps an unobserved rejection from crashing the process.
    instance.ready.catch(() => undefined);
    await instance.ready;
    return { instance, startKind: 'cold' };
  }

  /** Gives the request slot back; the instance stays warm unless its function changed meanwhile. */
  release(instance: Instance): void {
    instance.unlease(this.now());
    instance.served += 1;
    if (instance.retired && instance.active === 0) void this.recycle(instance, 'function changed');
  }

  /**
   * A function's code or configuration changed (or it was deleted): its instances will never be picked again
   * (their config digest is stale), so free them now instead of after the keep-alive. Busy ones finish first.
   * Updates touch only `latest`; a deletion retires every version.
   */
  async retireFunction(projectId: string, functionId: string, allVersions: boolean): Promise<number> {
    const affected = this.all().filter(
      (i) =>
        i.snapshot.projectId === projectId &&
        i.snapshot.functionId === functionId &&
        (allVersions || i.snapshot.version === 'latest'),
    );
    for (const i of affected) i.retired = true;
    await Promise.all(
      affected
        .filter((i) => i.active === 0 && i.state !== 'starting')
        .map((i) => this.recycle(i, 'function changed')),
    );
    return affected.length;
  }

  /** Removes the instance and its container (timeouts, crashes, failed init, expiry). */
  async recycle(instance: Instance, reason: string): Promise<void> {
    this.forget(instance);
    instance.state = 'draining';
    // Without a handle the start is still running; bringUp sees `draining` and removes the container itself.
    if (!instance.handle || instance.containerRemoved) return;
    instance.containerRemoved = true;
    this.logger.log({
      msg: 'recycling instance',
      instance: instance.id,
      container: instance.handle.id,
      funcUrn: instance.snapshot.funcUrn,
      reason,
    });
    try {
      await this.runtime.remove(instance.handle.id);
    } catch (err) {
      this.logger.warn({ msg: 'container removal failed', container: instance.handle.id, err: String(err) });
    }
  }

  /** Why the instance's container stopped, if it did (OOM kills, crashes). */
  async exitOf(instance: Instance): Promise<ContainerExit | undefined> {
    if (!instance.handle) return undefined;
    try {
      return await this.runtime.inspectExit(instance.handle.id);
    } catch {
      return undefined;
    }
  }

  /** Removes instances idle for longer than the keep-alive. */
  async sweepIdle(): Promise<number> {
    const now = this.now();
    const expired = this.all().filter(
      (i) => i.state === 'idle' && i.active === 0 && now - i.lastUsedAt > this.options.keepAliveMs,
    );
    await Promise.all(expired.map((i) => this.recycle(i, 'idle keep-alive expired')));
    return expired.length;
  }

  /** Removes containers a previous run of this invoker left behind. */
  async sweepOrphans(): Promise<number> {
    const mine = new Set(
      this.all()
        .map((i) => i.handle?.id)
        .filter((id): id is string => !!id),
    );
    const found = await this.runtime.list({
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: this.options.invokerId,
    });
    const orphans = found.filter((c) => !mine.has(c.id));
    await Promise.all(orphans.map((c) => this.runtime.remove(c.id)));
    if (orphans.length > 0) this.logger.log({ msg: 'removed orphan containers', count: orphans.length });
    return orphans.length;
  }

  /** Stops accepting acquires and removes every container of this invoker. */
  async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    if (this.closed) return;
    this.closed = true;
    const instances = this.all();
    await Promise.all(instances.map((i) => this.recycle(i, 'invoker shutdown')));
    await this.sweepOrphans().catch((err: unknown) =>
      this.logger.warn({ msg: 'final container sweep failed', err: String(err) }),
    );
  }

  /** Instance counts by state (metrics gauge). */
  countByState(): Record<InstanceState, number> {
    const counts: Record<InstanceState, number> = { starting: 0, idle: 0, busy: 0, draining: 0 };
    for (const i of this.all()) counts[i.state] += 1;
    return counts;
  }

  /** Instances currently held, optionally for one snapshot (tests, metrics). */
  instances(snapshot?: FunctionSnapshot): Instance[] {
    return snapshot ? [...(this.byKey.get(instanceKey(snapshot)) ?? [])] : this.all();
  }

  private async bringUp(instance: Instance): Promise<void> {
    const started = this.now();
    const snapshot = instance.snapshot;
    try {
      const image = this.imageFor(snapshot.runtime);
      const tar = this.code.getTar(snapshot.projectId, snapshot.codeDigest);
      tar.catch(() => undefined);
      // Read while the container starts; decrypted values live only in this closure and the /init body.
      const secrets = this.secrets.load(snapshot);
      secrets.catch(() => undefined);
      instance.handle = await this.runtime.start({
        name: `ofg-${this.options.invokerId}-${instance.id}`,
        image,
        memoryMb: snapshot.memorySize,
        cpuMillicores: snapshot.cpu,
        labels: {
          [CONTAINER_LABELS.managed]: 'true',
          [CONTAINER_LABELS.invokerId]: this.options.invokerId,
          [CONTAINER_LABELS.projectId]: snapshot.projectId,
          [CONTAINER_LABELS.functionUrn]: snapshot.funcUrn,
          [CONTAINER_LABELS.version]: snapshot.version,
        },
      });
      if (instance.state === 'draining' || this.closed)
        throw new InstanceStartError('instance recycled while starting', 'FSS.0503');
      const containerMs = this.now() - started;
      await this.waitReady(instance);
      const readyMs = this.now() - started;
      await this.bootstrap.putCode(instance.endpoint, await tar, PUT_CODE_TIMEOUT_MS);
      const codeMs = this.now() - started;
      const { env: secretEnv, agency } = await secrets;
      instance.agency = agency;
      const init = await this.bootstrap.init(
        instance.endpoint,
        initRequest(snapshot, { secretEnv, apiEndpoint: this.options.apiEndpoint }),
        initTimeoutMs(snapshot),
      );
      if (!init.ok) {
        throw new InstanceInitError(
          init.error ?? { errorMessage: 'function initialization failed', errorType: 'InitializationError' },
          init.log ?? '',
        );
      }
      instance.initLog = init.log ?? '';
      instance.markReady(this.now());
      const tookMs = this.now() - started;
      this.metrics.coldStart(tookMs);
      // Cumulative milliseconds at the end of each phase, to see where cold starts go.
      const phases = { containerMs, readyMs, codeMs, initMs: tookMs };
      this.logger.log({
        msg: 'instance started',
        instance: instance.id,
        container: instance.handle.id,
        funcUrn: snapshot.funcUrn,
        tookMs,
        phases,
      });
    } catch (err) {
      await this.recycle(instance, 'start failed');
      if (err instanceof InstanceInitError || err instanceof InstanceStartError) throw err;
      if (err instanceof FgsError) throw new InstanceStartError(err.message, err.code, { cause: err });
      throw new InstanceStartError(
        `could not start an instance: ${err instanceof Error ? err.message : String(err)}`,
        'FSS.0500',
        { cause: err },
      );
    }
  }

  /** Polls the bootstrap until it is ready; fails fast when the container already exited. */
  private async waitReady(instance: Instance): Promise<void> {
    const deadline = this.now() + this.options.readyTimeoutMs;
    let nextExitCheck = this.now() + EXIT_CHECK_EVERY_MS;
    while (this.now() < deadline) {
      if (await this.bootstrap.isReady(instance.endpoint, Math.min(1000, Math.max(1, deadline - this.now()))))
        return;
      if (this.now() >= nextExitCheck) {
        nextExitCheck = this.now() + EXIT_CHECK_EVERY_MS;
        const exit = await this.exitOf(instance);
        if (exit)
          throw new InstanceStartError(
            `the runtime container exited during start (exit code ${exit.exitCode ?? 'unknown'})`,
          );
      }
      await sleep(HEALTH_POLL_MS);
    }
    throw new InstanceStartError(`the runtime did not become ready within ${this.options.readyTimeoutMs} ms`);
  }

  private imageFor(runtime: string): string {
    const family = isRuntimeName(runtime) ? RUNTIMES[runtime] : undefined;
    const image = family ? this.options.runtimeImages[family] : undefined;
    if (!image) throw new InstanceStartError(`runtime ${runtime} is not supported by this invoker`);
    return image;
  }

  private listFor(key: string): Instance[] {
    let list = this.byKey.get(key);
    if (!list) {
      list = [];
      this.byKey.set(key, list);
    }
    return list;
  }

  private forget(instance: Instance): void {
    const list = this.byKey.get(instance.key);
    if (!list) return;
    const at = list.indexOf(instance);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.byKey.delete(instance.key);
  }

  private all(): Instance[] {
    return [...this.byKey.values()].flat();
  }
}

/** What the init request adds to the snapshot: decrypted variables and where the platform API is. */
export interface InitExtras {
  secretEnv?: FunctionSecrets['env'];
  apiEndpoint?: string;
}

/**
 * RUNTIME_* variables (spec §5.4) plus the function's own environment, plain and decrypted (decrypted wins on a clash,
 * and both are in RUNTIME_USERDATA so context.getUserData sees them, as on FunctionGraph); platform variables win.
 */
export function initRequest(snapshot: FunctionSnapshot, extras: InitExtras = {}): RuntimeInitRequest {
  const userData = { ...snapshot.userData, ...extras.secretEnv };
  const env: Record<string, string> = {
    ...userData,
    ...(extras.apiEndpoint ? { OFG_API_ENDPOINT: extras.apiEndpoint } : {}),
    RUNTIME_PROJECT_ID: snapshot.projectId,
    RUNTIME_FUNC_NAME: snapshot.funcName,
    RUNTIME_FUNC_VERSION: snapshot.version,
    RUNTIME_PACKAGE: snapshot.package,
    RUNTIME_HANDLER: snapshot.handler,
    RUNTIME_TIMEOUT: String(snapshot.timeoutS),
    RUNTIME_USERDATA: JSON.stringify(userData),
    RUNTIME_CPU: String(snapshot.cpu),
    RUNTIME_MEMORY: String(snapshot.memorySize),
    RUNTIME_CODE_ROOT: CODE_ROOT,
  };
  return {
    handler: snapshot.handler,
    initializer: snapshot.initializerHandler,
    initializerTimeoutMs: snapshot.initializerHandler
      ? (snapshot.initializerTimeoutS ?? 3) * 1000
      : undefined,
    env,
  };
}

function initTimeoutMs(snapshot: FunctionSnapshot): number {
  return snapshot.initializerHandler
    ? (snapshot.initializerTimeoutS ?? 3) * 1000 + INIT_SLACK_MS
    : INIT_TIMEOUT_MS;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
