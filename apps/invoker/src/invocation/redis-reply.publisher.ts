import Redis from 'ioredis';
import { InvocationReply } from '@ofg/contracts';
import { publishReply } from '@ofg/queue';
import { ReplyPublisher } from './invocation-job.handler';

/** Sync replies over Redis pub/sub, on the channel the gateway named in the job. */
export class RedisReplyPublisher implements ReplyPublisher {
  constructor(private readonly redis: Redis) {}

  publish(channel: string, reply: InvocationReply): Promise<void> {
    return publishReply(this.redis, channel, reply);
  }
}
