import { Injectable } from '@nestjs/common';
import { TriggerEntity, TriggerRepository } from '@ofg/data-access';

/** The fields of a TIMER trigger the scheduler needs. */
export type TimerTriggerRecord = Pick<TriggerEntity, 'id' | 'projectId' | 'triggerStatus' | 'eventData'>;

/** Where the desired timer schedules come from (Postgres in the app, a fake in tests). */
export interface TimerTriggerSource {
  /** The TIMER trigger with this id, or null when it does not exist or is another type. */
  findTimer(id: string): Promise<TimerTriggerRecord | null>;
  /** Every TIMER trigger, active or not. */
  listTimers(): Promise<TimerTriggerRecord[]>;
}

export const TIMER_TRIGGER_SOURCE = Symbol('TIMER_TRIGGER_SOURCE');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** TIMER triggers read from Postgres across every tenant. */
@Injectable()
export class RepositoryTimerTriggerSource implements TimerTriggerSource {
  constructor(private readonly triggers: TriggerRepository) {}

  async findTimer(id: string): Promise<TimerTriggerRecord | null> {
    // The id column is a uuid: anything else would be a query error, not a miss.
    if (!UUID.test(id)) return null;
    const trigger = await this.triggers.findAnyById(id);
    return trigger && trigger.triggerTypeCode === 'TIMER' ? trigger : null;
  }

  listTimers(): Promise<TimerTriggerRecord[]> {
    return this.triggers.listAllOfType('TIMER');
  }
}
