import { createHash } from 'node:crypto';

/**
 * Splits one reservation's count over the live invokers without them talking to each other: every invoker ranks
 * the members by a hash of (reservation, member) (rendezvous hashing), each gets `floor(count / n)` and the first
 * `count % n` get one more. The same inputs give every invoker the same answer, the remainders of different
 * reservations land on different invokers, and a member joining or leaving moves as few instances as possible.
 */
export function splitReserved(
  reservationKey: string,
  count: number,
  members: readonly string[],
): Map<string, number> {
  const unique = [...new Set(members)];
  const shares = new Map<string, number>();
  if (unique.length === 0 || count <= 0) {
    for (const m of unique) shares.set(m, 0);
    return shares;
  }
  const ranked = unique
    .map((member) => ({ member, score: rank(reservationKey, member) }))
    .sort((a, b) => (a.score < b.score ? 1 : a.score > b.score ? -1 : a.member < b.member ? -1 : 1));
  const base = Math.floor(count / unique.length);
  const extra = count % unique.length;
  ranked.forEach(({ member }, i) => shares.set(member, base + (i < extra ? 1 : 0)));
  return shares;
}

/** This invoker's part of a reservation; 0 when it is not among the members. */
export function reservedShare(
  reservationKey: string,
  count: number,
  members: readonly string[],
  self: string,
): number {
  return splitReserved(reservationKey, count, members).get(self) ?? 0;
}

function rank(reservationKey: string, member: string): string {
  return createHash('sha256').update(reservationKey).update('\n').update(member).digest('hex');
}
