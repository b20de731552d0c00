import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { InvocationDispatcher } from './invocation.dispatcher';
import { InvocationProducer } from './invocation.producer';
import { QUEUE_OPTIONS, QueueOptions } from './queue.options';
import { createRedisConnection } from './redis-connection';
import { ReplyBus } from './reply-bus';
import { SyncJobRouter } from './sync-job.router';

/** Closes the queue's Redis connections on shutdown. */
@Injectable()
class QueueLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(InvocationProducer) private readonly producer: InvocationProducer,
    @Inject(ReplyBus) private readonly replies: ReplyBus,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.replies.stop();
    await this.producer.close();
  }
}

/** Producer side of the invocation queue (gateway and trigger service). */
@Module({})
export class QueueModule {
  static forRoot(options: QueueOptions): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      providers: [
        { provide: QUEUE_OPTIONS, useValue: options },
        {
          provide: InvocationProducer,
          useFactory: () => new InvocationProducer(createRedisConnection(options.redisUrl, 'producer')),
        },
        {
          provide: SyncJobRouter,
          inject: [InvocationProducer],
          // The producer's connection: an LPUSH fails fast while Redis is down, like a BullMQ add.
          useFactory: (producer: InvocationProducer) =>
            new SyncJobRouter(producer.connection, producer, { mode: options.syncDispatch ?? 'affinity' }),
        },
        {
          provide: ReplyBus,
          useFactory: () => new ReplyBus(createRedisConnection(options.redisUrl, 'blocking')),
        },
        InvocationDispatcher,
        QueueLifecycle,
      ],
      exports: [QUEUE_OPTIONS, InvocationProducer, ReplyBus, SyncJobRouter, InvocationDispatcher],
    };
  }
}
