import { SMN_ENTRY_FIELDS, SmnTriggerEvent } from '@ofg/contracts';
import { LiveEntry } from '../redis-stream/stream-group.consumer';
import { batchRequestId } from '../source-invocation.service';

const text = (entry: LiveEntry, field: string): string | undefined =>
  entry.fields.get(field)?.toString('utf8');

/** The epoch ms a stream entry id starts with, as ISO 8601 without milliseconds (SMN's `timestamp`). */
export function entryTime(id: string): Date {
  const ms = Number(id.split('-')[0]);
  return new Date(Number.isFinite(ms) ? ms : Date.now());
}

/**
 * The event of one message on an SMN topic (contract §5.7): `message` (else the `record` an async SMN destination
 * wrote), `subject`, the entry id as `message_id`. `requestId` is the invocation's on its first try.
 */
export function buildSmnEvent(
  trigger: { id: string; functionId: string },
  topicUrn: string,
  entry: LiveEntry,
): SmnTriggerEvent {
  const at = entryTime(entry.id);
  return {
    record: [
      {
        event_version: '1.0',
        event_source: 'smn',
        // An SMN subscription URN is the topic URN plus the subscription's id: here the trigger's.
        event_subscription_urn: `${topicUrn}:${trigger.id}`,
        smn: {
          topic_urn: topicUrn,
          timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          message_attributes: null,
          message:
            text(entry, SMN_ENTRY_FIELDS.message) ?? text(entry, SMN_ENTRY_FIELDS.destinationRecord) ?? '',
          type: 'notification',
          message_id: entry.id,
          subject: text(entry, SMN_ENTRY_FIELDS.subject) ?? '',
        },
      },
    ],
    // The trigger knows its function by id only.
    functionname: trigger.functionId,
    requestId: batchRequestId(trigger.id, [entry.id], 0),
    timestamp: at.toString(),
  };
}
