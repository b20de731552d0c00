import { LTS_ENTRY_FIELDS, LtsEventPayload, LtsLogLine, LtsTriggerEvent } from '@ofg/contracts';
import { LiveEntry } from '../redis-stream/stream-group.consumer';
import { entryTime } from '../smn/smn-event.mapper';

/** Where the logs of an LTS trigger come from: the source function's log stream (see docs/compatibility.md). */
export interface LtsSource {
  projectId: string;
  logGroupId: string;
  /** The source function's id (its `stream_id` in `lts-log-detail`). */
  logTopicId: string;
}

/** The log lines of one finished invocation entry: one line each, numbered from 1. */
export function logLinesOf(entry: LiveEntry): LtsLogLine[] {
  const log = entry.fields.get(LTS_ENTRY_FIELDS.log)?.toString('utf8') ?? '';
  const requestId = entry.fields.get(LTS_ENTRY_FIELDS.requestId)?.toString('utf8') ?? '';
  const time =
    Number(entry.fields.get(LTS_ENTRY_FIELDS.time)?.toString('utf8')) || entryTime(entry.id).getTime();
  const lines = log.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((message, i) => ({
    message,
    time,
    host_name: 'functiongraph',
    ip: '',
    // The invocation the line was written by.
    path: requestId,
    log_uid: `${entry.id}:${i + 1}`,
    line_no: i + 1,
  }));
}

/** The event of a batch of invocation logs (contract §5.7): base64 of the LTS payload with the lines as a JSON string. */
export function buildLtsEvent(source: LtsSource, entries: readonly LiveEntry[]): LtsTriggerEvent {
  const payload: LtsEventPayload = {
    logs: JSON.stringify(entries.flatMap(logLinesOf)),
    owner: source.projectId,
    log_group_id: source.logGroupId,
    log_topic_id: source.logTopicId,
  };
  return { lts: { data: Buffer.from(JSON.stringify(payload)).toString('base64') } };
}
