import {
  ContainerExit,
  ContainerHandle,
  ContainerPids,
  ContainerRuntime,
  ContainerSpec,
} from '@ofg/contracts';
import { FakeBootstrapBehaviour, FakeBootstrapServer } from './fake-bootstrap.server';

/** One container of the fake engine, with its bootstrap. */
export interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  endpoint: string;
  bootstrap: FakeBootstrapServer;
  removed: boolean;
  exit?: ContainerExit;
}

/**
 * An in-memory ContainerRuntime that counts lifecycle calls (OpenWhisk's proxy tests do the same). Every container is a
 * FakeBootstrapServer on 127.0.0.1, so the pool's HTTP traffic is real.
 */
export class FakeContainerRuntime implements ContainerRuntime {
  startCalls = 0;
  removeCalls = 0;
  pingCalls = 0;
  /** Milliseconds every start takes (to widen race windows in tests). */
  startDelayMs = 0;
  /** The next start rejects with this error. */
  failNextStart: Error | undefined;
  engineDown = false;
  /** Task count and limit every container reports (a test of a fork bomb sets current to the limit). */
  pidsInUse: ContainerPids | undefined = undefined;
  readonly containers = new Map<string, FakeContainer>();
  /** Containers "left over from an earlier run": listed, removable, never started here. */
  readonly leftovers = new Map<string, Record<string, string>>();
  /** Containers whose start() has not returned yet. */
  readonly creating = new Map<string, Record<string, string>>();
  private seq = 0;

  constructor(public behaviour: FakeBootstrapBehaviour = {}) {}

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    this.startCalls += 1;
    const id = `fake${(++this.seq).toString().padStart(8, '0')}${'0'.repeat(52)}`;
    // Like Docker, a container is listed from its creation on, before start() returns its handle.
    this.creating.set(id, spec.labels);
    try {
      if (this.startDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.startDelayMs));
    } finally {
      this.creating.delete(id);
    }
    if (this.failNextStart) {
      const err = this.failNextStart;
      this.failNextStart = undefined;
      throw err;
    }
    const bootstrap = new FakeBootstrapServer(this.behaviour);
    const endpoint = await bootstrap.listen();
    this.containers.set(id, { id, spec, endpoint, bootstrap, removed: false });
    return { id, name: spec.name, endpoint };
  }

  async remove(id: string): Promise<void> {
    this.removeCalls += 1;
    this.leftovers.delete(id);
    this.creating.delete(id);
    const container = this.containers.get(id);
    if (!container || container.removed) return;
    container.removed = true;
    await container.bootstrap.close();
  }

  async inspectExit(id: string): Promise<ContainerExit | undefined> {
    return this.containers.get(id)?.exit;
  }

  async list(labels: Record<string, string>): Promise<{ id: string; labels: Record<string, string> }[]> {
    const matches = (l: Record<string, string>): boolean =>
      Object.entries(labels).every(([k, v]) => l[k] === v);
    const live = [...this.containers.values()]
      .filter((c) => !c.removed && matches(c.spec.labels))
      .map((c) => ({ id: c.id, labels: c.spec.labels }));
    const old = [...this.leftovers, ...this.creating]
      .filter(([, l]) => matches(l))
      .map(([id, l]) => ({ id, labels: l }));
    return [...live, ...old];
  }

  async pids(id: string): Promise<ContainerPids | undefined> {
    const container = this.containers.get(id);
    return container && !container.removed ? this.pidsInUse : undefined;
  }

  async ping(): Promise<void> {
    this.pingCalls += 1;
    if (this.engineDown) throw new Error('fake engine is down');
  }

  /** Kills a container the way the kernel does: connections drop, the exit is recorded. */
  async crash(id: string, exit: ContainerExit = { oomKilled: false, exitCode: 1 }): Promise<void> {
    const container = this.containers.get(id);
    if (!container) return;
    container.exit = exit;
    await container.bootstrap.close();
  }

  /** Seeds a container an earlier invoker process left behind. */
  addLeftover(id: string, labels: Record<string, string>): void {
    this.leftovers.set(id, labels);
  }

  /** Containers not removed yet. */
  get running(): FakeContainer[] {
    return [...this.containers.values()].filter((c) => !c.removed);
  }

  /** Test cleanup: closes every bootstrap server. */
  async dispose(): Promise<void> {
    await Promise.all([...this.containers.values()].map((c) => c.bootstrap.close()));
  }
}
