import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONTAINER_LABELS, ContainerRuntime } from '@ofg/contracts';
import { CONTAINER_RUNTIME } from '../runtime/container-runtime.token';

/** Removes the containers a dead invoker left on this engine, so its reserved instances are not counted twice. */
@Injectable()
export class DeadInvokerSweeper {
  private readonly logger = new Logger(DeadInvokerSweeper.name);

  constructor(@Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime) {}

  async sweep(deadInvokerId: string): Promise<number> {
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
