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
  override readonly name = 'InstanceStartError';
  constructor(
    message: string,
    readonly errorCode: ErrorCode = 'FSS.0500',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
