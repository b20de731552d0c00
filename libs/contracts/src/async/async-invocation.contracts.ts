import { z } from 'zod';
import { InvocationStatus } from '../invocations/invocation.contracts';

/** Paging of the async request list (spec §5.2): default 100, at most 500. */
export const ASYNC_INVOCATION_LIST_LIMITS = { defaultLimit: 100, maxLimit: 500 } as const;

/** Default window of the async request list when the caller gives no time bounds. */
export const ASYNC_INVOCATION_DEFAULT_WINDOW_MS = 3_600_000;

/** `request_id` values accepted by list and cancel (the gateway's request ids and the SDK's are uuids). */
export const ASYNC_REQUEST_ID =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One async request (ListFunctionAsyncInvocationsResult); times are `yyyy-MM-dd'T'HH:mm:ss` UTC. */
export interface AsyncInvocationDto {
  request_id: string;
  status: InvocationStatus;
  /** Empty unless the request failed or was discarded. */
  error_message: string;
  start_time: string;
  /** Empty while the request has not ended. */
  end_time: string;
}

/** ListAsyncInvocationsResponse / ListActiveAsyncInvocationsResponse. */
export interface ListAsyncInvocationsDto {
  invocations: AsyncInvocationDto[];
  count: number;
  next_marker: number;
}

/** `type` of a cancel: `force` kills the instance running it, `recursive` also stops what it invoked (spec §5.3). */
export const CANCEL_TYPES = ['force', 'recursive'] as const;
export type CancelType = (typeof CANCEL_TYPES)[number];

/** Body of POST …/cancel (CancelAsyncInvocationRequestBody). */
export const cancelAsyncInvocationSchema = z
  .object({
    request_id: z.string().regex(ASYNC_REQUEST_ID, 'Invalid RequestId'),
    type: z.enum(CANCEL_TYPES).optional(),
  })
  .strip();
export type CancelAsyncInvocationBody = z.infer<typeof cancelAsyncInvocationSchema>;

/** `error_message` of a request stopped through the cancel API. */
export const CANCELLED_ERROR_MESSAGE = 'function invocated canceled';

/** `yyyy-MM-dd'T'HH:mm:ss` in UTC, the async-invocation time format (spec §1.5). */
export function formatAsyncInvocationTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/**
 * Reads a query bound in that format; an explicit offset or `Z` is honoured as well, since some clients send ISO-8601.
 * Undefined when the text is no time.
 */
export function parseAsyncInvocationTime(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const offset = m[8] === undefined || m[8] === 'Z' ? 'Z' : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${offset}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // `2024-02-30` rolls over in Date; refuse it rather than move the bound.
  if (offset === 'Z' && date.toISOString().slice(0, 19) !== `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`)
    return undefined;
  return date;
}
