/** Control events carried between apps on @nestjs/microservices' Redis transport. Renaming one breaks running peers. */
export const CONTROL_EVENTS = {
  /** A trigger was created, changed status or was deleted: trigger services reconcile it. */
  triggerChanged: 'ofg.trigger.changed',
  /** A function's code or configuration changed or it was deleted: invokers drop stale instances. */
  functionChanged: 'ofg.function.changed',
} as const;

export interface TriggerChangedEvent {
  triggerId: string;
  projectId: string;
  action: 'upsert' | 'delete';
}

export interface FunctionChangedEvent {
  functionId: string;
  projectId: string;
  action: 'updated' | 'deleted';
}
