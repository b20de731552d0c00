import { aFunctionEntity } from '../testing/function-entity.builder';
import { FunctionLookupCache } from './function-lookup.cache';
import type { ResolvedFunction } from './resolved-function';

describe('FunctionLookupCache', () => {
  let clock = 0;
  let loads = 0;
  const fn = aFunctionEntity({ id: '11111111-1111-4111-8111-111111111111' });
  const resolved: ResolvedFunction = {
    fn,
    ref: { projectId: fn.projectId, package: fn.package, funcName: fn.funcName },
    target: { kind: 'latest' },
  };
  const load = async (): Promise<ResolvedFunction> => {
    loads += 1;
    return resolved;
  };

  beforeEach(() => {
    clock = 0;
    loads = 0;
  });

  it('serves repeated lookups from memory until the TTL passes', async () => {
    const cache = new FunctionLookupCache(1000, 10, () => clock);
    await cache.get('p', 'hello', load);
    await cache.get('p', 'hello', load);
    expect(loads).toBe(1);
    clock = 1001;
    await cache.get('p', 'hello', load);
    expect(loads).toBe(2);
  });

  it('keeps projects apart and evicts every spelling of a changed function', async () => {
    const cache = new FunctionLookupCache(60_000, 10, () => clock);
    await cache.get('p', 'hello', load);
    await cache.get('p', 'default:hello', load);
    await cache.get('q', 'hello', load);
    expect(loads).toBe(3);
    cache.evictFunction(fn.id);
    expect(cache.size).toBe(0);
  });

  it('does not cache failures, and caches nothing with a TTL of 0', async () => {
    const cache = new FunctionLookupCache(60_000, 10, () => clock);
    await expect(cache.get('p', 'x', () => Promise.reject(new Error('FSS.1051')))).rejects.toThrow(
      'FSS.1051',
    );
    expect(cache.size).toBe(0);
    const off = new FunctionLookupCache(0);
    await off.get('p', 'hello', load);
    await off.get('p', 'hello', load);
    expect(loads).toBe(2);
  });

  it('stays bounded', async () => {
    const cache = new FunctionLookupCache(60_000, 2, () => clock);
    for (const urn of ['a', 'b', 'c']) await cache.get('p', urn, load);
    expect(cache.size).toBe(2);
  });
});
