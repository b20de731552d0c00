import { Injectable, Logger } from '@nestjs/common';
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

/** Feeds LTS triggers: each finished invocation's log to `ofg:lts:<project_id>:<function_id>` (see docs/compatibility.md). */
@Injectable()
export class LtsLogStream {
  private readonly logger = new Logger(LtsLogStream.name);

  constructor(private readonly redis: Redis) {
    redis.defineCommand('ofgLtsAppend', { numberOfKeys: 1, lua: APPEND_IF_READ });
  }

  /** Best-effort and off the reply path: a log that cannot be written is logged, never raised. */
  append(job: InvocationJob, reply: Pick<InvocationReply, 'log'>): void {
    const command = (this.redis as unknown as { ofgLtsAppend: AppendCommand }).ofgLtsAppend;
    command
      .call(
        this.redis,
        ltsLogStreamKey(job.projectId, job.function.functionId),
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
      )
      .catch((err: unknown) =>
        this.logger.warn({
          msg: 'invocation log not written to its LTS stream',
          requestId: job.requestId,
          err: String(err),
        }),
      );
  }
}
