import { Provider } from '@nestjs/common';
import { createRedisConnection } from '@ofg/queue';
import { InvokerConfig } from '../config/invoker.config';
import { InstancePoolService } from '../instances/instance-pool.service';
import { InvocationProcessor } from '../processors/invocation.processor';
import { DeadInvokerSweeper } from './dead-invoker.sweeper';
import { InvokerRegistry } from './invoker-registry';
import { INVOKER_BOOT, RESERVATION_POOL } from './reservation-pool.port';
import { PostgresReservationSource, RESERVATION_SOURCE } from './reservation.source';
import { ReservedInstancesReconciler } from './reserved-instances.reconciler';
import { loadReservedOptions, RESERVED_OPTIONS } from './reserved.options';

/** The reserved-instance reconciler and what it needs; its settings are read (and checked) at boot. */
export function reservedInstanceProviders(config: InvokerConfig): Provider[] {
  const options = loadReservedOptions(config.invokerId, config.region);
  return [
    { provide: RESERVED_OPTIONS, useValue: options },
    {
      provide: InvokerRegistry,
      useFactory: (): InvokerRegistry =>
        // Queues commands while (re)connecting, so the first beat at boot waits for the connection; fails after one retry.
        new InvokerRegistry(
          createRedisConnection(config.redisUrl, 'producer', { enableOfflineQueue: true }),
          {
            invokerId: options.invokerId,
            heartbeatTtlMs: options.heartbeatTtlMs,
          },
        ),
    },
    { provide: RESERVATION_SOURCE, useClass: PostgresReservationSource },
    { provide: RESERVATION_POOL, useExisting: InstancePoolService },
    { provide: INVOKER_BOOT, useExisting: InvocationProcessor },
    DeadInvokerSweeper,
    ReservedInstancesReconciler,
  ];
}
