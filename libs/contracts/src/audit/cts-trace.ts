/** The service type of every audit record the control plane writes. */
export const CTS_SERVICE_TYPE = 'FunctionGraph';

/**
 * The Redis Stream of a project's audit records (CTS traces), trimmed to about CTS_STREAM_MAXLEN entries. Persistent:
 * renaming it strands the records CTS triggers have not read yet.
 */
export function ctsStreamKey(projectId: string): string {
  return `ofg:cts:${projectId}`;
}

export const CTS_STREAM_MAXLEN = 100_000;

/** Entry fields of an audit record on the stream (`XADD ofg:cts:<project> MAXLEN ~ 100000 * operation <op> trace <json>`). */
export const CTS_ENTRY_FIELDS = {
  /** `<service_type>:<resource_type>:<trace_name>`, what a CTS trigger's `operations` name. */
  operation: 'operation',
  /** The CtsTrace as JSON. */
  trace: 'trace',
} as const;

/** One audit record (contract §5.7, the `cts` object of a CTS trigger event). Times are epoch milliseconds. */
export interface CtsTrace {
  time: number;
  user: { name: string; id: string; domain: { name: string; id: string } };
  /** The request's identifying parameters (never bodies: they carry code and environment variables). */
  request: Record<string, unknown>;
  /** Identifying fields of the answer (URN, version, alias, trigger id and type). */
  response: Record<string, unknown>;
  /** The HTTP status answered. */
  code: number;
  service_type: typeof CTS_SERVICE_TYPE;
  resource_type: string;
  resource_name: string;
  resource_id: string;
  trace_name: string;
  trace_type: 'ApiCall';
  record_time: number;
  trace_id: string;
  trace_status: 'normal';
}

/** The event a CTS trigger hands to its function (contract §5.7). */
export interface CtsTriggerEvent {
  cts: CtsTrace;
}

/** The operation name of a trace, as CTS trigger `operations` list them. */
export function ctsOperationOf(
  trace: Pick<CtsTrace, 'service_type' | 'resource_type' | 'trace_name'>,
): string {
  return `${trace.service_type}:${trace.resource_type}:${trace.trace_name}`;
}
