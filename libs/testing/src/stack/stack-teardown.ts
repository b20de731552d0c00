import Docker from 'dockerode';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { readStack } from './stack-launcher';

const exited = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** Stops the apps gracefully (SIGTERM, then SIGKILL after 20 s) and removes any container the invoker left. */
export async function stopStack(stack = readStack()): Promise<void> {
  for (const pid of stack.pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const until = Date.now() + 20_000;
  while (Date.now() < until && !stack.pids.every(exited)) await new Promise((r) => setTimeout(r, 200));
  for (const pid of stack.pids.filter((p) => !exited(p))) process.kill(pid, 'SIGKILL');

  await removeInvokerContainers(new Docker(), [stack.invokerId, ...(stack.extraInvokerIds ?? [])]);
}

/**
 * Force-removes every container labelled with one of the invokers, a few at a time (hundreds of concurrent
 * force-removals have hung the Docker engine); answers how many there were.
 */
export async function removeInvokerContainers(docker: Docker, invokerIds: string[]): Promise<number> {
  const leftovers = (
    await Promise.all(
      invokerIds.map((id) =>
        docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.invokerId}=${id}`] } }),
      ),
    )
  ).flat();
  for (let i = 0; i < leftovers.length; i += REMOVE_BATCH) {
    await Promise.all(
      leftovers.slice(i, i + REMOVE_BATCH).map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
  return leftovers.length;
}

const REMOVE_BATCH = 16;
