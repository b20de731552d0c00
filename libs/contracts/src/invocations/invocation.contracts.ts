/** How an invocation was requested. */
export type InvokeType = 'sync' | 'async';

/** Async ledger and invocation-record states (spec §5.2). */
export const INVOCATION_STATUSES = ['WAIT', 'RUNNING', 'SUCCESS', 'FAIL', 'DISCARD'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** The resolved, immutable view of a function version that an invoker needs to run it. */
export interface FunctionSnapshot {
  functionId: string;
  projectId: string;
  domainId: string;
  /** Unqualified URN. */
  funcUrn: string;
  funcName: string;
  package: string;
  version: string;
  runtime: string;
  handler: string;
  memorySize: number;
  cpu: number;
  timeoutS: number;
  initializerHandler?: string;
  initializerTimeoutS?: number;
  codeDigest: string;
  /** Plain environment variables (user_data). Encrypted ones are fetched by the invoker, never carried in jobs. */
  userData: Record<string, string>;
  hasEncryptedUserData: boolean;
  /** Requests one instance serves at once. */
  concurrentNum: number;
  /** Digest of everything that shapes an instance; instances are only reused for the same digest. */
  configDigest: string;
}

/** BullMQ job payload of `ofg-invocations` jobs. jobId = requestId. */
export interface InvocationJob {
  requestId: string;
  projectId: string;
  invokeType: InvokeType;
  function: FunctionSnapshot;
  /** The event as the raw JSON text the caller sent. */
  event: string;
  logType: 'tail' | 'none';
  alias?: string;
  /** Redis pub/sub channel the sync reply goes to. */
  replyTo?: string;
  /** Epoch ms after which nobody waits for the reply any more. */
  deadline?: number;
  trigger?: { type: string; id: string; name: string };
  enqueuedAt: number;
}

/** How the invocation ended, from the platform's point of view. */
export type InvocationOutcome = 'success' | 'function_error' | 'timeout' | 'platform_error';

/** Why an instance had to be started for this invocation (or `warm` when one was reused). */
export type StartKind = 'warm' | 'cold';

/** What an invoker reports back for one invocation (sync reply and record). */
export interface InvocationReply {
  requestId: string;
  outcome: InvocationOutcome;
  /** The handler's result serialised to text, or the FunctionGraph error object as JSON text. */
  result: string;
  /** The request's own log lines. */
  log: string;
  durationMs: number;
  billingDurationMs: number;
  memorySizeMb: number;
  memoryUsedMb: number;
  startKind: StartKind;
  invokerId: string;
  /** Platform error code (e.g. FSS.0500) when outcome is platform_error. */
  errorCode?: string;
}

/** Invoke-time error codes reported in X-Func-Err-Code for function errors. */
export const FUNC_ERROR_CODES = {
  handlerError: 4001,
  initializerError: 4002,
  timeout: 4036,
  outOfMemory: 4037,
  runtimeCrash: 4038,
} as const;
