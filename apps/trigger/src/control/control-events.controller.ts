import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CONTROL_EVENTS, TriggerChangedEvent } from '@ofg/contracts';
import { TimerSchedulerService } from '../timers/timer-scheduler.service';

function isTriggerChangedEvent(value: unknown): value is TriggerChangedEvent {
  const v = value as Partial<TriggerChangedEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.triggerId === 'string' && v.triggerId.length > 0;
}

/**
 * Control events from the gateway on the Redis transport. Every trigger replica receives each event; reconciling
 * is idempotent, so they all converge on the same schedulers.
 */
@Controller()
export class ControlEventsController {
  private readonly logger = new Logger(ControlEventsController.name);

  constructor(private readonly scheduler: TimerSchedulerService) {}

  @EventPattern(CONTROL_EVENTS.triggerChanged)
  async onTriggerChanged(@Payload() event: unknown): Promise<void> {
    if (!isTriggerChangedEvent(event)) {
      this.logger.warn({ event }, 'ignoring a malformed trigger-changed event');
      return;
    }
    try {
      const action = await this.scheduler.reconcileTrigger(event.triggerId);
      this.logger.log({ triggerId: event.triggerId, action }, 'trigger change applied');
    } catch (err) {
      // Pub/sub has no redelivery; the periodic reconcile picks this trigger up instead.
      this.logger.warn({ triggerId: event.triggerId, err }, 'could not apply a trigger change yet');
    }
  }
}
