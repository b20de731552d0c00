import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CONTROL_EVENTS, FunctionChangedEvent, TriggerChangedEvent } from '@ofg/contracts';
import { ApigRouteTable } from './apig-route.table';

/** Trigger and function changes (from any replica) evict the project's cached APIs. */
@Controller()
export class ApigEventsListener {
  constructor(private readonly routes: ApigRouteTable) {}

  @EventPattern(CONTROL_EVENTS.triggerChanged)
  onTriggerChanged(@Payload() event: Partial<TriggerChangedEvent> | null): void {
    if (typeof event?.projectId === 'string') this.routes.evictProject(event.projectId);
  }

  /** A deleted function or version takes its triggers with it. */
  @EventPattern(CONTROL_EVENTS.functionChanged)
  onFunctionChanged(@Payload() event: Partial<FunctionChangedEvent> | null): void {
    if (typeof event?.projectId === 'string') this.routes.evictProject(event.projectId);
  }
}
