/** What the instance pool asks of a container engine (Docker today; a fake in unit tests). */
export interface ContainerSpec {
  name: string;
  image: string;
  memoryMb: number;
  cpuMillicores: number;
  labels: Record<string, string>;
  env?: Record<string, string>;
}

export interface ContainerHandle {
  id: string;
  name: string;
  /** Base URL of the bootstrap as reachable from the invoker, e.g. http://172.18.0.5:31000 */
  endpoint: string;
}

export interface ContainerExit {
  oomKilled: boolean;
  exitCode: number | null;
}

export interface ContainerRuntime {
  /** Creates and starts a hardened container; resolves once it is running (not necessarily ready). */
  start(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Kills and removes the container; never throws for an already-gone container. */
  remove(id: string): Promise<void>;
  /** Why a container stopped, when it did. */
  inspectExit(id: string): Promise<ContainerExit | undefined>;
  /** Containers carrying all of the given labels (used to sweep orphans at start). */
  list(labels: Record<string, string>): Promise<{ id: string; labels: Record<string, string> }[]>;
  /** Liveness of the engine itself. */
  ping(): Promise<void>;
}

/** Labels every function container carries so invokers can find and sweep them. */
export const CONTAINER_LABELS = {
  managed: 'io.openfunctiongraph.managed',
  invokerId: 'io.openfunctiongraph.invoker-id',
  projectId: 'io.openfunctiongraph.project-id',
  functionUrn: 'io.openfunctiongraph.function-urn',
  version: 'io.openfunctiongraph.version',
} as const;
