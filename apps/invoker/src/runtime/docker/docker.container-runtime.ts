import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import {
  BOOTSTRAP_PORT,
  CODE_ROOT,
  CONTAINER_LABELS,
  ContainerExit,
  ContainerHandle,
  ContainerRuntime,
  ContainerSpec,
  LIMITS,
} from '@ofg/contracts';
import { BootableContainerRuntime } from '../container-runtime.token';

const MIB = 1024 * 1024;
/** The runtime images run their bootstrap as this uid:gid (see runtimes/*). */
const FUNCTION_USER = '1000:1000';

export interface DockerRuntimeOptions {
  socketPath: string;
  network: string;
  pidsLimit: number;
  tmpMb: number;
  nofile: number;
  /** Size cap of the code tmpfs; the unzipped code limit by default. */
  codeMb?: number;
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

  constructor(private readonly options: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: options.socketPath });
  }

  /** Creates the function network when missing (idempotent across invokers). */
  async prepare(): Promise<void> {
    try {
      await this.docker.getNetwork(this.options.network).inspect();
      return;
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
  }

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    const codeMb = this.options.codeMb ?? Math.ceil(LIMITS.unzippedCodeBytes / MIB);
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      User: FUNCTION_USER,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      HostConfig: {
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        Memory: spec.memoryMb * MIB,
        MemorySwap: spec.memoryMb * MIB,
        NanoCpus: spec.cpuMillicores * 1_000_000,
        PidsLimit: this.options.pidsLimit,
        Ulimits: [{ Name: 'nofile', Soft: this.options.nofile, Hard: this.options.nofile }],
        Tmpfs: {
          '/tmp': `rw,noexec,nosuid,size=${this.options.tmpMb}m,uid=1000,gid=1000,mode=1777`,
          [CODE_ROOT]: `rw,exec,nosuid,size=${codeMb}m,uid=1000,gid=1000,mode=0755`,
        },
        NetworkMode: this.options.network,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
        AutoRemove: false,
      },
    });
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
}
