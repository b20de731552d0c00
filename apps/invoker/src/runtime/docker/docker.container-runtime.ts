import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import {
  BOOTSTRAP_PORT,
  CONTAINER_LABELS,
  ContainerExit,
  ContainerHandle,
  ContainerPids,
  ContainerRuntime,
  ContainerSpec,
  LIMITS,
} from '@ofg/contracts';
import { BootableContainerRuntime } from '../container-runtime.token';
import { containerCreateOptions, HardeningSettings } from './container-create-options';
import { CustomImageLauncher } from './custom-image.launcher';
import {
  FunctionNetworkGuard,
  functionNetworkInfo,
  NetworkGuardMode,
  NetworkInspect,
} from './function-network.guard';

const MIB = 1024 * 1024;

export interface DockerRuntimeOptions {
  socketPath: string;
  network: string;
  pidsLimit: number;
  tmpMb: number;
  nofile: number;
  /** Size cap of the code tmpfs; the unzipped code limit by default. */
  codeMb?: number;
  /** Host firewall of the function network (FUNCTION_NETWORK_GUARD); `auto` when unset. */
  networkGuard?: NetworkGuardMode;
  /** OFG_API_ENDPOINT of functions: the one host port the guard leaves open to them. */
  apiEndpoint?: string;
}

/** dockerode errors carry the Engine API status. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * ContainerRuntime on the Docker Engine API (1.41, Debian's 20.10): hardened containers on the function network,
 * reached on their bridge IP, never on published ports.
 */
export class DockerContainerRuntime implements ContainerRuntime, BootableContainerRuntime {
  private readonly logger = new Logger(DockerContainerRuntime.name);
  private readonly docker: Docker;
  private readonly images: CustomImageLauncher;
  private readonly guard: FunctionNetworkGuard;

  constructor(private readonly options: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: options.socketPath });
    this.images = new CustomImageLauncher(this.docker);
    this.guard = new FunctionNetworkGuard({
      mode: options.networkGuard ?? 'auto',
      apiEndpoint: options.apiEndpoint,
    });
  }

  /** Creates the function network when missing (idempotent across invokers), then guards it on the host. */
  async prepare(): Promise<void> {
    const network = await this.ensureNetwork();
    await this.guard.apply(functionNetworkInfo(network));
  }

  private async ensureNetwork(): Promise<NetworkInspect> {
    try {
      return (await this.docker.getNetwork(this.options.network).inspect()) as NetworkInspect;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    try {
      await this.docker.createNetwork({
        Name: this.options.network,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [CONTAINER_LABELS.managed]: 'true' },
      });
      this.logger.log(`created function network ${this.options.network}`);
    } catch (err) {
      // Another invoker created it in the meantime.
      if (statusOf(err) !== 409) throw err;
    }
    return (await this.docker.getNetwork(this.options.network).inspect()) as NetworkInspect;
  }

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    const settings: HardeningSettings = {
      network: this.options.network,
      pidsLimit: this.options.pidsLimit,
      tmpMb: this.options.tmpMb,
      nofile: this.options.nofile,
      codeMb: this.options.codeMb ?? Math.ceil(LIMITS.unzippedCodeBytes / MIB),
    };
    const launch = spec.customImage
      ? await this.images.prepare(spec.customImage, spec.image, spec.labels)
      : undefined;
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(containerCreateOptions(spec, settings, launch));
    } catch (err) {
      // The agent files container named in VolumesFrom is gone: make a new one, once.
      if (!spec.customImage || statusOf(err) !== 404) throw err;
      this.images.forgetAgentFiles();
      const again = await this.images.prepare(spec.customImage, spec.image, spec.labels);
      container = await this.docker.createContainer(containerCreateOptions(spec, settings, again));
    }
    try {
      await container.start();
      const info = await container.inspect();
      const ip = info.NetworkSettings.Networks[this.options.network]?.IPAddress;
      if (!ip) throw new Error(`container ${spec.name} has no address on network ${this.options.network}`);
      return { id: info.Id, name: spec.name, endpoint: `http://${ip}:${BOOTSTRAP_PORT}` };
    } catch (err) {
      await this.remove(container.id).catch(() => undefined);
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const status = statusOf(err);
      // 404: already gone; 409: removal already in progress.
      if (status === 404 || status === 409) return;
      throw err;
    }
  }

  async inspectExit(id: string): Promise<ContainerExit | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      if (info.State.Running && !info.State.OOMKilled) return undefined;
      return { oomKilled: info.State.OOMKilled, exitCode: info.State.Running ? null : info.State.ExitCode };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async list(labels: Record<string, string>): Promise<{ id: string; labels: Record<string, string> }[]> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
    });
    return containers.map((c) => ({ id: c.Id, labels: c.Labels }));
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async pids(id: string): Promise<ContainerPids | undefined> {
    // one-shot: the current sample only, without waiting a second for a CPU delta.
    const stats = (await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true })) as {
      pids_stats?: { current?: number; limit?: number };
    };
    const { current, limit } = stats.pids_stats ?? {};
    return typeof current === 'number' && typeof limit === 'number' ? { current, limit } : undefined;
  }
}
