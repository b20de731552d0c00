/** Control events carried between apps on @nestjs/microservices' Redis transport. Renaming one breaks running peers. */
export const CONTROL_EVENTS = {
  /** A trigger was created, changed status or was deleted: trigger services reconcile it. */
  triggerChanged: 'ofg.trigger.changed',
  /** A function's code or configuration changed or it was deleted: invokers drop stale instances. */
  functionChanged: 'ofg.function.changed',
  /** A function's reserved-instance count changed: invokers reconcile their share of the reserved instances. */
  reservedInstancesChanged: 'ofg.reserved-instances.changed',
  /** An async notification config was put or deleted: invokers drop their cached policy of that qualifier. */
  asyncConfigChanged: 'ofg.async-config.changed',
  /** A RUNNING async request was stopped (its ledger row is already DISCARD): the invoker running it kills it. */
  invocationAbort: 'ofg.invocation.abort',
} as const;

export interface TriggerChangedEvent {
  triggerId: string;
  projectId: string;
  action: 'upsert' | 'delete';
}

export interface FunctionChangedEvent {
  functionId: string;
  projectId: string;
  /** `versions`: a version was published or deleted or an alias changed; nothing an instance runs changed. */
  action: 'updated' | 'deleted' | 'versions';
}

export interface ReservedInstancesChangedEvent {
  functionId: string;
  projectId: string;
  /** `latest`, a version name or an alias name. */
  qualifier: string;
  count: number;
}

export interface AsyncConfigChangedEvent {
  functionId: string;
  projectId: string;
  /** `latest`, a version name or an alias name. */
  qualifier: string;
  action: 'upsert' | 'delete';
}

export interface InvocationAbortEvent {
  requestId: string;
  projectId: string;
  functionId: string;
  /** The invoker that held the request when it was stopped ('' when unknown); others may ignore the event. */
  invokerId: string;
  /** The attempt that was running; a later attempt is not this one. */
  attempt: number;
  /** `force` or `recursive` as the caller asked; absent means a plain stop. */
  type?: 'force' | 'recursive';
}
