import { MessageBatcher } from './message-batcher';

describe('MessageBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A batcher whose flushes are recorded and settled by the test. */
  function aBatcher(maxSize: number, windowMs: number) {
    const batches: number[][] = [];
    const settle: (() => void)[] = [];
    const batcher = new MessageBatcher<number>(maxSize, windowMs, (batch) => {
      batches.push(batch);
      return new Promise<void>((resolve) => settle.push(resolve));
    });
    return { batcher, batches, settle };
  }

  const flushPromises = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('flushes a full batch at once and a partial one after the window', async () => {
    const { batcher, batches, settle } = aBatcher(3, 500);
    [1, 2, 3].forEach((n) => batcher.add(n));
    expect(batches).toEqual([[1, 2, 3]]);
    settle[0]();
    await flushPromises();
    batcher.add(4);
    expect(batches).toHaveLength(1);
    jest.advanceTimersByTime(499);
    expect(batches).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('runs one flush at a time; what arrived meanwhile is the next batch', async () => {
    const { batcher, batches, settle } = aBatcher(2, 500);
    batcher.add(1);
    batcher.add(2);
    batcher.add(3);
    batcher.add(4);
    batcher.add(5);
    expect(batches).toEqual([[1, 2]]);
    settle[0]();
    await flushPromises();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    settle[1]();
    await flushPromises();
    // 5 is not a full batch: it goes when the window opened by 3 (the first of the waiting items) ends.
    expect(batches).toHaveLength(2);
    jest.advanceTimersByTime(500);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    settle[2]();
    await batcher.idle();
  });

  it('hands back what is still buffered', () => {
    const { batcher, batches } = aBatcher(5, 500);
    batcher.add(1);
    batcher.add(2);
    expect(batcher.drain()).toEqual([1, 2]);
    jest.advanceTimersByTime(1000);
    expect(batches).toEqual([]);
  });
});
