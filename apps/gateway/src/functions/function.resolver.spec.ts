import type { FunctionRepository } from '@ofg/data-access';
import { aFunctionEntity } from '../testing/function-entity.builder';
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
