import { Inject, Injectable, Logger } from '@nestjs/common';
import { isStreamSourceType, STREAM_SOURCE_TYPES, StreamSourceType } from '@ofg/contracts';
import { TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { EVENT_SOURCE_DRIVERS, EventSourceDriver, SourceBinding, SourceConsumer } from './event-source.port';
import { SourceMetrics } from './source.metrics';

/** What one reconciliation did to one trigger's consumer. */
export type SourceReconcileAction =
  'started' | 'restarted' | 'unchanged' | 'stopped' | 'removed' | 'absent' | 'invalid';
export type SourceReconcileSummary = Record<SourceReconcileAction | 'failed', number>;

interface Bound {
  binding: SourceBinding;
  driver: EventSourceDriver;
}

interface Running extends Bound {
  consumer: SourceConsumer;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Keeps one consumer per ACTIVE DIS, DMS and RABBITMQ trigger running in this replica, in step with Postgres. Every
 * replica runs the same set; the brokers share the messages among them (consumer groups, competing consumers).
 */
@Injectable()
export class SourceRegistryService {
  private readonly logger = new Logger(SourceRegistryService.name);
  private readonly running = new Map<string, Running>();
  /** The last binding seen of every source trigger (active or not), so its broker state can go when it does. */
  private readonly known = new Map<string, Bound>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly triggers: TriggerRepository,
    @Inject(EVENT_SOURCE_DRIVERS) private readonly drivers: EventSourceDriver[],
    private readonly metrics: SourceMetrics,
  ) {}

  /** Trigger ids with a running consumer. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Re-reads one trigger and starts, restarts or stops its consumer to match. */
  reconcileTrigger(triggerId: string): Promise<SourceReconcileAction> {
    return this.serialized(triggerId, async () =>
      this.apply(triggerId, UUID.test(triggerId) ? await this.triggers.findAnyById(triggerId) : null),
    );
  }

  /** Brings every consumer in line with Postgres; heals whatever control events were missed. */
  async reconcileAll(): Promise<SourceReconcileSummary> {
    const summary: SourceReconcileSummary = {
      started: 0,
      restarted: 0,
      unchanged: 0,
      stopped: 0,
      removed: 0,
      absent: 0,
      invalid: 0,
      failed: 0,
    };
    const count = async (triggerId: string, reconcile: () => Promise<SourceReconcileAction>) => {
      try {
        summary[await reconcile()]++;
      } catch (err) {
        summary.failed++;
        this.logger.warn({ triggerId, err }, 'source trigger reconciliation failed; the next run retries it');
      }
    };
    const types = STREAM_SOURCE_TYPES.filter((t) => this.driverFor(t));
    const listed = (await Promise.all(types.map((t) => this.triggers.listAllOfType(t)))).flat();
    const seen = new Set(listed.map((t) => t.id));
    for (const trigger of listed)
      await count(trigger.id, () => this.serialized(trigger.id, () => this.apply(trigger.id, trigger)));
    // Re-read the rest one by one: a trigger created after the list was taken keeps its consumer.
    const orphans = [...new Set([...this.running.keys(), ...this.known.keys()])].filter(
      (id) => !seen.has(id),
    );
    for (const id of orphans) await count(id, () => this.reconcileTrigger(id));
    return summary;
  }

  /** Stops every consumer (unacknowledged messages go back to the brokers) and closes the drivers. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending.values()]);
    await Promise.allSettled([...this.running.keys()].map((id) => this.stopConsumer(id)));
    await Promise.allSettled(this.drivers.map((d) => d.close()));
  }

  private driverFor(type: StreamSourceType): EventSourceDriver | undefined {
    return this.drivers.find((d) => d.types.includes(type));
  }

  /** Changes of one trigger apply one at a time (a control event and the periodic reconcile may meet). */
  private serialized<T>(triggerId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.pending.get(triggerId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tracked = next.finally(() => {
      if (this.pending.get(triggerId) === tracked) this.pending.delete(triggerId);
    });
    this.pending.set(triggerId, tracked);
    return next;
  }

  private async apply(triggerId: string, trigger: TriggerEntity | null): Promise<SourceReconcileAction> {
    const type = trigger?.triggerTypeCode ?? '';
    const driver = trigger && isStreamSourceType(type) ? this.driverFor(type) : undefined;
    if (!trigger || !driver) {
      const stopped = await this.stopConsumer(triggerId);
      const known = this.known.get(triggerId);
      this.known.delete(triggerId);
      if (known) await this.release(known);
      return stopped || known ? 'removed' : 'absent';
    }
    const bound = driver.bind(trigger);
    if (!bound.ok) {
      this.logger.warn(
        { triggerId, reason: bound.reason },
        'source trigger has unusable event_data; not consuming',
      );
      await this.stopConsumer(triggerId);
      return 'invalid';
    }
    const { binding } = bound;
    const previous = this.known.get(triggerId);
    this.known.set(triggerId, { binding, driver });
    const current = this.running.get(triggerId);
    if (trigger.triggerStatus !== 'ACTIVE') {
      const stopped = await this.stopConsumer(triggerId);
      if (previous) await this.releaseIfMoved(previous, binding);
      return stopped ? 'stopped' : 'absent';
    }
    if (current?.binding.fingerprint === binding.fingerprint) return 'unchanged';
    if (current) await this.stopConsumer(triggerId);
    if (previous) await this.releaseIfMoved(previous, binding);
    if (this.closed) return 'absent';
    const consumer = driver.consumer(binding);
    consumer.start();
    this.running.set(triggerId, { binding, driver, consumer });
    this.metrics.consumers(binding.trigger.type, 1);
    this.logger.log(
      { triggerId, type: binding.trigger.type, restarted: current !== undefined },
      'source trigger consumer started',
    );
    return current ? 'restarted' : 'started';
  }

  private async stopConsumer(triggerId: string): Promise<boolean> {
    const current = this.running.get(triggerId);
    if (!current) return false;
    this.running.delete(triggerId);
    this.metrics.consumers(current.binding.trigger.type, -1);
    await current.consumer.stop();
    this.logger.log({ triggerId, type: current.binding.trigger.type }, 'source trigger consumer stopped');
    return true;
  }

  private async releaseIfMoved(previous: Bound, next: SourceBinding): Promise<void> {
    if (previous.binding.resource !== next.resource) await this.release(previous, next);
  }

  /** A failed release is logged, not retried: what it leaves is an unread group or queue, not a lost message. */
  private async release(known: Bound, next?: SourceBinding): Promise<void> {
    try {
      await known.driver.release(known.binding, next);
    } catch (err) {
      this.logger.warn(
        { triggerId: known.binding.trigger.id, resource: known.binding.resource, err },
        'could not release the broker state of a source trigger',
      );
    }
  }
}
