import {
  FgsError,
  normaliseObsEventName,
  OBS_HOP_METADATA,
  ObsEventRecord,
  ObsTriggerEvent,
  TRIGGER_HOP_HEADER,
} from '@ofg/contracts';
import { eventKeyOf, parseHop } from '../push-events/push-request-id';

/** At most this many records in one notification. */
export const MAX_OBS_RECORDS = 1000;

/** One record of a bucket notification, with what trigger filters look at. */
export interface ObsNotificationRecord {
  record: ObsEventRecord;
  bucket: string;
  /** `s3:`-prefixed (`s3:ObjectCreated:Put`). */
  eventName: string;
  /** The object key, URL-decoded as S3 notifications encode it. */
  key: string;
  /** The hop count the record carries: `x-ofg-hop` on the record or the object's `x-amz-meta-ofg-hop`. */
  hop: number;
  /** Stable per record as pushed. */
  eventKey: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function malformed(message: string): FgsError {
  return new FgsError('FSS.0400', `Malformed bucket notification: ${message}`);
}

/**
 * Reads an S3-style bucket notification: `{"Records":[...]}` as MinIO, Versity or an S3 webhook post it, or wrapped in
 * an SNS `Notification` envelope (`Message` holds the JSON). An S3 test event (no `Records`) holds no record.
 */
export function parseObsNotification(body: unknown): ObsNotificationRecord[] {
  if (!isObject(body)) throw malformed('expected a JSON object {"Records":[...]}');
  let event: Record<string, unknown> = body;
  if (body['Type'] === 'Notification' && typeof body['Message'] === 'string') {
    let inner: unknown;
    try {
      inner = JSON.parse(body['Message']);
    } catch {
      throw malformed('the SNS envelope Message is not JSON');
    }
    if (!isObject(inner)) throw malformed('the SNS envelope Message is not a JSON object');
    event = inner;
  }
  if (event['Records'] === undefined) {
    if (event['Event'] === 's3:TestEvent') return [];
    throw malformed('expected {"Records":[...]}');
  }
  const records = event['Records'];
  if (!Array.isArray(records)) throw malformed('Records must be an array');
  if (records.length > MAX_OBS_RECORDS) throw malformed(`more than ${MAX_OBS_RECORDS} records`);
  return records.map((r, i) => readRecord(r, i));
}

function readRecord(raw: unknown, index: number): ObsNotificationRecord {
  const where = `Records[${index}]`;
  if (!isObject(raw)) throw malformed(`${where} is not an object`);
  const eventName = raw['eventName'];
  const s3 = raw['s3'];
  const bucket = isObject(s3) && isObject(s3['bucket']) ? s3['bucket']['name'] : undefined;
  const object = isObject(s3) && isObject(s3['object']) ? s3['object'] : undefined;
  const key = object?.['key'];
  if (typeof eventName !== 'string' || eventName === '') throw malformed(`${where}.eventName is missing`);
  if (typeof bucket !== 'string' || bucket === '') throw malformed(`${where}.s3.bucket.name is missing`);
  if (typeof key !== 'string') throw malformed(`${where}.s3.object.key is missing`);
  return {
    record: raw as unknown as ObsEventRecord,
    bucket,
    eventName: normaliseObsEventName(eventName),
    key: decodeKey(key),
    hop: Math.max(parseHop(raw[TRIGGER_HOP_HEADER]), metadataHop(object?.['userMetadata'])),
    eventKey: eventKeyOf(raw),
  };
}

/** `x-amz-meta-ofg-hop` in the user metadata MinIO and Versity include (any case, with or without the prefix). */
function metadataHop(metadata: unknown): number {
  if (!isObject(metadata)) return 0;
  const short = OBS_HOP_METADATA.slice('x-amz-meta-'.length);
  for (const [name, value] of Object.entries(metadata)) {
    const lower = name.toLowerCase();
    if (lower === OBS_HOP_METADATA || lower === short) return parseHop(value);
  }
  return 0;
}

/** S3 notifications form-encode keys (`+` for a space); a key that does not decode is used as sent. */
function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/**
 * The event of one record for its function (contract §5.7): the record as pushed with OBS's event name (no `s3:`)
 * and `x-ofg-hop`, the hop count of this invocation, which a function writing back to a bucket passes on.
 */
export function obsTriggerEvent(r: ObsNotificationRecord): ObsTriggerEvent {
  return {
    Records: [{ ...r.record, eventName: r.eventName.slice('s3:'.length), [TRIGGER_HOP_HEADER]: r.hop + 1 }],
  };
}
