import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AsyncConfigChangedEvent, CONTROL_EVENTS, InvocationAbortEvent } from '@ofg/contracts';
import { INVOKER_CONFIG, InvokerConfig } from '../config/invoker.config';
import { AsyncAbortRegistry } from './async-abort.registry';
import { AsyncPolicyCache } from './async-policy';

function isAsyncConfigChanged(value: unknown): value is AsyncConfigChangedEvent {
  const v = value as Partial<AsyncConfigChangedEvent> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.projectId === 'string' &&
    typeof v.functionId === 'string' &&
    typeof v.qualifier === 'string'
  );
}

function isInvocationAbort(value: unknown): value is InvocationAbortEvent {
  const v = value as Partial<InvocationAbortEvent> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.requestId === 'string' &&
    typeof v.invokerId === 'string' &&
    typeof v.attempt === 'number'
  );
}

/** Async control events: a changed config drops the cached policy; a stopped request is killed where it runs. */
@Controller()
export class AsyncEventsController {
  private readonly logger = new Logger(AsyncEventsController.name);

  constructor(
    @Inject(AsyncPolicyCache) private readonly policies: AsyncPolicyCache,
    @Inject(AsyncAbortRegistry) private readonly aborts: AsyncAbortRegistry,
    @Inject(INVOKER_CONFIG) private readonly config: InvokerConfig,
  ) {}

  @EventPattern(CONTROL_EVENTS.asyncConfigChanged)
  onAsyncConfigChanged(@Payload() event: unknown): void {
    if (!isAsyncConfigChanged(event)) {
      this.logger.warn({ msg: 'ignoring a malformed async-config-changed event', event });
      return;
    }
    this.policies.evict(event.projectId, event.functionId, event.qualifier);
  }

  @EventPattern(CONTROL_EVENTS.invocationAbort)
  onInvocationAbort(@Payload() event: unknown): void {
    if (!isInvocationAbort(event)) {
      this.logger.warn({ msg: 'ignoring a malformed invocation-abort event', event });
      return;
    }
    if (event.invokerId && event.invokerId !== this.config.invokerId) return;
    if (this.aborts.abort(event.requestId, event.attempt))
      this.logger.warn({ msg: 'aborting a stopped async request', requestId: event.requestId });
  }
}
