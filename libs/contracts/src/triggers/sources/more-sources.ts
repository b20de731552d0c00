/**
 * Entry fields of an SMN topic stream `ofg:smn:<project_id>:<topic_name>`: publish with
 * `XADD <key> * message <text> [subject <s>]`; an async SMN destination writes `request_id` and `record` (the message).
 */
export const SMN_ENTRY_FIELDS = {
  message: 'message',
  subject: 'subject',
  /** What an async SMN destination writes (the result record); read as the message when `message` is absent. */
  destinationRecord: 'record',
} as const;

/** Consumer group of an SMN, CTS or LTS trigger on its stream; renaming it restarts every trigger at the stream's end. */
export function streamTriggerGroup(triggerId: string): string {
  return `ofg-trigger-${triggerId}`;
}

/** The message of an SMN trigger event (contract §5.7). */
export interface SmnEventMessage {
  topic_urn: string;
  timestamp: string;
  message_attributes: null;
  message: string;
  type: 'notification';
  message_id: string;
  subject: string;
}

/** The event an SMN trigger hands to its function, one per message (contract §5.7). */
export interface SmnTriggerEvent {
  record: {
    event_version: '1.0';
    event_source: 'smn';
    event_subscription_urn: string;
    smn: SmnEventMessage;
  }[];
  functionname: string;
  requestId: string;
  timestamp: string;
}

/**
 * The log stream of one function: each finished invocation's log (`request_id`, `log`, `time` in epoch ms), written
 * only while the stream exists (an LTS trigger consumer creates it). Persistent: renaming it strands LTS triggers.
 */
export function ltsLogStreamKey(projectId: string, functionId: string): string {
  return `ofg:lts:${projectId}:${functionId}`;
}

/** Entries kept per function log stream (XADD MAXLEN ~). */
export const LTS_STREAM_MAXLEN = 10_000;

export const LTS_ENTRY_FIELDS = { requestId: 'request_id', log: 'log', time: 'time' } as const;

/** One log line of an LTS trigger event (contract §5.7; `time` in epoch ms). */
export interface LtsLogLine {
  message: string;
  time: number;
  host_name: string;
  ip: string;
  path: string;
  log_uid: string;
  line_no: number;
}

/** What the base64 `data` of an LTS trigger event decodes to; `logs` is a JSON array of LtsLogLine as a string. */
export interface LtsEventPayload {
  logs: string;
  owner: string;
  log_group_id: string;
  log_topic_id: string;
}

/** The event an LTS trigger hands to its function, one per batch (contract §5.7). */
export interface LtsTriggerEvent {
  lts: { data: string };
}
