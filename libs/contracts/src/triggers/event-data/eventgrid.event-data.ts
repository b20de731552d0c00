import { z } from 'zod';

/**
 * EVENTGRID `event_data` (undocumented in the spec; field names of the SDK model): the CloudEvents channel the trigger
 * listens on, and optional filters on the events' `source` (exact) and `type` (exact, or a prefix ending in `*`).
 * `channel_id` and `trigger_name` are stored only.
 */
export const eventgridEventDataSchema = z
  .object({
    channel_name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
        'must be 1-128 letters, digits, . _ or -, starting with a letter or digit',
      ),
    channel_id: z.string().min(1).max(64).optional(),
    source_name: z.string().min(1).max(1024).optional(),
    event_types: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(32)
      .refine((types) => new Set(types).size === types.length, 'must not repeat a type')
      .optional(),
    trigger_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
      .optional(),
  })
  .strip();
export type EventgridEventData = z.infer<typeof eventgridEventDataSchema>;

/**
 * CloudEvents extension attribute carrying the hop count (extension names are lower-case letters and digits only);
 * a function publishing an event back sets it to its event's `ofghop`. Persistent wire name.
 */
export const CLOUDEVENT_HOP_ATTRIBUTE = 'ofghop';

/** Whether a trigger's filters pass an event. */
export function eventgridFilterMatches(
  filter: Pick<EventgridEventData, 'source_name' | 'event_types'>,
  event: { source: string; type: string },
): boolean {
  if (filter.source_name !== undefined && filter.source_name !== event.source) return false;
  if (filter.event_types === undefined) return true;
  return filter.event_types.some((t) =>
    t.endsWith('*') ? event.type.startsWith(t.slice(0, -1)) : t === event.type,
  );
}
