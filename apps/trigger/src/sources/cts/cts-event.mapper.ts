import { CTS_ENTRY_FIELDS, ctsOperationOf, CtsTrace, CtsTriggerEvent } from '@ofg/contracts';
import { LiveEntry } from '../redis-stream/stream-group.consumer';

/** The trace of an audit record entry, or undefined when it is not a readable CtsTrace. */
export function entryTrace(entry: LiveEntry): CtsTrace | undefined {
  const raw = entry.fields.get(CTS_ENTRY_FIELDS.trace)?.toString('utf8');
  if (!raw) return undefined;
  try {
    const trace = JSON.parse(raw) as unknown;
    return typeof trace === 'object' && trace !== null && !Array.isArray(trace)
      ? (trace as CtsTrace)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The operation of an audit record: the entry's `operation` field (`<service_type>:<resource_type>:<trace_name>`,
 * what the gateway writes), else derived from the trace.
 */
export function entryOperation(entry: LiveEntry, trace: CtsTrace | undefined): string | undefined {
  const op = entry.fields.get(CTS_ENTRY_FIELDS.operation)?.toString('utf8');
  if (op) return op;
  return trace?.service_type && trace.resource_type && trace.trace_name ? ctsOperationOf(trace) : undefined;
}

/** Whether a trigger subscribing to `operations` wants this record: an exact, case-sensitive match of the operation. */
export function ctsMatches(operations: ReadonlySet<string>, entry: LiveEntry): boolean {
  const trace = entryTrace(entry);
  const op = entryOperation(entry, trace);
  return trace !== undefined && op !== undefined && operations.has(op);
}

/** The event of one audit record (contract §5.7). */
export function buildCtsEvent(entry: LiveEntry): CtsTriggerEvent {
  return { cts: entryTrace(entry) as CtsTrace };
}
