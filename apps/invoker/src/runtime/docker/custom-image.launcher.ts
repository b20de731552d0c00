import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { BOOTSTRAP_PORT, CODE_ROOT, CONTAINER_LABELS, CustomImageRun, FgsError } from '@ofg/contracts';

/** The agent's self-contained files in the runtime-custom image (runtimes/custom/Dockerfile), mounted read-only into images. */
export const AGENT_DIR = '/opt/ofg-agent';

/** The agent starts through its own loader and libraries, so it runs whatever libc the user's image has (or none). */
export const AGENT_ENTRYPOINT = [
  `${AGENT_DIR}/lib/ld.so`,
  '--library-path',
  `${AGENT_DIR}/lib`,
  `${AGENT_DIR}/bin/node`,
  `${AGENT_DIR}/agent/agent.js`,
];

/** Marks the never-started container whose volume holds the agent's files for VolumesFrom. */
export const AGENT_FILES_LABEL = 'io.openfunctiongraph.agent-files';

/** The parts of an image's config that decide how it runs. */
export interface ImageConfig {
  Entrypoint?: string | string[] | null;
  Cmd?: string | string[] | null;
  WorkingDir?: string;
}

/** How a container-image function's container differs from a runtime container. */
export interface ImageLaunch {
  image: string;
  uid: number;
  gid: number;
  entrypoint: string[];
  workingDir: string;
  /** What the agent needs on top of the function's environment (the image's own variables stay). */
  env: Record<string, string>;
  volumesFrom: string[];
}

/** The engine calls the launcher makes (dockerode, or a stand-in in tests). */
export type ImageEngine = Pick<Docker, 'getImage' | 'createContainer'>;

/** The function process of an image: custom_image command/args replace ENTRYPOINT/CMD as Kubernetes does. */
export function imageArgv(run: Pick<CustomImageRun, 'command' | 'args'>, config: ImageConfig): string[] {
  const entrypoint = run.command.length > 0 ? run.command : list(config.Entrypoint);
  const cmd = run.args.length > 0 ? run.args : run.command.length > 0 ? [] : list(config.Cmd);
  return [...entrypoint, ...cmd];
}

/** The engine reports a shell-form value as one string. */
function list(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Prepares container-image functions: the image must already be on the Docker host (nothing is pulled), and the agent
 * comes from one files container per invoker whose volume every image container mounts read-only.
 */
export class CustomImageLauncher {
  private readonly files = new Map<string, Promise<string>>();

  constructor(private readonly docker: ImageEngine) {}

  async prepare(
    run: CustomImageRun,
    agentImage: string,
    labels: Record<string, string>,
  ): Promise<ImageLaunch> {
    const config = await this.inspectImage(run.image);
    const filesId = await this.agentFiles(agentImage, labels);
    return {
      image: run.image,
      uid: run.uid,
      gid: run.gid,
      entrypoint: AGENT_ENTRYPOINT,
      workingDir: run.workingDir ?? (config.WorkingDir || '/'),
      env: {
        BOOTSTRAP_PORT: String(BOOTSTRAP_PORT),
        RUNTIME_CODE_ROOT: CODE_ROOT,
        OFG_AGENT_COMMAND: JSON.stringify(imageArgv(run, config)),
      },
      volumesFrom: [`${filesId}:ro`],
    };
  }

  /** The files container vanished (removed by hand or by a sweep): the next start creates a new one. */
  forgetAgentFiles(): void {
    this.files.clear();
  }

  private async inspectImage(image: string): Promise<ImageConfig> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return (info.Config as ImageConfig | undefined) ?? {};
    } catch (err) {
      if (statusOf(err) === 404) {
        throw new FgsError(
          'FSS.1035',
          `Image ${image} not found: it is not on the Docker host of the invoker, and images are not pulled here; ` +
            'build or load it on that host (docker build / docker load)',
        );
      }
      throw new FgsError('FSS.1401', `Failed to obtain the image ${image}: ${(err as Error).message}`);
    }
  }

  private agentFiles(agentImage: string, labels: Record<string, string>): Promise<string> {
    let files = this.files.get(agentImage);
    if (!files) {
      files = this.createAgentFiles(agentImage, labels);
      this.files.set(agentImage, files);
      files.catch(() => this.files.delete(agentImage));
    }
    return files;
  }

  /** Creating the container copies the image's agent directory into its anonymous volume; it is never started. */
  private async createAgentFiles(agentImage: string, labels: Record<string, string>): Promise<string> {
    const invokerId = labels[CONTAINER_LABELS.invokerId] ?? 'unknown';
    try {
      const container = await this.docker.createContainer({
        name: `ofg-${invokerId}-agent-files-${randomBytes(4).toString('hex')}`,
        Image: agentImage,
        // Swept with the invoker's function containers at its start and shutdown.
        Labels: {
          [CONTAINER_LABELS.managed]: 'true',
          [CONTAINER_LABELS.invokerId]: invokerId,
          [AGENT_FILES_LABEL]: 'true',
        },
        Volumes: { [AGENT_DIR]: {} },
        NetworkDisabled: true,
        HostConfig: { NetworkMode: 'none', AutoRemove: false },
      });
      return container.id;
    } catch (err) {
      if (statusOf(err) === 404) {
        throw new FgsError(
          'FSS.0503',
          `The runtime image ${agentImage} is not on the Docker host; build it with scripts/build-images.sh`,
        );
      }
      throw err;
    }
  }
}
