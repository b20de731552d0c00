import { Inject, Injectable, Logger } from '@nestjs/common';
import { FunctionSnapshot } from '@ofg/contracts';
import { ReservedInstanceConfigRepository, toFunctionSnapshot } from '@ofg/data-access';
import { RESERVED_OPTIONS, ReservedOptions } from './reserved.options';

/** One reservation as the invokers split it: a stable identity, the count, and the snapshot it runs. */
export interface Reservation {
  /** `<project>|<function id>|<qualifier type>:<qualifier name>`: the input of the split, stable across updates. */
  key: string;
  count: number;
  snapshot: FunctionSnapshot;
}

/** Where the reservations come from (Postgres, or a fake in unit tests). */
export interface ReservationSource {
  list(): Promise<Reservation[]>;
}

export const RESERVATION_SOURCE = Symbol('RESERVATION_SOURCE');

/** Every tenant's reservations from Postgres, turned into the same snapshots the gateway puts in invocation jobs. */
@Injectable()
export class PostgresReservationSource implements ReservationSource {
  private readonly logger = new Logger(PostgresReservationSource.name);
  private readonly warned = new Set<string>();

  constructor(
    @Inject(ReservedInstanceConfigRepository) private readonly repo: ReservedInstanceConfigRepository,
    @Inject(RESERVED_OPTIONS) private readonly options: ReservedOptions,
  ) {}

  async list(): Promise<Reservation[]> {
    const rows = await this.repo.listReservedInAllProjects();
    return rows.flatMap(({ config, fn }) => {
      const key = `${config.projectId}|${config.functionId}|${config.qualifierType}:${config.qualifierName}`;
      // Only `latest` can be run today; a version or alias reservation waits until they exist.
      if (config.qualifierType !== 'version' || config.qualifierName !== 'latest') {
        if (!this.warned.has(key)) {
          this.warned.add(key);
          this.logger.warn({ msg: 'skipping a reservation of a qualifier this invoker cannot run', key });
        }
        return [];
      }
      return [
        { key, count: config.count, snapshot: toFunctionSnapshot(fn, this.options.region, config.domainId) },
      ];
    });
  }
}
