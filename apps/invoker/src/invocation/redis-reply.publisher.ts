import Redis from 'ioredis';
import { InvocationReply } from '@ofg/contracts';
import { publishReply } from '@ofg/queue';
import { ReplyPublisher } from './invocation-job.handler';
import { defineLtsAppend, LtsAppendError, LtsLogEntry, queueLtsAppend } from './lts-log.stream';

/** Sync replies over Redis pub/sub, on the channel the gateway named in the job. */
export class RedisReplyPublisher implements ReplyPublisher {
  constructor(private readonly redis: Redis) {
    defineLtsAppend(redis);
  }

  async publish(channel: string, reply: InvocationReply, log?: LtsLogEntry): Promise<void> {
    if (!log) return publishReply(this.redis, channel, reply);
    // One write and one round trip for the reply and the invocation's LTS log line; the reply goes first.
    const batch = this.redis.pipeline().publish(channel, JSON.stringify(reply));
    queueLtsAppend(batch, log);
    const results = (await batch.exec()) ?? [];
    const published = results[0]?.[0];
    if (published) throw published;
    const appended = results[1]?.[0];
    if (appended) throw new LtsAppendError(appended);
  }
}
