import { Logger } from '@nestjs/common';
import { FgsError } from '@ofg/contracts';
import { IdentityRepository } from '@ofg/data-access';
import { PushMetrics } from './push.metrics';

const PROJECT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The domain of a project a push names; 404 when there is no such project. */
export async function pushProjectDomain(identity: IdentityRepository, projectId: string): Promise<string> {
  const project = PROJECT_ID.test(projectId) ? await identity.findProjectById(projectId) : null;
  if (!project) throw new FgsError('FSS.0404', `Project ${projectId.slice(0, 64)} not found`);
  return project.domainId;
}

/**
 * Runs a push and counts its answer: platform faults (database, queue) become 503 so the pusher retries the whole push,
 * never a 500 it would give up on; errors of the push itself keep their 4xx.
 */
export async function servePush<T>(
  logger: Logger,
  metrics: PushMetrics,
  source: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    const result = await work();
    metrics.pushed(source, 200);
    return result;
  } catch (err) {
    if (err instanceof FgsError) {
      metrics.pushed(source, err.status);
      throw err;
    }
    logger.error({ err }, `${source} push failed`);
    metrics.pushed(source, 503);
    throw new FgsError('FSS.0503', 'The push could not be accepted now, retry later');
  }
}
