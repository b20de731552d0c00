import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisInstanceSlots } from './redis-instance-slots';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/9';

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Real Redis: the counts, leases and events several invokers share. */
describe('RedisInstanceSlots', () => {
  let prefix: string;
  let admin: Redis;
  let started: RedisInstanceSlots[];

  const slots = async (invokerId: string, leaseTtlMs = 15_000): Promise<RedisInstanceSlots> => {
    const s = new RedisInstanceSlots(new Redis(REDIS_URL), new Redis(REDIS_URL), {
      invokerId,
      leaseTtlMs,
      prefix,
    });
    await s.start();
    started.push(s);
    return s;
  };

  const counts = (fn: string): Promise<Record<string, string>> => admin.hgetall(`${prefix}:fn:${fn}`);

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    prefix = `ofg:test:${randomUUID()}`;
    admin = new Redis(REDIS_URL);
    started = [];
  });

  afterEach(async () => {
    for (const s of started) await s.stop();
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('holds max instances across invokers and frees a slot when one is given back', async () => {
    const a = await slots('inv-a');
    const b = await slots('inv-b');

    expect(await a.tryTake('fn-1', 2)).toBe(true);
    expect(await b.tryTake('fn-1', 2)).toBe(true);
    expect(await a.tryTake('fn-1', 2)).toBe(false);
    expect(await b.tryTake('fn-1', 2)).toBe(false);
    expect(await a.tryTake('fn-2', 2)).toBe(true);

    await b.give('fn-1');
    expect(await a.tryTake('fn-1', 2)).toBe(true);
    expect(await counts('fn-1')).toEqual({ [a.owner]: '2' });
  });

  it('counts without a cap when max is negative', async () => {
    const a = await slots('inv-a');
    for (let i = 0; i < 5; i++) expect(await a.tryTake('fn-1', -1)).toBe(true);
    expect(a.heldBy('fn-1')).toBe(5);
    expect(await a.tryTake('fn-1', 5)).toBe(false);
  });

  it('drops the share of an invoker that stopped refreshing its lease', async () => {
    const deadConnection = new Redis(REDIS_URL);
    const dead = new RedisInstanceSlots(deadConnection, new Redis(REDIS_URL), {
      invokerId: 'inv-dead',
      leaseTtlMs: 300,
      prefix,
    });
    await dead.start();
    started.push(dead);
    const alive = await slots('inv-alive', 300);
    expect(await dead.tryTake('fn-1', 1)).toBe(true);
    expect(await alive.tryTake('fn-1', 1)).toBe(false);

    // The invoker loses Redis for good (it died): no heartbeat, no give-back.
    deadConnection.disconnect();

    await until(() => alive.tryTake('fn-1', 1), 'the dead share to expire');
    expect(await counts('fn-1')).toEqual({ [alive.owner]: '1' });
  });

  it('never inherits the share of an earlier run with the same invoker id', async () => {
    const first = await slots('inv-a');
    const second = await slots('inv-a');
    expect(first.owner).not.toBe(second.owner);
    expect(await first.tryTake('fn-1', 1)).toBe(true);
    expect(await second.tryTake('fn-1', 1)).toBe(false);
  });

  it('writes its share again after its lease lapsed and others dropped it', async () => {
    const a = await slots('inv-a', 1000);
    expect(await a.tryTake('fn-1', 1)).toBe(true);
    let lost = 0;
    a.subscribe({ onDemand: () => undefined, onFreed: () => undefined, onLeaseLost: () => (lost += 1) });
    await admin.zrem(`${prefix}:leases`, a.owner);
    await admin.hdel(`${prefix}:fn:fn-1`, a.owner);

    await until(async () => (await counts('fn-1'))[a.owner] === '1', 'the share to be written again');
    expect(lost).toBe(1);
  });

  it('tells the other invokers about demand, and about a freed slot when someone waits', async () => {
    const a = await slots('inv-a');
    const b = await slots('inv-b');
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.subscribe({
      onDemand: (fn) => seenByA.push(`demand ${fn}`),
      onFreed: (fn) => seenByA.push(`freed ${fn}`),
    });
    b.subscribe({
      onDemand: (fn) => seenByB.push(`demand ${fn}`),
      onFreed: (fn) => seenByB.push(`freed ${fn}`),
    });
    expect(await a.tryTake('fn-1', 1)).toBe(true);

    b.announceDemand('fn-1');
    await until(() => seenByA.length === 1, 'the demand');
    await a.give('fn-1');
    await until(() => seenByB.length === 1, 'the freed slot');

    expect(seenByA).toEqual(['demand fn-1']);
    expect(seenByB).toEqual(['freed fn-1']);
  });

  it('gives every slot back when it stops', async () => {
    const a = await slots('inv-a');
    await a.tryTake('fn-1', -1);
    await a.tryTake('fn-2', -1);

    await a.stop();

    expect(await counts('fn-1')).toEqual({});
    expect(await counts('fn-2')).toEqual({});
    expect(await admin.zscore(`${prefix}:leases`, a.owner)).toBeNull();
  });
});
