import { reservedShare, splitReserved } from './reserved-share';

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

describe('splitReserved', () => {
  it('hands out exactly the count, evenly, over every member', () => {
    for (const members of [['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e']]) {
      for (const count of [0, 1, 2, 3, 7, 100]) {
        const split = splitReserved('p|f|latest', count, members);
        expect(sum(split)).toBe(count);
        expect([...split.keys()].sort()).toEqual(members);
        const values = [...split.values()];
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('gives 3 over 2 invokers as 2 and 1', () => {
    expect([...splitReserved('p|f|latest', 3, ['inv-a', 'inv-b']).values()].sort()).toEqual([1, 2]);
  });

  it('gives every invoker the same answer whatever order it lists the members in', () => {
    const a = splitReserved('p|f|latest', 5, ['x', 'y', 'z']);
    const b = splitReserved('p|f|latest', 5, ['z', 'x', 'y', 'x']);
    expect(Object.fromEntries(b)).toEqual(Object.fromEntries(a));
  });

  it('spreads the remainders of different reservations over different invokers', () => {
    const winners = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const split = splitReserved(`p|fn-${i}|latest`, 1, ['a', 'b', 'c']);
      winners.add([...split].find(([, n]) => n === 1)![0]);
    }
    expect([...winners].sort()).toEqual(['a', 'b', 'c']);
  });

  it("moves only the dead member's part when one of three members leaves", () => {
    const before = splitReserved('p|f|latest', 9, ['a', 'b', 'c']);
    const after = splitReserved('p|f|latest', 9, ['a', 'c']);
    expect(sum(after)).toBe(9);
    expect(after.get('a')!).toBeGreaterThanOrEqual(before.get('a')!);
    expect(after.get('c')!).toBeGreaterThanOrEqual(before.get('c')!);
  });

  it('gives nothing to an invoker outside the members and nothing for an empty membership', () => {
    expect(reservedShare('p|f|latest', 3, ['a', 'b'], 'stranger')).toBe(0);
    expect(splitReserved('p|f|latest', 3, []).size).toBe(0);
    expect(reservedShare('p|f|latest', 3, ['only'], 'only')).toBe(3);
  });
});
