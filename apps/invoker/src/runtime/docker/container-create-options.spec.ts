import { ContainerSpec } from '@ofg/contracts';
import { containerCreateOptions, HardeningSettings } from './container-create-options';
import { AGENT_ENTRYPOINT, ImageLaunch } from './custom-image.launcher';

const SETTINGS: HardeningSettings = {
  network: 'fn-net',
  pidsLimit: 128,
  tmpMb: 64,
  nofile: 1024,
  codeMb: 500,
};

const SPEC: ContainerSpec = {
  name: 'ofg-inv-abc',
  image: 'openfunctiongraph/runtime-custom:latest',
  memoryMb: 256,
  cpuMillicores: 400,
  labels: { 'io.openfunctiongraph.managed': 'true' },
  env: { A: '1' },
};

describe('containerCreateOptions', () => {
  it('hardens a runtime container: user 1000, no capabilities, read-only root, limits, function network', () => {
    const options = containerCreateOptions(SPEC, SETTINGS);
    expect(options).toMatchObject({
      name: 'ofg-inv-abc',
      Image: 'openfunctiongraph/runtime-custom:latest',
      User: '1000:1000',
      Env: ['A=1'],
      HostConfig: {
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        Memory: 256 * 1024 * 1024,
        MemorySwap: 256 * 1024 * 1024,
        NanoCpus: 400_000_000,
        PidsLimit: 128,
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
        Tmpfs: {
          '/tmp': 'rw,noexec,nosuid,size=64m,uid=1000,gid=1000,mode=1777',
          '/opt/function/code': 'rw,exec,nosuid,size=500m,uid=1000,gid=1000,mode=0755',
        },
        NetworkMode: 'fn-net',
      },
    });
    expect(options.Entrypoint).toBeUndefined();
    expect(options.HostConfig?.VolumesFrom).toBeUndefined();
  });

  it('runs a container image with the same hardening, as its user, with the agent as entrypoint', () => {
    const launch: ImageLaunch = {
      image: 'team/app:1',
      uid: 2000,
      gid: 3000,
      entrypoint: AGENT_ENTRYPOINT,
      workingDir: '/srv',
      env: { OFG_AGENT_COMMAND: '["node","server.js"]', A: 'from-launch' },
      volumesFrom: ['files:ro'],
    };
    const options = containerCreateOptions(SPEC, SETTINGS, launch);
    const plain = containerCreateOptions(SPEC, SETTINGS);
    expect(options).toMatchObject({
      Image: 'team/app:1',
      User: '2000:3000',
      Entrypoint: AGENT_ENTRYPOINT,
      Cmd: [],
      WorkingDir: '/srv',
      HostConfig: {
        VolumesFrom: ['files:ro'],
        Tmpfs: {
          '/tmp': 'rw,noexec,nosuid,size=64m,uid=2000,gid=3000,mode=1777',
          '/opt/function/code': 'rw,exec,nosuid,size=500m,uid=2000,gid=3000,mode=0755',
        },
      },
    });
    expect(options.Env).toEqual(['A=from-launch', 'OFG_AGENT_COMMAND=["node","server.js"]']);
    for (const key of [
      'ReadonlyRootfs',
      'CapDrop',
      'SecurityOpt',
      'Memory',
      'MemorySwap',
      'NanoCpus',
      'PidsLimit',
      'Ulimits',
      'NetworkMode',
    ] as const) {
      expect(options.HostConfig?.[key]).toEqual(plain.HostConfig?.[key]);
    }
  });
});
