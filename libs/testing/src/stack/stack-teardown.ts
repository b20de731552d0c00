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

  const docker = new Docker();
  const leftovers = (
    await Promise.all(
      [stack.invokerId, ...(stack.extraInvokerIds ?? [])].map((id) =>
        docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.invokerId}=${id}`] } }),
      ),
    )
  ).flat();
  await Promise.all(
    leftovers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}
