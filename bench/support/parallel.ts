/** Runs `task` for 0..n-1 with at most `concurrency` in flight, each slot taking the next index when it is free. */
export async function inParallel(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const slot = async (): Promise<void> => {
    while (next < n) {
      const i = next;
      next += 1;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, slot));
}

export interface ClosedLoopFigures {
  /** Milliseconds of every call that succeeded, on the high-resolution clock. */
  latenciesMs: number[];
  errors: number;
  /** From the first call's start to the last call's end. */
  elapsedMs: number;
}

/**
 * Keeps `concurrency` calls of `task` in flight for `durationMs`: each loop starts its next call when its last one
 * ended (a closed loop, like an autocannon connection), and no call starts after the deadline.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  task: () => Promise<void>,
): Promise<ClosedLoopFigures> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(durationMs * 1e6));
  const loop = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadline) {
      const sent = process.hrtime.bigint();
      try {
        await task();
        latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { latenciesMs, errors, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}
