import type Docker from 'dockerode';
import { CODE_ROOT, ContainerSpec } from '@ofg/contracts';
import { ImageLaunch } from './custom-image.launcher';

const MIB = 1024 * 1024;
/** The runtime images run their bootstrap as this user (see runtimes/*). */
const FUNCTION_UID = 1000;

/** The invoker's limits for every function container. */
export interface HardeningSettings {
  network: string;
  pidsLimit: number;
  tmpMb: number;
  nofile: number;
  codeMb: number;
}

/**
 * The engine's create options of a function container: non-root, no capabilities, no new privileges, read-only root,
 * memory without swap, CPU, pids and nofile limits, tmpfs for /tmp and the code, the function network. A
 * container-image function (`launch`) gets the same, with its own image, user, working directory and the agent.
 */
export function containerCreateOptions(
  spec: ContainerSpec,
  settings: HardeningSettings,
  launch?: ImageLaunch,
): Docker.ContainerCreateOptions {
  const uid = launch?.uid ?? FUNCTION_UID;
  const gid = launch?.gid ?? FUNCTION_UID;
  const env = { ...spec.env, ...launch?.env };
  const hostConfig: Docker.HostConfig = {
    ReadonlyRootfs: true,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges:true'],
    Memory: spec.memoryMb * MIB,
    MemorySwap: spec.memoryMb * MIB,
    NanoCpus: spec.cpuMillicores * 1_000_000,
    PidsLimit: settings.pidsLimit,
    Ulimits: [{ Name: 'nofile', Soft: settings.nofile, Hard: settings.nofile }],
    Tmpfs: {
      '/tmp': `rw,noexec,nosuid,size=${settings.tmpMb}m,uid=${uid},gid=${gid},mode=1777`,
      [CODE_ROOT]: `rw,exec,nosuid,size=${settings.codeMb}m,uid=${uid},gid=${gid},mode=0755`,
    },
    NetworkMode: settings.network,
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
    AutoRemove: false,
  };
  const options: Docker.ContainerCreateOptions = {
    name: spec.name,
    Image: launch?.image ?? spec.image,
    User: `${uid}:${gid}`,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    HostConfig: hostConfig,
  };
  if (launch) {
    options.Entrypoint = launch.entrypoint;
    // With an explicit entrypoint the engine drops the image's CMD; an empty list keeps it that way.
    options.Cmd = [];
    options.WorkingDir = launch.workingDir;
    hostConfig.VolumesFrom = launch.volumesFrom;
  }
  return options;
}
