import { randomUUID } from 'node:crypto';
import { FunctionSnapshot, InvocationJob } from '@ofg/contracts';

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
