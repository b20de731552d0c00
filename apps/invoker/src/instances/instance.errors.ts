import { ErrorCode, RuntimeErrorObject } from '@ofg/contracts';

/** The function's own initialisation failed (initializer error, handler module not loadable): a function error. */
export class InstanceInitError extends Error {
  override readonly name = 'InstanceInitError';
  constructor(
    readonly error: RuntimeErrorObject,
    readonly log: string,
  ) {
    super(error.errorMessage);
  }
}

/** The platform could not bring an instance up (engine, image, code package, bootstrap): a platform error. */
export class InstanceStartError extends Error {
  override readonly name: string = 'InstanceStartError';
  constructor(
    message: string,
    readonly errorCode: ErrorCode = 'FSS.0500',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Which limit kept a request from an instance. */
export type CapacityLimit = 'max_instances' | 'memory' | 'disabled';

export const CAPACITY_MESSAGES: Record<CapacityLimit, string> = {
  max_instances: 'the function reached its maximum instances',
  memory: 'no memory is left on the invoker for another instance of the function',
  // The gateway's words for the same refusal.
  disabled: 'Function Disabled',
};

/** The function is disabled, or no instance could be had within the wait bound: FSS.0429 (HTTP 429). */
export class InstanceCapacityError extends InstanceStartError {
  override readonly name: string = 'InstanceCapacityError';
  constructor(readonly limit: CapacityLimit) {
    super(CAPACITY_MESSAGES[limit], 'FSS.0429');
  }
}
