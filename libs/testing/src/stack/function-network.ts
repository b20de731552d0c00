import Docker from 'dockerode';
import { CONTAINER_LABELS } from '@ofg/contracts';

/** dockerode errors carry the Engine API status. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The host's address on the function network (its bridge gateway), creating the network the way the invoker does when
 * it is missing: function containers reach apps listening on all interfaces there (the gateway), and nothing that
 * listens on 127.0.0.1 only (PostgreSQL, Redis).
 */
export async function functionNetworkGatewayIp(network: string, docker = new Docker()): Promise<string> {
  const inspect = async (): Promise<Docker.NetworkInspectInfo | undefined> => {
    try {
      return await docker.getNetwork(network).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  };
  let info = await inspect();
  if (!info) {
    await docker
      .createNetwork({
        Name: network,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [CONTAINER_LABELS.managed]: 'true' },
      })
      .catch((err: unknown) => {
        if (statusOf(err) !== 409) throw err;
      });
    info = await inspect();
  }
  const gateway = info?.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!gateway) throw new Error(`docker network ${network} has no IPv4 gateway address`);
  return gateway;
}
