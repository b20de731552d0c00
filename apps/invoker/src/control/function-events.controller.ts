import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CONTROL_EVENTS, FunctionChangedEvent } from '@ofg/contracts';
import { InstancePoolService } from '../instances/instance-pool.service';
import { AgencyCredentialsService } from '../secrets/agency-credentials.service';

function isFunctionChangedEvent(value: unknown): value is FunctionChangedEvent {
  const v = value as Partial<FunctionChangedEvent> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.functionId === 'string' &&
    typeof v.projectId === 'string' &&
    (v.action === 'updated' || v.action === 'deleted' || v.action === 'versions')
  );
}

/** Function changes published by the gateway: every invoker drops its now-stale instances of that function. */
@Controller()
export class FunctionEventsController {
  private readonly logger = new Logger(FunctionEventsController.name);

  constructor(
    private readonly pool: InstancePoolService,
    private readonly credentials: AgencyCredentialsService,
  ) {}

  @EventPattern(CONTROL_EVENTS.functionChanged)
  async onFunctionChanged(@Payload() event: unknown): Promise<void> {
    if (!isFunctionChangedEvent(event)) {
      this.logger.warn({ msg: 'ignoring a malformed function-changed event', event });
      return;
    }
    // Published versions never change, and an alias only steers requests: no instance runs anything stale.
    if (event.action === 'versions') return;
    // The agency may have changed or gone: the next instance reads it again and gets fresh credentials.
    this.credentials.forget(event.projectId, event.functionId);
    // A missed event only delays the cleanup until the idle keep-alive expires.
    const retired = await this.pool.retireFunction(
      event.projectId,
      event.functionId,
      event.action === 'deleted',
    );
    if (retired > 0)
      this.logger.log({
        msg: 'retired instances of a changed function',
        functionId: event.functionId,
        action: event.action,
        retired,
      });
  }
}
