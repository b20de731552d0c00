import type { TriggerDto } from '@ofg/contracts';
import type { TriggerEntity } from '@ofg/data-access';

/** Rules of a trigger type beyond the function's own triggers, and what the API answers in addition. */
export interface TriggerTypeHooks {
  readonly types: readonly string[];
  /** Checks across the project (e.g. API names per group) and adds server-set fields; `current` on update. */
  prepare(input: {
    projectId: string;
    type: string;
    eventData: Record<string, unknown>;
    current?: TriggerEntity;
    /** The function the trigger is (to be) bound to. */
    functionId?: string;
  }): Promise<Record<string, unknown>>;
  /** The trigger object as answered (response-only event_data fields). */
  decorate(trigger: TriggerEntity, dto: TriggerDto): TriggerDto;
  /** Forgets cached state of a project whose triggers this gateway just changed. */
  forget(projectId: string): void;
}

/** Multi-provider token: every TriggerTypeHooks the gateway has. */
export const TRIGGER_TYPE_HOOKS = Symbol('TRIGGER_TYPE_HOOKS');
