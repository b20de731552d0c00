import type Redis from 'ioredis';
import { INVOKER_REGISTRY_KEYS, SYNC_INBOX_KEYS } from '@ofg/contracts';

/** Live invoker ids: heartbeats not yet expired, judged by the Redis clock so host clocks do not matter. */
const LIVE_INVOKERS_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')`;

export async function readLiveInvokers(redis: Redis): Promise<string[]> {
  return (await redis.eval(LIVE_INVOKERS_SCRIPT, 1, INVOKER_REGISTRY_KEYS.members)) as string[];
}

/** Moves every job of an inbox (a stopping or dead invoker's) to the shared inbox; answers how many moved. */
const HAND_OVER_SCRIPT = `
local n = 0
while redis.call('RPOPLPUSH', KEYS[1], KEYS[2]) do n = n + 1 end
return n`;

export async function handOverInbox(redis: Redis, inboxKey: string): Promise<number> {
  return (await redis.eval(HAND_OVER_SCRIPT, 2, inboxKey, SYNC_INBOX_KEYS.shared)) as number;
}
