import type Redis from 'ioredis';
import { homeKey, INVOKER_REGISTRY_KEYS, SYNC_INBOX_KEYS } from '@ofg/contracts';

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

/** Becomes the home unless another holds it (`claimOver`, a home that is gone, may be replaced); answers the home. */
const CLAIM_HOME_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (not current) or current == ARGV[1] or current == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return ARGV[1]
end
return current`;

export async function claimHome(
  redis: Redis,
  affinityKey: string,
  invokerId: string,
  claimOver: string | undefined,
  ttlMs: number,
): Promise<string> {
  return (await redis.eval(
    CLAIM_HOME_SCRIPT,
    1,
    homeKey(affinityKey),
    invokerId,
    claimOver ?? '',
    ttlMs,
  )) as string;
}

/**
 * Where a function version without a live home is placed: the live invoker with the highest hash of (key, invoker)
 * (rendezvous hashing), so gateways agree without talking and functions spread evenly over the invokers.
 */
export function placeHome(affinityKey: string, live: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const id of live) {
    const score = fnv1a(`${affinityKey}\n${id}`);
    if (score > bestScore || (score === bestScore && best !== undefined && id < best)) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}

/** 32-bit FNV-1a: cheap and well spread, enough for placing homes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
