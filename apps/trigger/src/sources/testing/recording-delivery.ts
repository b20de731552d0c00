import { SourceTrigger } from '../event-source.port';
import { DeliveryOutcome, SourceInvocationService, SourceMessage } from '../source-invocation.service';

/** One call of the delivery: what a consumer handed over for one invocation. */
export interface RecordedDelivery {
  trigger: SourceTrigger;
  keys: (string | undefined)[];
  hops: number[];
  event: unknown;
}

/**
 * Stands in for the invocation service in broker integration specs (the broker side is what they test): records
 * every batch and answers as told — accept, fail (not accepted) or hang (a consumer "killed" before its ack).
 */
export class RecordingDelivery implements Pick<SourceInvocationService, 'deliver'> {
  readonly calls: RecordedDelivery[] = [];
  /** How the next calls answer; `accept` once the list is empty. */
  readonly plan: ('accept' | 'fail' | 'hang')[] = [];
  /** Delivered batches whose acceptance resolved. */
  accepted = 0;

  async deliver<M extends SourceMessage>(
    trigger: SourceTrigger,
    messages: readonly M[],
    toEvent: (messages: M[], hop: number) => unknown,
  ): Promise<DeliveryOutcome> {
    this.calls.push({
      trigger,
      keys: messages.map((m) => m.key),
      hops: messages.map((m) => m.hop),
      event: toEvent([...messages], messages.reduce((max, m) => Math.max(max, m.hop), 0) + 1),
    });
    const step = this.plan.shift() ?? 'accept';
    if (step === 'fail') throw new Error('not accepted (test)');
    if (step === 'hang') await new Promise<never>(() => undefined);
    this.accepted++;
    return 'invoked';
  }
}

/** Polls `read` every 50 ms until `done` holds; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
