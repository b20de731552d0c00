import { Backoff, sleep } from './backoff';
import { parseHop } from './hop';

describe('Backoff', () => {
  it('grows exponentially within [base, max] and starts over after a reset', () => {
    const top = new Backoff(100, 1000, () => 1);
    expect([top.next(), top.next(), top.next(), top.next(), top.next()]).toEqual([100, 200, 400, 800, 1000]);
    top.reset();
    expect(top.next()).toBe(100);
    const bottom = new Backoff(100, 1000, () => 0);
    expect([bottom.next(), bottom.next(), bottom.next()]).toEqual([100, 100, 100]);
  });

  it('wakes a sleeper when its signal aborts', async () => {
    const abort = new AbortController();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});

describe('parseHop', () => {
  it('reads numbers, numeric strings and buffers; anything else is 0', () => {
    expect(parseHop(3)).toBe(3);
    expect(parseHop(' 16 ')).toBe(16);
    expect(parseHop(Buffer.from('7'))).toBe(7);
    expect(parseHop(undefined)).toBe(0);
    expect(parseHop('x')).toBe(0);
    expect(parseHop(-2)).toBe(0);
    expect(parseHop(1.5)).toBe(0);
  });
});
