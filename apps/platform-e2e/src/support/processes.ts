import { readFileSync } from 'node:fs';
import { readStack } from '@ofg/testing';

/** Node.js handler that sleeps `event.sleepMs` and names the container that ran it. */
export const SLEEPER_SOURCE = `const os = require('os');
exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, event.sleepMs || 0));
  return { slept: event.sleepMs || 0, container: os.hostname() };
};
`;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `read` every 100 ms until `done` holds; fails naming `what` and the last value after `timeoutMs`. */
export async function pollUntil<T>(
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live processes of the stack whose environment matches (e.g. every invoker, or the one with an INVOKER_ID). */
export function stackPidsWhere(matches: (envEntry: string) => boolean): number[] {
  return readStack().pids.filter((pid) => {
    if (!isAlive(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some(matches);
    } catch {
      return false;
    }
  });
}
