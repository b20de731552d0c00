import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { CONTROL_EVENTS } from '@ofg/contracts';
import { ReservedInstancesReconciler } from './reserved-instances.reconciler';

/** A reservation changed through the gateway: every invoker reconciles its share now rather than at the next tick. */
@Controller()
export class ReservedInstancesEventsController {
  constructor(
    @Inject(ReservedInstancesReconciler) private readonly reconciler: ReservedInstancesReconciler,
  ) {}

  @EventPattern(CONTROL_EVENTS.reservedInstancesChanged)
  async onReservedInstancesChanged(): Promise<void> {
    // The payload is not needed: a reconcile reads every reservation, and a missed event waits for the next tick.
    await this.reconciler.reconcile();
  }
}
