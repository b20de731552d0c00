import { Injectable, Logger } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type Redis from 'ioredis';
import {
  InvocationJob,
  InvocationReply,
  LTS_ENTRY_FIELDS,
  LTS_STREAM_MAXLEN,
  ltsLogStreamKey,
  TRIGGER_HOP_HEADER,
} from '@ofg/contracts';

/**
 * Appends only while the stream exists: an LTS trigger's consumer group creates it and the last one's removal deletes
 * it, so functions nobody subscribes to cost one EVALSHA answered nil, and nothing is stored for them.
 */
const APPEND_IF_READ = `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])`;

type AppendCommand = (key: string, ...args: string[]) => Promise<string | null>;

/** One invocation's log line for its function's LTS stream: the script's key and arguments. */
export interface LtsLogEntry {
  key: string;
  args: string[];
}

const APPEND_COMMAND = 'ofgLtsAppend';

/** Defines the append script on a connection, so a reply publisher can send it in the same write as the reply. */
export function defineLtsAppend(redis: Redis): void {
  redis.defineCommand(APPEND_COMMAND, { numberOfKeys: 1, lua: APPEND_IF_READ });
}

/** Queues an entry on a pipeline of a connection that went through defineLtsAppend. */
export function queueLtsAppend(pipeline: ChainableCommander, entry: LtsLogEntry): void {
  (pipeline as unknown as Record<string, (...a: string[]) => unknown>)[APPEND_COMMAND](
    entry.key,
    ...entry.args,
  );
}

/** The reply went out; only the LTS log line failed. */
export class LtsAppendError extends Error {
  constructor(override readonly cause: Error) {
    super(`LTS log line not written: ${cause.message}`);
  }
}

/** Feeds LTS triggers: each finished invocation's log to `ofg:lts:<project_id>:<function_id>` (see docs/compatibility.md). */
@Injectable()
export class LtsLogStream {
  private readonly logger = new Logger(LtsLogStream.name);

  constructor(private readonly redis: Redis) {
    defineLtsAppend(redis);
  }

  /** The entry of a finished invocation; sync replies carry it to Redis with the reply (RedisReplyPublisher). */
  entry(job: InvocationJob, reply: Pick<InvocationReply, 'log'>): LtsLogEntry {
    return {
      key: ltsLogStreamKey(job.projectId, job.function.functionId),
      args: [
        String(LTS_STREAM_MAXLEN),
        LTS_ENTRY_FIELDS.requestId,
        job.requestId,
        LTS_ENTRY_FIELDS.log,
        reply.log ?? '',
        LTS_ENTRY_FIELDS.time,
        String(Date.now()),
        // A function reading its own logs stops at the hop limit like any trigger loop.
        TRIGGER_HOP_HEADER,
        String(job.trigger?.hop ?? 0),
      ],
    };
  }

  /** Best-effort and off the reply path: a log that cannot be written is logged, never raised. */
  append(job: InvocationJob, reply: Pick<InvocationReply, 'log'>): void {
    const entry = this.entry(job, reply);
    const command = (this.redis as unknown as Record<string, AppendCommand>)[APPEND_COMMAND];
    command
      .call(this.redis, entry.key, ...entry.args)
      .catch((err: unknown) => this.failed(job.requestId, err));
  }

  failed(requestId: string, err: unknown): void {
    this.logger.warn({ msg: 'invocation log not written to its LTS stream', requestId, err: String(err) });
  }
}
