/** Injection token of the ContainerRuntime port (Docker in the app, a fake in tests). */
export const CONTAINER_RUNTIME = Symbol('CONTAINER_RUNTIME');

/** An engine that can also prepare what containers need at boot (the function network). */
export interface BootableContainerRuntime {
  prepare(): Promise<void>;
}

export function isBootable(runtime: object): runtime is BootableContainerRuntime {
  return typeof (runtime as Partial<BootableContainerRuntime>).prepare === 'function';
}
