import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CONTROL_EVENTS, TriggerChangedEvent } from '@ofg/contracts';
import { SourceRegistryService } from '../sources/source-registry.service';
import { TimerSchedulerService } from '../timers/timer-scheduler.service';

function isTriggerChangedEvent(value: unknown): value is TriggerChangedEvent {
  const v = value as Partial<TriggerChangedEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.triggerId === 'string' && v.triggerId.length > 0;
}

/**
 * Control events from the gateway on the Redis transport. Every trigger replica receives each event; reconciling
 * is idempotent, so they all converge on the same timer schedulers and source consumers.
 */
@Controller()
export class ControlEventsController {
  private readonly logger = new Logger(ControlEventsController.name);

  constructor(
    private readonly scheduler: TimerSchedulerService,
    private readonly sources: SourceRegistryService,
  ) {}

  @EventPattern(CONTROL_EVENTS.triggerChanged)
  async onTriggerChanged(@Payload() event: unknown): Promise<void> {
    if (!isTriggerChangedEvent(event)) {
      this.logger.warn({ event }, 'ignoring a malformed trigger-changed event');
      return;
    }
    // Either side may own the trigger (a timer or a message/stream source); each ignores triggers of other types.
    await Promise.all([
      this.apply(event.triggerId, 'timer', () => this.scheduler.reconcileTrigger(event.triggerId)),
      this.apply(event.triggerId, 'source', () => this.sources.reconcileTrigger(event.triggerId)),
    ]);
  }

  private async apply(triggerId: string, kind: string, reconcile: () => Promise<string>): Promise<void> {
    try {
      const action = await reconcile();
      if (action !== 'absent') this.logger.log({ triggerId, kind, action }, 'trigger change applied');
    } catch (err) {
      // Pub/sub has no redelivery; the periodic reconcile picks this trigger up instead.
      this.logger.warn({ triggerId, kind, err }, 'could not apply a trigger change yet');
    }
  }
}
