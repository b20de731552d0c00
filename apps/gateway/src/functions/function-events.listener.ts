import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CONTROL_EVENTS, FunctionChangedEvent } from '@ofg/contracts';
import { FunctionLookupCache } from './function-lookup.cache';

/** Changes made through other gateway replicas evict this replica's cached lookups of that function. */
@Controller()
export class FunctionEventsListener {
  constructor(private readonly cache: FunctionLookupCache) {}

  @EventPattern(CONTROL_EVENTS.functionChanged)
  onFunctionChanged(@Payload() event: Partial<FunctionChangedEvent> | null): void {
    if (typeof event?.functionId === 'string') this.cache.evictFunction(event.functionId);
  }
}
