import type { FunctionRepository, FunctionVersionEntity, FunctionVersionRepository } from '@ofg/data-access';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { FunctionLookupCache } from './function-lookup.cache';
import { FunctionResolver } from './function.resolver';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };

/** A repository fake holding one function, default:hello. */
function resolverWith(): FunctionResolver {
  const fn = aFunctionEntity({ projectId: PROJECT });
  const repo = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      projectId === fn.projectId && pkg === fn.package && name === fn.funcName ? fn : null,
  } as unknown as FunctionRepository;
  return new FunctionResolver(repo);
}

describe('FunctionResolver', () => {
  const resolver = resolverWith();

  it.each([
    'hello',
    'default:hello',
    `${PROJECT}:default:hello`,
    `${PROJECT}:default:hello:latest`,
    `urn:fss:local:${PROJECT}:function:default:hello`,
    `urn:fss:local:${PROJECT}:function:default:hello:latest`,
  ])('finds the latest head from %s', async (urn) => {
    await expect(resolver.findLatest(urn, auth)).resolves.toMatchObject({ funcName: 'hello' });
  });

  it.each([
    ['a missing function', 'nope', 'FSS.1051'],
    ['another project', `urn:fss:local:ffffffffffffffffffffffffffffffff:function:default:hello`, 'FSS.1051'],
    ['a version', `${PROJECT}:default:hello:v1`, 'FSS.1052'],
    ['an alias', `${PROJECT}:default:hello:!dev`, 'FSS.1053'],
    ['a truncated URN', 'urn:fss:local', 'FSS.1309'],
    ['five fields', 'a:b:c:d:e', 'FSS.1309'],
  ])('answers %s with %s', async (_label, urn, code) => {
    await expect(resolver.findLatest(urn, auth)).rejects.toMatchObject({ code });
  });
});

describe('FunctionResolver with versions and aliases', () => {
  const fn = aFunctionEntity({ projectId: PROJECT });
  const v1 = { version: 'v1', codeDigest: 'v1-digest' } as FunctionVersionEntity;
  let loads = 0;
  const functions = {
    findByName: async (_p: string, _pkg: string, name: string) => (name === fn.funcName ? fn : null),
  } as unknown as FunctionRepository;
  const versions = {
    loadQualifier: async (_p: string, _id: string, ref: { version?: string; alias?: string }) => {
      loads += 1;
      if (ref.version === 'v1') return { kind: 'version', version: v1 };
      if (ref.alias === 'dev')
        return {
          kind: 'alias',
          alias: { name: 'dev', version: 'v1', additionalVersionWeights: {}, additionalVersionStrategy: {} },
          versions: [v1],
        };
      return null;
    },
  } as unknown as FunctionVersionRepository;
  const resolver = new FunctionResolver(functions, new FunctionLookupCache(60_000), versions);

  it('resolves what a qualifier names, and answers a missing one with FSS.1052 or FSS.1053', async () => {
    await expect(resolver.findTarget(`${PROJECT}:default:hello:v1`, auth)).resolves.toMatchObject({
      target: { kind: 'version', version: { version: 'v1' } },
    });
    await expect(resolver.findTarget('hello', auth)).resolves.toMatchObject({ target: { kind: 'latest' } });
    await expect(resolver.findTarget(`${PROJECT}:default:hello:v2`, auth)).rejects.toMatchObject({
      code: 'FSS.1052',
    });
    await expect(resolver.findTarget(`${PROJECT}:default:hello:!prod`, auth)).rejects.toMatchObject({
      code: 'FSS.1053',
    });
  });

  it('refuses to change a published version (FSS.1015) or an alias (FSS.1014) as the head', async () => {
    await expect(resolver.findLatest(`${PROJECT}:default:hello:v1`, auth)).rejects.toMatchObject({
      code: 'FSS.1015',
      status: 400,
    });
    await expect(resolver.findLatest(`${PROJECT}:default:hello:!dev`, auth)).rejects.toMatchObject({
      code: 'FSS.1014',
    });
    await expect(resolver.findLatest(`${PROJECT}:default:hello:v9`, auth)).rejects.toMatchObject({
      code: 'FSS.1052',
    });
  });

  it('serves invocation lookups from the cache until the function changes', async () => {
    const urn = `${PROJECT}:default:hello:!dev`;
    loads = 0;
    await resolver.findForInvoke(urn, auth);
    await resolver.findForInvoke(urn, auth);
    expect(loads).toBe(1);
    resolver.evict(fn.id);
    await resolver.findForInvoke(urn, auth);
    expect(loads).toBe(2);
  });
});
