import { FgsError } from '../errors/error-code';
import { AliasRouting, normaliseAliasRouting, pickAliasVersion, strategyMatches } from './alias-routing';
import { createAliasSchema, isPublishableVersionName, publishVersionSchema } from './version.schemas';

/** A deterministic uniform sequence (a linear congruential generator), so a split test cannot flake. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FgsError ? err.code : String(err);
  }
  return undefined;
}

const headerRule = (param: string, op: '=' | 'in', value: string) => ({
  rule_type: 'header' as const,
  param,
  op,
  value,
});

describe('pickAliasVersion by weight', () => {
  const routing: AliasRouting = { version: 'v1', weights: { v2: 30 }, strategy: {} };

  it('sends the weight percentage to the additional version and the rest to the main one', () => {
    const random = seeded(42);
    const counts = { v1: 0, v2: 0 };
    for (let i = 0; i < 10_000; i += 1) counts[pickAliasVersion(routing, {}, random) as 'v1' | 'v2'] += 1;
    expect(counts.v2 / 10_000).toBeGreaterThan(0.28);
    expect(counts.v2 / 10_000).toBeLessThan(0.32);
  });

  it.each([
    [0, 'v2'],
    [0.2999, 'v2'],
    [0.3, 'v1'],
    [0.9999, 'v1'],
  ])('draw %p picks %s', (draw, expected) => {
    expect(pickAliasVersion(routing, {}, () => draw)).toBe(expected);
  });

  it('never picks a 0 % version and always a 100 % one', () => {
    expect(pickAliasVersion({ ...routing, weights: { v2: 0 } }, {}, () => 0)).toBe('v1');
    expect(pickAliasVersion({ ...routing, weights: { v2: 100 } }, {}, () => 0.99999)).toBe('v2');
  });
});

describe('pickAliasVersion by rule', () => {
  const byHeader: AliasRouting = {
    version: 'v1',
    weights: {},
    strategy: { v2: { rules: [headerRule('X-Canary', '=', 'yes')], combine_type: 'and' } },
  };

  it('routes a request whose header matches, case-insensitively by name, and leaves the rest on the main one', () => {
    expect(pickAliasVersion(byHeader, { 'x-canary': 'yes' }, () => 0)).toBe('v2');
    expect(pickAliasVersion(byHeader, { 'X-CANARY': 'yes' }, () => 0)).toBe('v2');
    expect(pickAliasVersion(byHeader, { 'x-canary': 'no' }, () => 0)).toBe('v1');
    expect(pickAliasVersion(byHeader, {}, () => 0)).toBe('v1');
  });

  it('lets a rule win over the weights, and applies the weights when no rule matches', () => {
    const both: AliasRouting = { ...byHeader, weights: { v2: 0 } };
    expect(pickAliasVersion(both, { 'x-canary': 'yes' }, () => 0)).toBe('v2');
    expect(pickAliasVersion({ ...both, weights: { v2: 100 } }, {}, () => 0.5)).toBe('v2');
  });

  it('matches `in` against comma-separated values, and repeated headers element by element', () => {
    const strategy = { rules: [headerRule('x-user', 'in', 'alice, bob')], combine_type: 'and' as const };
    expect(strategyMatches(strategy, { 'x-user': 'bob' })).toBe(true);
    expect(strategyMatches(strategy, { 'x-user': 'carol' })).toBe(false);
    expect(strategyMatches(strategy, { 'x-user': ['carol', 'alice'] })).toBe(true);
    expect(strategyMatches(strategy, { 'x-user': 'carol, alice' })).toBe(true);
  });

  it('combines rules with and (all) or or (any)', () => {
    const rules = [headerRule('x-a', '=', '1'), headerRule('x-b', '=', '2')];
    expect(strategyMatches({ rules, combine_type: 'and' }, { 'x-a': '1' })).toBe(false);
    expect(strategyMatches({ rules, combine_type: 'and' }, { 'x-a': '1', 'x-b': '2' })).toBe(true);
    expect(strategyMatches({ rules, combine_type: 'or' }, { 'x-b': '2' })).toBe(true);
    expect(strategyMatches({ rules, combine_type: 'or' }, {})).toBe(false);
  });

  it('reads cookies by exact name from the Cookie header', () => {
    const strategy = {
      rules: [{ rule_type: 'cookie' as const, param: 'group', op: '=' as const, value: 'beta' }],
      combine_type: 'and' as const,
    };
    expect(strategyMatches(strategy, { cookie: 'a=1; group=beta; z=2' })).toBe(true);
    expect(strategyMatches(strategy, { cookie: 'group="beta"' })).toBe(true);
    expect(strategyMatches(strategy, { cookie: 'Group=beta' })).toBe(false);
    expect(strategyMatches(strategy, { 'x-group': 'beta' })).toBe(false);
  });
});

describe('normaliseAliasRouting', () => {
  it('keeps valid weights and fills the default combine type', () => {
    expect(normaliseAliasRouting('v1', { v2: 30 }, { v2: { rules: [headerRule('x-a', '=', '1')] } })).toEqual(
      {
        version: 'v1',
        weights: { v2: 30 },
        strategy: { v2: { rules: [headerRule('x-a', '=', '1')], combine_type: 'and' } },
      },
    );
    expect(normaliseAliasRouting('latest', null, undefined)).toEqual({
      version: 'latest',
      weights: {},
      strategy: {},
    });
  });

  it.each([
    ['a negative weight', { v2: -1 }, undefined, 'FSS.1092'],
    ['a weight over 100', { v2: 101 }, undefined, 'FSS.1092'],
    ['a fractional weight', { v2: 2.5 }, undefined, 'FSS.1092'],
    ['a text weight', { v2: '30' }, undefined, 'FSS.1092'],
    ['latest as additional version', { latest: 10 }, undefined, 'FSS.1091'],
    ['a malformed version name', { 'v 2': 10 }, undefined, 'FSS.1091'],
    ['two additional versions', { v2: 10, v3: 10 }, undefined, 'FSS.1091'],
    ['the main version as additional', { v1: 10 }, undefined, 'FSS.1093'],
    [
      'a rule with an unknown type',
      undefined,
      { v2: { rules: [{ ...headerRule('a', '=', 'b'), rule_type: 'query' }] } },
      'FSS.1091',
    ],
    [
      'a rule with an unknown op',
      undefined,
      { v2: { rules: [{ ...headerRule('a', '=', 'b'), op: '!=' }] } },
      'FSS.1091',
    ],
    ['a strategy without rules', undefined, { v2: { rules: [] } }, 'FSS.1091'],
    ['rules on the main version', undefined, { v1: { rules: [headerRule('a', '=', 'b')] } }, 'FSS.1093'],
    [
      'weights and rules on different versions',
      { v2: 10 },
      { v3: { rules: [headerRule('a', '=', 'b')] } },
      'FSS.1091',
    ],
  ])('refuses %s with %s', (_label, weights, strategy, code) => {
    expect(
      codeOf(() =>
        normaliseAliasRouting(
          'v1',
          weights as Record<string, unknown> | undefined,
          strategy as Record<string, unknown> | undefined,
        ),
      ),
    ).toBe(code);
  });
});

describe('version and alias names', () => {
  it.each(['v1', '1', 'v20240101-120000', 'release_2.1', 'a'.repeat(64)])('publishes %s', (name) => {
    expect(isPublishableVersionName(name)).toBe(true);
  });

  it.each(['latest', 'LATEST', '', '-v1', 'v 1', 'v!1', 'a'.repeat(65)])('refuses version %p', (name) => {
    expect(isPublishableVersionName(name)).toBe(false);
    expect(publishVersionSchema.safeParse({ version: name }).success).toBe(false);
  });

  it.each([
    ['dev', true],
    ['prod-2', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['2prod', false],
    ['prod-', false],
    ['pr od', false],
    ['!dev', false],
  ])('alias %p valid: %p', (name, valid) => {
    expect(createAliasSchema.safeParse({ name, version: 'v1' }).success).toBe(valid);
  });
});
