import { aFunctionEntity } from '../testing/function-entity.builder';
import { FunctionEventsListener } from './function-events.listener';
import { FunctionLookupCache } from './function-lookup.cache';

describe('FunctionEventsListener', () => {
  it('evicts the changed function from the lookup cache and ignores malformed events', async () => {
    const cache = new FunctionLookupCache(60_000);
    const fn = aFunctionEntity({ id: '22222222-2222-4222-8222-222222222222' });
    const ref = { projectId: 'p', package: fn.package, funcName: fn.funcName };
    await cache.get('p', 'hello', async () => ({ fn, ref, target: { kind: 'latest' } }));
    await cache.get('p', 'hello:!dev', async () => ({ fn, ref, target: { kind: 'latest' } }));
    const listener = new FunctionEventsListener(cache);
    listener.onFunctionChanged(null);
    listener.onFunctionChanged({ projectId: 'p' });
    expect(cache.size).toBe(2);
    // An alias moving evicts too: the cached entry of `!dev` names the alias's old versions.
    listener.onFunctionChanged({ functionId: fn.id, projectId: 'p', action: 'versions' });
    expect(cache.size).toBe(0);
  });
});
