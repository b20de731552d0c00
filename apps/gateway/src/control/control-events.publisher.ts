import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom, timeout } from 'rxjs';
import {
  AsyncConfigChangedEvent,
  CONTROL_EVENTS,
  FunctionChangedEvent,
  InvocationAbortEvent,
  ReservedInstancesChangedEvent,
  TriggerChangedEvent,
} from '@ofg/contracts';

export const CONTROL_CLIENT = Symbol('CONTROL_CLIENT');
const EMIT_TIMEOUT_MS = 2000;

/**
 * Publishes control events on the microservices Redis transport. A failed emit is logged, not fatal:
 * trigger services and invokers also reconcile from Postgres on start and periodically.
 */
@Injectable()
export class ControlEventsPublisher {
  private readonly logger = new Logger(ControlEventsPublisher.name);

  constructor(@Inject(CONTROL_CLIENT) private readonly client: ClientProxy) {}

  emitTriggerChanged(event: TriggerChangedEvent): Promise<void> {
    return this.emit(CONTROL_EVENTS.triggerChanged, event);
  }

  emitFunctionChanged(event: FunctionChangedEvent): Promise<void> {
    return this.emit(CONTROL_EVENTS.functionChanged, event);
  }

  emitReservedInstancesChanged(event: ReservedInstancesChangedEvent): Promise<void> {
    return this.emit(CONTROL_EVENTS.reservedInstancesChanged, event);
  }

  emitAsyncConfigChanged(event: AsyncConfigChangedEvent): Promise<void> {
    return this.emit(CONTROL_EVENTS.asyncConfigChanged, event);
  }

  emitInvocationAbort(event: InvocationAbortEvent): Promise<void> {
    return this.emit(CONTROL_EVENTS.invocationAbort, event);
  }

  private async emit(
    pattern: string,
    event:
      | TriggerChangedEvent
      | FunctionChangedEvent
      | ReservedInstancesChangedEvent
      | AsyncConfigChangedEvent
      | InvocationAbortEvent,
  ): Promise<void> {
    try {
      await lastValueFrom(this.client.emit(pattern, event).pipe(timeout(EMIT_TIMEOUT_MS)), {
        defaultValue: undefined,
      });
    } catch (err) {
      this.logger.warn(
        `control event ${pattern} not published (${err instanceof Error ? err.message : String(err)}): ${JSON.stringify(event)}`,
      );
    }
  }
}
