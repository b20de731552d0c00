import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONTAINER_LABELS, ContainerRuntime, invokerInboxKey } from '@ofg/contracts';
import { handOverInbox } from '@ofg/queue';
import { REDIS_CLIENT } from '../health/invoker.health';
import { CONTAINER_RUNTIME } from '../runtime/container-runtime.token';

/**
 * Cleans up after a dead invoker: removes the containers it left on this engine, so its reserved instances are not
 * counted twice, and hands the sync jobs still queued in its inbox to the shared one.
 */
@Injectable()
export class DeadInvokerSweeper {
  private readonly logger = new Logger(DeadInvokerSweeper.name);

  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    // Absent in unit tests of the container part.
    @Optional() @Inject(REDIS_CLIENT) private readonly redis?: Redis,
  ) {}

  async sweep(deadInvokerId: string): Promise<number> {
    if (this.redis) {
      const moved = await handOverInbox(this.redis, invokerInboxKey(deadInvokerId));
      if (moved > 0)
        this.logger.log({
          msg: "moved a dead invoker's queued sync jobs to the shared inbox",
          deadInvokerId,
          moved,
        });
    }
    const found = await this.runtime.list({
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: deadInvokerId,
    });
    await Promise.all(found.map((c) => this.runtime.remove(c.id)));
    if (found.length > 0)
      this.logger.log({ msg: 'removed containers of a dead invoker', deadInvokerId, count: found.length });
    return found.length;
  }
}
