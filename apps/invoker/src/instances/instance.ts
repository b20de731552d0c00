import { ContainerHandle, FunctionSnapshot, StartKind, StartReason } from '@ofg/contracts';
import { slotKeyOf } from './instance-slots';
import type { PrewarmContainer } from './prewarm-pool';

export type InstanceState = 'starting' | 'idle' | 'busy' | 'draining';

/** Instances are only shared by invocations of the same tenant, function, version and configuration. */
export function instanceKey(snapshot: FunctionSnapshot): string {
  return `${snapshot.projectId}|${snapshot.funcUrn}|${snapshot.version}|${snapshot.configDigest}`;
}

/** One container serving one (tenant, function, version, config digest), up to `maxConcurrency` requests at once. */
export class Instance {
  state: InstanceState = 'starting';
  /** Requests that hold this instance, including those waiting for it to start. */
  active = 0;
  lastUsedAt: number;
  handle: ContainerHandle | undefined;
  /** Settles when the instance is ready (or failed to become ready). */
  ready: Promise<void> = Promise.resolve();
  /** Output of the initializer, handed to the first invocation's log. */
  initLog = '';
  /** Settles once the container is removed and the instance's slot and memory are given back; set once. */
  disposal: Promise<void> | undefined;
  /** True while bringUp runs: a recycle before the container exists leaves its removal to bringUp. */
  bringingUp = false;
  /** Invocations served, for logs. */
  served = 0;
  /** The function changed: take no new requests and go away once the current ones are done. */
  retired = false;
  /** The function's agency (`xrole`) read at start; '' when it has none (no credentials in its context). */
  agency = '';
  /** Pinned by a reservation: never idle-expired, evicted for memory or handed over to another invoker. */
  reserved = false;
  /** How and why it was started; requests that joined the start report the same. */
  startKind: Exclude<StartKind, 'warm'> = 'cold';
  startReason: StartReason = 'no_instance';
  /** Memory this instance holds in the invoker's budget (0 until admitted). */
  memoryMb = 0;
  /** True while it is counted in the function's max instances. */
  holdsSlot = false;
  /** The prewarmed container it specializes, when it took one. */
  prewarmed: PrewarmContainer | undefined;
  /** Its max-instances slot may belong to another invoker now: take no new requests, go once released. */
  yielding = false;
  /** Max instances counts per function (all versions and configurations). */
  readonly slotKey: string;

  constructor(
    readonly id: string,
    readonly key: string,
    readonly snapshot: FunctionSnapshot,
    readonly maxConcurrency: number,
    now: number,
  ) {
    this.lastUsedAt = now;
    this.slotKey = slotKeyOf(snapshot);
  }

  get endpoint(): string {
    if (!this.handle) throw new Error(`instance ${this.id} has no container yet`);
    return this.handle.endpoint;
  }

  get hasSpareCapacity(): boolean {
    return !this.retired && !this.yielding && this.state !== 'draining' && this.active < this.maxConcurrency;
  }

  /** Takes one request slot; a starting instance stays starting. */
  lease(now: number): void {
    this.active += 1;
    this.lastUsedAt = now;
    if (this.state === 'idle') this.state = 'busy';
  }

  /** Gives one request slot back. */
  unlease(now: number): void {
    this.active = Math.max(0, this.active - 1);
    this.lastUsedAt = now;
    if (this.state === 'busy' && this.active === 0) this.state = 'idle';
  }

  markReady(now: number): void {
    if (this.state !== 'starting') return;
    this.state = this.active > 0 ? 'busy' : 'idle';
    this.lastUsedAt = now;
  }
}
