import { Injectable } from '@nestjs/common';

/** The async requests this invoker is running, so `ofg.invocation.abort` can stop the right attempt. */
@Injectable()
export class AsyncAbortRegistry {
  private readonly running = new Map<string, { attempt: number; controller: AbortController }>();

  /** The signal aborted when the gateway stops this attempt of the request. */
  register(requestId: string, attempt: number): AbortSignal {
    const controller = new AbortController();
    this.running.set(requestId, { attempt, controller });
    return controller.signal;
  }

  unregister(requestId: string, signal: AbortSignal): void {
    if (this.running.get(requestId)?.controller.signal === signal) this.running.delete(requestId);
  }

  /** True when this invoker ran that attempt (or a later one; a stop targets the request) and it is now aborted. */
  abort(requestId: string, attempt: number): boolean {
    const entry = this.running.get(requestId);
    if (!entry || entry.attempt < attempt) return false;
    entry.controller.abort(new Error('the async request was stopped'));
    return true;
  }
}
