import { Inject, Injectable, Logger } from '@nestjs/common';
import { FunctionSnapshot } from '@ofg/contracts';
import {
  FunctionVersionRepository,
  mainFunctionAt,
  ReservedInstanceConfigRepository,
  toFunctionSnapshot,
} from '@ofg/data-access';
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

/**
 * Every tenant's reservations from Postgres, turned into the same snapshots the gateway puts in invocation jobs. A
 * version reservation runs that version; an alias reservation runs the alias's main version (weights and rules only
 * steer requests).
 */
@Injectable()
export class PostgresReservationSource implements ReservationSource {
  private readonly logger = new Logger(PostgresReservationSource.name);
  private readonly warned = new Set<string>();

  constructor(
    @Inject(ReservedInstanceConfigRepository) private readonly repo: ReservedInstanceConfigRepository,
    @Inject(RESERVED_OPTIONS) private readonly options: ReservedOptions,
    @Inject(FunctionVersionRepository) private readonly versions: FunctionVersionRepository,
  ) {}

  async list(): Promise<Reservation[]> {
    const rows = await this.repo.listReservedInAllProjects();
    const reservations: Reservation[] = [];
    for (const { config, fn } of rows) {
      const key = `${config.projectId}|${config.functionId}|${config.qualifierType}:${config.qualifierName}`;
      const ref =
        config.qualifierType === 'alias'
          ? { alias: config.qualifierName }
          : { version: config.qualifierName };
      const target = await this.versions.loadQualifier(config.projectId, fn.id, ref);
      // Deleting a version or alias deletes its reservation too; this only bridges that race.
      if (!target) {
        if (!this.warned.has(key)) {
          this.warned.add(key);
          this.logger.warn({ msg: 'skipping a reservation whose version or alias is gone', key });
        }
        continue;
      }
      reservations.push({
        key,
        count: config.count,
        snapshot: toFunctionSnapshot(mainFunctionAt(fn, target), this.options.region, config.domainId),
      });
    }
    return reservations;
  }
}
