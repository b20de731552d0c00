/** What the instance pool asks of a container engine (Docker today; a fake in unit tests). */
export interface ContainerSpec {
  name: string;
  image: string;
  memoryMb: number;
  cpuMillicores: number;
  labels: Record<string, string>;
  env?: Record<string, string>;
  /** A container-image function: its own image runs, with the agent of `image` mounted in as the entrypoint. */
  customImage?: CustomImageRun;
}

/** How a container-image function's image runs (custom_image, resolved by the gateway). */
export interface CustomImageRun {
  /** Image reference; it must already exist on the engine's host (nothing is pulled). */
  image: string;
  /** Replaces the image's ENTRYPOINT (and drops its CMD) when non-empty. */
  command: string[];
  /** Replaces the image's CMD when non-empty. */
  args: string[];
  /** Working directory; the image's own when absent. */
  workingDir?: string;
  uid: number;
  gid: number;
}

export interface ContainerHandle {
  id: string;
  name: string;
  /** Base URL of the bootstrap as reachable from the invoker, e.g. http://172.18.0.5:31000 */
  endpoint: string;
}

/** Tasks (processes and threads) in a container against its pid limit. */
export interface ContainerPids {
  current: number;
  limit: number;
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
  /** Task count and pid limit of a running container, when the engine reports them. */
  pids?(id: string): Promise<ContainerPids | undefined>;
}

/** Labels every function container carries so invokers can find and sweep them. */
export const CONTAINER_LABELS = {
  managed: 'io.openfunctiongraph.managed',
  invokerId: 'io.openfunctiongraph.invoker-id',
  projectId: 'io.openfunctiongraph.project-id',
  functionUrn: 'io.openfunctiongraph.function-urn',
  version: 'io.openfunctiongraph.version',
  /** `prewarm` on generic containers started ahead of demand; they carry no project or function labels. */
  pool: 'io.openfunctiongraph.pool',
  /** The pool's instance id, so a sweep never removes a container whose start is still in flight. */
  instanceId: 'io.openfunctiongraph.instance-id',
} as const;
