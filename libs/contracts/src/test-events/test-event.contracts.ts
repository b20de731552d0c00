import { z } from 'zod';
import { ErrorCode } from '../errors/error-code';

/** Test-event limits: FunctionGraph's API reference and user guide (name 1–25, 10 per function), spec §3.4 (4 KB). */
export const TEST_EVENT_LIMITS = {
  nameChars: 25,
  /** Decoded content (the JSON document), FSS.1069 above it. */
  contentBytes: 4096,
  /** Events one function may keep, FSS.1068 above it. */
  perFunction: 10,
} as const;

/** 1–25 characters, a letter first, a letter or digit last, letters, digits, `_` and `-` in between. */
export const TEST_EVENT_NAME_PATTERN = /^[A-Za-z]([A-Za-z0-9_-]{0,23}[A-Za-z0-9])?$/;

/** Body of `POST .../events` (`CreateEventRequestBody`); `content` is the Base64 of a JSON document. */
export const createTestEventSchema = z
  .object({
    name: z.string().regex(TEST_EVENT_NAME_PATTERN),
    content: z.string().min(1),
  })
  .strip();
export type CreateTestEventBody = z.infer<typeof createTestEventSchema>;

/** Body of `PUT .../events/{event_id}` (`UpdateEventRequestBody`): only the content changes. */
export const updateTestEventSchema = z.object({ content: z.string().min(1) }).strip();
export type UpdateTestEventBody = z.infer<typeof updateTestEventSchema>;

/** Every malformed test-event field is FSS.1074 (spec §10.2). */
export const TEST_EVENT_FIELD_ERRORS: Record<string, ErrorCode> = {
  name: 'FSS.1074',
  content: 'FSS.1074',
};

/** Create and update answer the event's identity. */
export interface TestEventRefDto {
  id: string;
  name: string;
}

/** One entry of the list (`ListEventsResult`). */
export interface TestEventSummaryDto extends TestEventRefDto {
  /** Unix seconds. */
  last_modified: number;
}

export interface ListTestEventsDto {
  events: TestEventSummaryDto[];
  next_marker: number;
  count: number;
}

/** `GET .../events/{event_id}` (`ShowEventResponse`): `content` is Base64 as the spec's example shows. */
export interface TestEventDto extends TestEventSummaryDto {
  content: string;
}
