import { DynamicModule, Module } from '@nestjs/common';
import { DataAccessModule } from '@ofg/data-access';
import { ObservabilityModule } from '@ofg/observability';
import { QueueModule } from '@ofg/queue';
import { TRIGGER_CONFIG, TriggerConfig } from './config/trigger.config';
import { ControlEventsController } from './control/control-events.controller';
import { DependencyHealthService } from './health/dependency-health.service';
import { CtsEventSource } from './sources/cts/cts.source';
import { DisEventSource } from './sources/dis/dis.source';
import { EVENT_SOURCE_DRIVERS, EventSourceDriver } from './sources/event-source.port';
import { LtsEventSource } from './sources/lts/lts.source';
import { MqttEventSource } from './sources/mqtt/mqtt.source';
import { NatsEventSource } from './sources/nats/nats.source';
import { RabbitmqEventSource } from './sources/rabbitmq/rabbitmq.source';
import { SmnEventSource } from './sources/smn/smn.source';
import { SourceInvocationService } from './sources/source-invocation.service';
import { SourceLifecycleService } from './sources/source-lifecycle.service';
import { SourceRegistryService } from './sources/source-registry.service';
import { SourceMetrics } from './sources/source.metrics';
import { TimerFiringService } from './timers/timer-firing.service';
import { TimerLifecycleService } from './timers/timer-lifecycle.service';
import { TimerSchedulerService } from './timers/timer-scheduler.service';
import { TimerTickProcessor } from './timers/timer-tick.processor';
import { RepositoryTimerTriggerSource, TIMER_TRIGGER_SOURCE } from './timers/timer-trigger.source';
import { TimerQueue } from './timers/timer.queue';

/**
 * Composition root of the trigger service: timer schedulers and the tick worker, the consumers of the message and
 * stream triggers (DIS, DMS, RABBITMQ) and the control-event listener.
 */
@Module({})
export class TriggerModule {
  static forRoot(config: TriggerConfig): DynamicModule {
    return {
      module: TriggerModule,
      imports: [
        ObservabilityModule.forRoot('trigger'),
        DataAccessModule.forRoot(config.databaseUrl),
        QueueModule.forRoot({
          redisUrl: config.redisUrl,
          region: config.region,
          syncQueueWaitMs: config.syncQueueWaitMs,
          syncDispatch: config.syncDispatch,
        }),
      ],
      controllers: [ControlEventsController],
      providers: [
        { provide: TRIGGER_CONFIG, useValue: config },
        { provide: TimerQueue, useFactory: () => new TimerQueue(config.redisUrl, config.timerQueuePrefix) },
        { provide: TIMER_TRIGGER_SOURCE, useClass: RepositoryTimerTriggerSource },
        TimerSchedulerService,
        TimerFiringService,
        {
          provide: TimerTickProcessor,
          useFactory: (firing: TimerFiringService) =>
            new TimerTickProcessor(firing, {
              redisUrl: config.redisUrl,
              prefix: config.timerQueuePrefix,
              concurrency: 16,
            }),
          inject: [TimerFiringService],
        },
        DependencyHealthService,
        TimerLifecycleService,
        SourceMetrics,
        SourceInvocationService,
        DisEventSource,
        RabbitmqEventSource,
        SmnEventSource,
        CtsEventSource,
        LtsEventSource,
        MqttEventSource,
        NatsEventSource,
        {
          provide: EVENT_SOURCE_DRIVERS,
          useFactory: (...drivers: EventSourceDriver[]): EventSourceDriver[] => drivers,
          inject: [
            DisEventSource,
            RabbitmqEventSource,
            SmnEventSource,
            CtsEventSource,
            LtsEventSource,
            MqttEventSource,
            NatsEventSource,
          ],
        },
        SourceRegistryService,
        SourceLifecycleService,
      ],
    };
  }
}
