import { InvocationReply } from '@ofg/contracts';

/** A successful warm reply of 1 ms; `overrides` set what a test looks at. */
export function anInvocationReply(overrides: Partial<InvocationReply> = {}): InvocationReply {
  return {
    requestId: 'r1',
    outcome: 'success',
    result: '{}',
    log: '',
    durationMs: 1,
    billingDurationMs: 1,
    memorySizeMb: 128,
    memoryUsedMb: 10,
    startKind: 'warm',
    invokerId: 'i',
    ...overrides,
  };
}
