import { DIS_ENTRY_FIELDS, DisEventRecord, DisTriggerEvent, TRIGGER_HOP_HEADER } from '@ofg/contracts';
import { parseHop } from '../hop';

/** One Redis Stream entry as read: its id and fields (binary-safe); `fields` is null for a deleted entry. */
export interface StreamEntry {
  id: string;
  fields: Map<string, Buffer> | null;
}

/** The shard every DIS event names: a Redis Stream is one ordered log. */
export const DIS_SHARD_ID = 'shardId-0000000000';

/** Entry fields from XREADGROUP/XAUTOCLAIM's flat `[name, value, ...]` reply (null for a deleted entry). */
export function entryFields(flat: unknown): Map<string, Buffer> | null {
  if (!Array.isArray(flat)) return null;
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as Buffer | string;
    const value = flat[i + 1] as Buffer | string;
    fields.set(String(name), Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
  }
  return fields;
}

/** Entries from a `[[id, [field, value, ...]], ...]` reply. */
export function streamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((item) => {
    const [id, flat] = item as [Buffer | string, unknown];
    return { id: String(id), fields: entryFields(flat) };
  });
}

/**
 * The data of an entry: its `data` field, else the `record` an async DIS destination writes, else every field as a
 * JSON object (so nothing an arbitrary producer wrote is dropped).
 */
export function entryData(fields: Map<string, Buffer>): Buffer {
  const data = fields.get(DIS_ENTRY_FIELDS.data) ?? fields.get(DIS_ENTRY_FIELDS.destinationRecord);
  if (data) return data;
  return Buffer.from(
    JSON.stringify(Object.fromEntries([...fields].map(([k, v]) => [k, v.toString('utf8')]))),
  );
}

export function disRecordOf(entry: StreamEntry & { fields: Map<string, Buffer> }): DisEventRecord {
  const key = entry.fields.get(DIS_ENTRY_FIELDS.partitionKey);
  return {
    partition_key: key ? key.toString('utf8') : entry.id,
    data: entryData(entry.fields).toString('base64'),
    sequence_number: entry.id,
  };
}

export function entryHop(entry: StreamEntry): number {
  return parseHop(entry.fields?.get(TRIGGER_HOP_HEADER));
}

/**
 * The event of one batch of a DIS trigger (contract §5.7): one shard, the records in stream order, and the hop count
 * of the invocation (`Message["x-ofg-hop"]`).
 */
export function buildDisEvent(
  streamName: string,
  entries: readonly (StreamEntry & { fields: Map<string, Buffer> })[],
  hop: number,
): DisTriggerEvent {
  return {
    ShardID: DIS_SHARD_ID,
    Message: {
      next_partition_cursor: entries.length ? entries[entries.length - 1].id : '',
      records: entries.map(disRecordOf),
      millis_behind_latest: '',
      'x-ofg-hop': hop,
    },
    Tag: 'latest',
    StreamName: streamName,
  };
}
