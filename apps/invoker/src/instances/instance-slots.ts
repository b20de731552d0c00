/** What other invokers say about a function's instance slots. */
export interface SlotEventListener {
  /** A request on another invoker waits for a slot of `fn`: an idle instance of it here should go. */
  onDemand(fn: string): void;
  /** Another invoker gave a slot of `fn` back: requests waiting here may take it. */
  onFreed(fn: string): void;
  /** This invoker's lease had lapsed (a stall, a partition): others may have taken its slots meanwhile. */
  onLeaseLost?(): void;
}

/**
 * Instances of each function counted across all invokers (FunctionGraph's max instances). Each invoker's share
 * lives only as long as it keeps its lease, so the share of an invoker that died expires.
 */
export interface InstanceSlots {
  /** Counts one more instance of `fn` for this invoker unless `max` (≥ 0) are already counted; max < 0: no cap. */
  tryTake(fn: string, max: number): Promise<boolean>;
  /** Uncounts one instance of `fn` of this invoker. */
  give(fn: string): Promise<void>;
  /** Tells the other invokers that a request here waits for a slot of `fn`. */
  announceDemand(fn: string): void;
  subscribe(listener: SlotEventListener): void;
  /** Starts the lease heartbeat and the event subscription. */
  start(): Promise<void>;
  /** Gives every slot of this invoker back and stops. */
  stop(): Promise<void>;
}

export const INSTANCE_SLOTS = Symbol('INSTANCE_SLOTS');

/** The slot key of a function: max instances counts every version and configuration of it. */
export function slotKeyOf(snapshot: { projectId: string; functionId: string }): string {
  return `${snapshot.projectId}:${snapshot.functionId}`;
}

/**
 * Slots shared only by the pools of one process: the default when no Redis is wired (a single invoker), and the
 * stand-in for several invokers in unit tests (give each pool its own `owner` view of one board).
 */
export class LocalSlotBoard {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly listeners = new Map<string, SlotEventListener>();

  view(owner: string): InstanceSlots {
    return new LocalInstanceSlots(this, owner);
  }

  /** Instances of `fn` counted across owners. */
  total(fn: string): number {
    let total = 0;
    for (const n of this.counts.get(fn)?.values() ?? []) total += n;
    return total;
  }

  /** Drops an owner's share, as the lease expiry of a dead invoker does. */
  expire(owner: string): void {
    for (const perOwner of this.counts.values()) perOwner.delete(owner);
  }

  take(owner: string, fn: string, max: number): boolean {
    if (max >= 0 && this.total(fn) >= max) return false;
    const perOwner = this.counts.get(fn) ?? new Map<string, number>();
    perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
    this.counts.set(fn, perOwner);
    return true;
  }

  give(owner: string, fn: string): void {
    const perOwner = this.counts.get(fn);
    const n = (perOwner?.get(owner) ?? 0) - 1;
    if (n > 0) perOwner?.set(owner, n);
    else perOwner?.delete(owner);
    if (perOwner?.size === 0) this.counts.delete(fn);
    for (const [other, l] of this.listeners) if (other !== owner) l.onFreed(fn);
  }

  demand(owner: string, fn: string): void {
    for (const [other, l] of this.listeners) if (other !== owner) l.onDemand(fn);
  }

  listen(owner: string, listener: SlotEventListener | undefined): void {
    if (listener) this.listeners.set(owner, listener);
    else this.listeners.delete(owner);
  }
}

class LocalInstanceSlots implements InstanceSlots {
  constructor(
    private readonly board: LocalSlotBoard,
    private readonly owner: string,
  ) {}

  async tryTake(fn: string, max: number): Promise<boolean> {
    return this.board.take(this.owner, fn, max);
  }

  async give(fn: string): Promise<void> {
    this.board.give(this.owner, fn);
  }

  announceDemand(fn: string): void {
    // Delivered asynchronously, as pub/sub is.
    setImmediate(() => this.board.demand(this.owner, fn));
  }

  subscribe(listener: SlotEventListener): void {
    this.board.listen(this.owner, listener);
  }

  async start(): Promise<void> {
    // Nothing to connect to.
  }

  async stop(): Promise<void> {
    this.board.listen(this.owner, undefined);
    this.board.expire(this.owner);
  }
}
