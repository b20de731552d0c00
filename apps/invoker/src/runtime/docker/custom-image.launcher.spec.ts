import { CustomImageRun, FgsError } from '@ofg/contracts';
import {
  AGENT_FILES_LABEL,
  CustomImageLauncher,
  ImageConfig,
  ImageEngine,
  imageArgv,
} from './custom-image.launcher';

const RUN: CustomImageRun = { image: 'team/app:1', command: [], args: [], uid: 1000, gid: 1000 };
const LABELS = { 'io.openfunctiongraph.managed': 'true', 'io.openfunctiongraph.invoker-id': 'inv-1' };

/** An engine that knows some images and counts the files containers it creates. */
class FakeEngine {
  readonly created: { name?: string; Image?: string; Labels?: Record<string, string>; Volumes?: object }[] =
    [];
  failCreate: { statusCode: number } | undefined;

  constructor(private readonly images: Record<string, ImageConfig>) {}

  getImage(name: string) {
    return {
      inspect: async () => {
        const config = this.images[name];
        if (!config) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return { Config: config };
      },
    };
  }

  async createContainer(options: { name?: string; Image?: string; Labels?: Record<string, string> }) {
    await Promise.resolve();
    if (this.failCreate) throw Object.assign(new Error('engine says no'), this.failCreate);
    this.created.push(options);
    return { id: `files-${this.created.length}` };
  }
}

function launcher(engine: FakeEngine): CustomImageLauncher {
  return new CustomImageLauncher(engine as unknown as ImageEngine);
}

describe('imageArgv', () => {
  const image: ImageConfig = { Entrypoint: ['/entry'], Cmd: ['serve', '--fast'] };

  it('follows the Kubernetes rules for command and args over ENTRYPOINT and CMD', () => {
    expect(imageArgv({ command: [], args: [] }, image)).toEqual(['/entry', 'serve', '--fast']);
    expect(imageArgv({ command: ['node', 'app.js'], args: [] }, image)).toEqual(['node', 'app.js']);
    expect(imageArgv({ command: [], args: ['once'] }, image)).toEqual(['/entry', 'once']);
    expect(imageArgv({ command: ['/bin/sh', '-c'], args: ['echo hi'] }, image)).toEqual([
      '/bin/sh',
      '-c',
      'echo hi',
    ]);
    expect(imageArgv({ command: [], args: [] }, { Entrypoint: null, Cmd: 'shell form' })).toEqual([
      'shell form',
    ]);
    expect(imageArgv({ command: [], args: [] }, {})).toEqual([]);
  });
});

describe('CustomImageLauncher', () => {
  it('resolves how the image runs and shares one agent files container between starts', async () => {
    const engine = new FakeEngine({ 'team/app:1': { Cmd: ['node', 'server.js'], WorkingDir: '/app' } });
    const images = launcher(engine);
    const [first, second] = await Promise.all([
      images.prepare(RUN, 'agent:latest', LABELS),
      images.prepare({ ...RUN, workingDir: '/override', uid: 2000, gid: 2001 }, 'agent:latest', LABELS),
    ]);
    expect(first).toMatchObject({
      image: 'team/app:1',
      uid: 1000,
      gid: 1000,
      workingDir: '/app',
      volumesFrom: ['files-1:ro'],
      env: {
        BOOTSTRAP_PORT: '31000',
        RUNTIME_CODE_ROOT: '/opt/function/code',
        OFG_AGENT_COMMAND: '["node","server.js"]',
      },
    });
    expect(second).toMatchObject({
      workingDir: '/override',
      uid: 2000,
      gid: 2001,
      volumesFrom: ['files-1:ro'],
    });
    expect(engine.created).toHaveLength(1);
    expect(engine.created[0]).toMatchObject({
      Image: 'agent:latest',
      Labels: { ...LABELS, [AGENT_FILES_LABEL]: 'true' },
      Volumes: { '/opt/ofg-agent': {} },
    });
    expect(engine.created[0].name).toMatch(/^ofg-inv-1-agent-files-[0-9a-f]{8}$/);

    images.forgetAgentFiles();
    await expect(images.prepare(RUN, 'agent:latest', LABELS)).resolves.toMatchObject({
      volumesFrom: ['files-2:ro'],
    });
  });

  it('refuses an image that is not on the host with FSS.1035, and a missing agent image with FSS.0503', async () => {
    const engine = new FakeEngine({ 'team/app:1': {} });
    const images = launcher(engine);
    const missing = await images
      .prepare({ ...RUN, image: 'team/absent:2' }, 'agent:latest', LABELS)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FgsError);
    expect(missing).toMatchObject({ code: 'FSS.1035' });
    expect((missing as Error).message).toContain('team/absent:2');
    expect(engine.created).toHaveLength(0);

    engine.failCreate = { statusCode: 404 };
    await expect(images.prepare(RUN, 'agent:gone', LABELS)).rejects.toMatchObject({ code: 'FSS.0503' });
    // A failed files container is not remembered: the next start tries again.
    engine.failCreate = undefined;
    await expect(images.prepare(RUN, 'agent:gone', LABELS)).resolves.toMatchObject({
      volumesFrom: ['files-1:ro'],
    });
  });
});
