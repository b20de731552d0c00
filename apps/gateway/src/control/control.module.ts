import { DynamicModule, Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { CONTROL_CLIENT, ControlEventsPublisher } from './control-events.publisher';
import { redisOptionsFromUrl } from '@ofg/queue';

/** Control-event publishing over @nestjs/microservices' Redis transport. */
@Module({})
export class ControlModule {
  static forRoot(redisUrl: string): DynamicModule {
    return {
      module: ControlModule,
      global: true,
      imports: [
        ClientsModule.register([
          // No retryAttempts on purpose: Nest's Redis client then drops a lost connection and reconnects on the next
          // emit, whereas with retryAttempts it stays broken for good once they are exhausted.
          { name: CONTROL_CLIENT, transport: Transport.REDIS, options: redisOptionsFromUrl(redisUrl) },
        ]),
      ],
      providers: [ControlEventsPublisher],
      exports: [ControlEventsPublisher],
    };
  }
}
