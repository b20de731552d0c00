import type { IncomingHttpHeaders } from 'node:http';
import { CLOUDEVENT_HOP_ATTRIBUTE, FgsError } from '@ofg/contracts';
import { parseHop } from '../push-events/push-request-id';

/** A CloudEvent in the JSON event format (CloudEvents 1.0): context attributes plus `data` or `data_base64`. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  [attribute: string]: unknown;
}

/** How the events arrived (CloudEvents HTTP protocol binding). */
export type CloudEventsMode = 'structured' | 'batch' | 'binary';

/** At most this many events in one batch. */
export const MAX_CLOUDEVENTS_BATCH = 1000;

export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
export const CLOUDEVENTS_BATCH_JSON = 'application/cloudevents-batch+json';

/** The parts of an HTTP request the binding reads. */
export interface CloudEventsRequest {
  headers: IncomingHttpHeaders;
  /** The body as the gateway's body middleware parsed it (JSON types only). */
  body: unknown;
  rawBody: Buffer;
}

const REQUIRED = ['id', 'source', 'type'] as const;
const OPTIONAL_STRINGS = ['datacontenttype', 'dataschema', 'subject', 'time'] as const;
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
const JSON_MEDIA = /^application\/(?:[\w.+-]*\+)?json$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(message: string): FgsError {
  return new FgsError('FSS.0400', `Invalid CloudEvent: ${message}`);
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
}

/**
 * The events of a request in any of the three modes of the HTTP binding: structured (`application/cloudevents+json`,
 * one event), batch (`application/cloudevents-batch+json`, a JSON array) or binary (`ce-*` headers, the body is the
 * data). Every event is validated first: one invalid event refuses the whole request with 400.
 */
export function parseCloudEvents(req: CloudEventsRequest): { mode: CloudEventsMode; events: CloudEvent[] } {
  const contentType =
    typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
  const media = mediaTypeOf(contentType);
  if (media === CLOUDEVENTS_JSON) {
    if (!isObject(req.body)) throw invalid(`a structured event (${CLOUDEVENTS_JSON}) must be a JSON object`);
    return { mode: 'structured', events: [validateCloudEvent(req.body)] };
  }
  if (media === CLOUDEVENTS_BATCH_JSON) {
    if (!Array.isArray(req.body)) throw invalid(`a batch (${CLOUDEVENTS_BATCH_JSON}) must be a JSON array`);
    if (req.body.length > MAX_CLOUDEVENTS_BATCH)
      throw invalid(`a batch holds at most ${MAX_CLOUDEVENTS_BATCH} events`);
    return {
      mode: 'batch',
      events: req.body.map((e: unknown, i: number) => {
        if (!isObject(e)) throw invalid(`batch event #${i} is not a JSON object`);
        return validateCloudEvent(e, `batch event #${i}: `);
      }),
    };
  }
  if (req.headers['ce-specversion'] === undefined)
    throw invalid(
      `send ${CLOUDEVENTS_JSON}, ${CLOUDEVENTS_BATCH_JSON}, or the event's attributes as ce-* headers (binary mode)`,
    );
  return { mode: 'binary', events: [validateCloudEvent(binaryEvent(req, contentType, media))] };
}

/** Binary mode: `ce-<name>` headers are the attributes (percent-decoded), Content-Type the datacontenttype. */
function binaryEvent(
  req: CloudEventsRequest,
  contentType: string | undefined,
  media: string,
): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    event[name.slice(3)] = percentDecode(Array.isArray(value) ? value.join(',') : value);
  }
  if (contentType !== undefined) event['datacontenttype'] = contentType;
  if (req.rawBody.length === 0) return event;
  if (JSON_MEDIA.test(media) || media === '') event['data'] = req.body;
  else if (media.startsWith('text/')) event['data'] = req.rawBody.toString('utf8');
  else event['data_base64'] = req.rawBody.toString('base64');
  return event;
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Checks the context attributes of CloudEvents 1.0 (required, types, names) and returns the event. */
export function validateCloudEvent(event: Record<string, unknown>, where = ''): CloudEvent {
  if (event['specversion'] === undefined) throw invalid(`${where}specversion is required`);
  if (event['specversion'] !== '1.0')
    throw invalid(
      `${where}specversion ${JSON.stringify(event['specversion']).slice(0, 32)} is not supported (1.0)`,
    );
  for (const name of REQUIRED) {
    const value = event[name];
    if (typeof value !== 'string' || value === '')
      throw invalid(`${where}${name} is required and must be a non-empty string`);
  }
  for (const name of OPTIONAL_STRINGS) {
    if (event[name] !== undefined && typeof event[name] !== 'string')
      throw invalid(`${where}${name} must be a string`);
  }
  if (
    typeof event['time'] === 'string' &&
    (!RFC3339.test(event['time']) || Number.isNaN(Date.parse(event['time'])))
  )
    throw invalid(`${where}time must be an RFC 3339 timestamp`);
  if (event['data'] !== undefined && event['data_base64'] !== undefined)
    throw invalid(`${where}data and data_base64 are mutually exclusive`);
  if (event['data_base64'] !== undefined && typeof event['data_base64'] !== 'string')
    throw invalid(`${where}data_base64 must be a string`);
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (!ATTRIBUTE_NAME.test(name))
      throw invalid(
        `${where}attribute name ${JSON.stringify(name.slice(0, 64))} must be lower-case letters and digits`,
      );
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
      throw invalid(`${where}attribute ${name} must be a string, number or boolean`);
  }
  return event as CloudEvent;
}

/** The hop count an event carries in its `ofghop` extension attribute. */
export function cloudEventHop(event: CloudEvent): number {
  return parseHop(event[CLOUDEVENT_HOP_ATTRIBUTE]);
}

/** The event a function gets: the event in the JSON format with `ofghop`, the hop count of this invocation. */
export function eventgridTriggerEvent(event: CloudEvent, hop: number): CloudEvent {
  return { ...event, [CLOUDEVENT_HOP_ATTRIBUTE]: hop + 1 };
}
