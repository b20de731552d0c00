import { randomUUID } from 'node:crypto';
import { FunctionSnapshot, InvocationJob, InvocationReply } from '@ofg/contracts';

/** A job of the queue specs (libs/testing's builder is out of this library's reach): a new function unless `fn`. */
export function aQueueJob(
  invokeType: 'sync' | 'async',
  requestId: string = randomUUID(),
  fn?: FunctionSnapshot,
): InvocationJob {
  return {
    requestId,
    projectId: 'p',
    invokeType,
    event: '{}',
    logType: 'none',
    ...(invokeType === 'sync' ? { replyTo: 'ofg:reply:test' } : {}),
    enqueuedAt: Date.now(),
    function: fn ?? {
      functionId: randomUUID(),
      projectId: 'p',
      domainId: 'd',
      funcUrn: 'urn',
      funcName: 'f',
      package: 'default',
      version: 'latest',
      runtime: 'Node.js18.15',
      handler: 'index.handler',
      memorySize: 128,
      cpu: 300,
      timeoutS: 3,
      codeDigest: 'x',
      userData: {},
      hasEncryptedUserData: false,
      concurrentNum: 1,
      configDigest: 'c',
    },
  };
}

/** A successful warm reply of 1 ms to a queue spec's job; `overrides` set what a test looks at. */
export function aQueueReply(requestId: string, overrides: Partial<InvocationReply> = {}): InvocationReply {
  return {
    requestId,
    outcome: 'success',
    result: '{}',
    log: '',
    durationMs: 1,
    billingDurationMs: 1,
    memorySizeMb: 128,
    memoryUsedMb: 10,
    startKind: 'warm',
    invokerId: 'test',
    ...overrides,
  };
}
