import { z } from 'zod';

/** The bucket events an OBS trigger may name (spec §4.3); a trailing `*` covers every event with that prefix. */
export const OBS_EVENT_TYPES = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRemoved:Delete',
] as const;
export type ObsEventType = (typeof OBS_EVENT_TYPES)[number];

/**
 * Object user metadata carrying the hop count of an object a function wrote (`x-amz-meta-ofg-hop: <n>`); a function
 * writing back to a bucket sets it to its event record's `x-ofg-hop`. Persistent wire name.
 */
export const OBS_HOP_METADATA = 'x-amz-meta-ofg-hop';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** OBS `event_data` (spec §4.3): the bucket notifications of one bucket, filtered by event and key prefix/suffix. */
export const obsEventDataSchema = z
  .object({
    bucket: z.string().regex(BUCKET, 'must be a bucket name: 3-63 lower-case letters, digits, . or -'),
    events: z
      .array(z.enum(OBS_EVENT_TYPES))
      .min(1)
      .max(OBS_EVENT_TYPES.length)
      .refine((events) => new Set(events).size === events.length, 'must not repeat an event'),
    prefix: z.string().max(1024).optional(),
    suffix: z.string().max(1024).optional(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
      .optional(),
  })
  .strip();
export type ObsEventData = z.infer<typeof obsEventDataSchema>;

/** What a bucket notification filter looks at. */
export type ObsFilter = Pick<ObsEventData, 'bucket' | 'events' | 'prefix' | 'suffix'>;

/** `s3:`-prefixed event name, as trigger filters spell them (`ObjectCreated:Put` → `s3:ObjectCreated:Put`). */
export function normaliseObsEventName(eventName: string): string {
  return eventName.startsWith('s3:') ? eventName : `s3:${eventName}`;
}

/** Whether a filter event (`s3:ObjectCreated:*` or an exact name) covers an `s3:`-prefixed event name. */
export function obsEventMatches(pattern: string, eventName: string): boolean {
  return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
}

function patternsOverlap(a: string, b: string): boolean {
  return a === b || obsEventMatches(a, b) || obsEventMatches(b, a);
}

/**
 * S3's rule for two notification configurations of one bucket: they overlap when some event and some key could
 * match both (an event in common, one prefix a prefix of the other, one suffix a suffix of the other).
 */
export function obsFiltersOverlap(a: ObsFilter, b: ObsFilter): boolean {
  if (a.bucket !== b.bucket) return false;
  if (!a.events.some((x) => b.events.some((y) => patternsOverlap(x, y)))) return false;
  const [pa, pb] = [a.prefix ?? '', b.prefix ?? ''];
  const [sa, sb] = [a.suffix ?? '', b.suffix ?? ''];
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/** Whether one bucket event (its `s3:`-prefixed name and decoded key) passes a trigger's filter. */
export function obsFilterMatches(
  filter: ObsFilter,
  event: { bucket: string; eventName: string; key: string },
): boolean {
  return (
    filter.bucket === event.bucket &&
    filter.events.some((p) => obsEventMatches(p, event.eventName)) &&
    event.key.startsWith(filter.prefix ?? '') &&
    event.key.endsWith(filter.suffix ?? '')
  );
}

/** One record of the S3-style event an OBS trigger hands to its function (contract §5.7), as far as it is read here. */
export interface ObsEventRecord {
  eventVersion?: string;
  eventSource?: string;
  eventTime?: string;
  eventName: string;
  awsRegion?: string;
  s3: {
    configurationId?: string;
    bucket: { name: string; arn?: string; ownerIdentity?: { PrincipalId?: string; principalId?: string } };
    object: {
      key: string;
      size?: number;
      eTag?: string;
      sequencer?: string;
      userMetadata?: Record<string, string>;
    };
  };
  /** The hop count of the invocation this record causes (set by the platform; see OBS_HOP_METADATA). */
  'x-ofg-hop'?: number;
  [field: string]: unknown;
}

/** The event an OBS trigger hands to its function: one record per invocation. */
export interface ObsTriggerEvent {
  Records: [ObsEventRecord];
}
