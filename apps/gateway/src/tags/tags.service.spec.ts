import { FgsError, TAG_KEY_PATTERN, TAG_VALUE_PATTERN } from '@ofg/contracts';
import type {
  AddTagsResult,
  FunctionRepository,
  FunctionTagRepository,
  ResourceFilter,
  TagRecord,
} from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { parseTagsBody, resourceFilterOf, TagsService } from './tags.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };

/** Tags in memory with the repository's cap rule; records the last query it was asked. */
class FakeTags {
  readonly byFunction = new Map<string, Map<string, string>>();
  lastQuery?: { filter: ResourceFilter; offset: number; limit: number };

  async listForFunction(_projectId: string, functionId: string): Promise<TagRecord[]> {
    return [...(this.byFunction.get(functionId) ?? new Map<string, string>())]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ key, value }));
  }
  async add(_p: string, functionId: string, tags: TagRecord[], max: number): Promise<AddTagsResult> {
    const current = this.byFunction.get(functionId) ?? new Map<string, string>();
    const keys = new Set([...current.keys(), ...tags.map((t) => t.key)]);
    if (keys.size > max) return { kind: 'full', count: current.size };
    for (const t of tags) current.set(t.key, t.value);
    this.byFunction.set(functionId, current);
    return { kind: 'added' };
  }
  async remove(_p: string, functionId: string, keys: string[]): Promise<number> {
    const current = this.byFunction.get(functionId);
    return keys.filter((k) => current?.delete(k)).length;
  }
  async findResources(_p: string, filter: ResourceFilter, offset: number, limit: number) {
    this.lastQuery = { filter, offset, limit };
    return { items: [], total: 0 };
  }
  async countResources(_p: string, filter: ResourceFilter) {
    this.lastQuery = { filter, offset: 0, limit: 0 };
    return 7;
  }
}

function setup() {
  const hello = aFunctionEntity({ projectId: PROJECT, enterpriseProjectId: '0' });
  const functions = {
    findById: async (projectId: string, id: string) =>
      projectId === PROJECT && id === hello.id ? hello : null,
    findByName: async (projectId: string, _pkg: string, name: string) =>
      projectId === PROJECT && name === hello.funcName ? hello : null,
  } as unknown as FunctionRepository;
  const repo = new FakeTags();
  const service = new TagsService(
    repo as unknown as FunctionTagRepository,
    functions,
    new FunctionResolver(functions),
    { region: 'local' } as GatewayConfig,
  );
  return { service, repo, hello };
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as FgsError).code;
  }
  return 'no error';
}

describe('tag rules', () => {
  it('accepts TMS keys and values and refuses the rest', () => {
    for (const key of ['env', 'Team_1', 'a.b:c=d+e-f@g', '环境', 'with space', 'k'.repeat(128)])
      expect([key, TAG_KEY_PATTERN.test(key)]).toEqual([key, true]);
    for (const key of ['_sys_x', ' lead', 'trail ', 'slash/no', 'semi;', ''])
      expect([key, TAG_KEY_PATTERN.test(key)]).toEqual([key, false]);
    for (const value of ['', 'a/b', 'v 1', '值'])
      expect([value, TAG_VALUE_PATTERN.test(value)]).toEqual([value, true]);
    for (const value of ['a;b', 'a,b', '<x>'])
      expect([value, TAG_VALUE_PATTERN.test(value)]).toEqual([value, false]);
  });

  it('parses create and delete bodies: action, repeats, limits, system tags', () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
        return 'ok';
      } catch (err) {
        return (err as FgsError).code;
      }
    };
    expect(parseTagsBody({ action: 'create', tags: [{ key: 'a', value: '1' }] }, 'create').tags).toEqual([
      { key: 'a', value: '1' },
    ]);
    expect(code(() => parseTagsBody({ tags: [{ key: 'a' }] }, 'delete'))).toBe('ok');
    expect(code(() => parseTagsBody({ action: 'delete', tags: [{ key: 'a' }] }, 'create'))).toBe('FSS.0400');
    expect(code(() => parseTagsBody({ tags: [{ key: 'a' }, { key: 'a', value: 'x' }] }, 'create'))).toBe(
      'FSS.0400',
    );
    expect(code(() => parseTagsBody({ tags: [] }, 'create'))).toBe('FSS.0400');
    expect(code(() => parseTagsBody({}, 'create'))).toBe('FSS.0400');
    expect(code(() => parseTagsBody({ tags: [{ key: 'k'.repeat(129) }] }, 'create'))).toBe('FSS.0400');
    expect(code(() => parseTagsBody({ tags: [{ key: 'k', value: 'v'.repeat(256) }] }, 'create'))).toBe(
      'FSS.0400',
    );
    const many = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}` }));
    expect(code(() => parseTagsBody({ tags: many }, 'create'))).toBe('FSS.0400');
    expect(code(() => parseTagsBody({ tags: [{ key: 'a' }], sys_tags: [{ key: 'x' }] }, 'create'))).toBe(
      'FSS.0400',
    );
  });

  it('turns a resource query into a filter', () => {
    expect(
      resourceFilterOf({
        tags: [{ key: 'env', values: ['dev', 'prod'] }, { key: 'team' }],
        matches: [
          { key: 'resource_name', value: 'pay' },
          { key: 'owner', value: 'ops' },
          { key: 'tier', value: '' },
        ],
        sys_tags: [{ key: '_sys_enterprise_project_id', values: ['0'] }],
      }),
    ).toEqual({
      withoutAnyTag: false,
      tags: [
        { key: 'env', values: ['dev', 'prod'] },
        { key: 'team', values: [] },
        { key: 'owner', values: ['ops'] },
        { key: 'tier', values: [] },
      ],
      nameContains: ['pay'],
      enterpriseProjects: ['0'],
    });
  });
});

describe('TagsService', () => {
  it('tags a function by id or URN, lists, overwrites and removes', async () => {
    const { service, hello } = setup();
    await service.create(auth, hello.id, {
      action: 'create',
      tags: [{ key: 'env', value: 'dev' }, { key: 'team' }],
    });
    await service.create(auth, `${PROJECT}:default:hello`, { tags: [{ key: 'env', value: 'prod' }] });
    expect(await service.list(auth, hello.id)).toEqual({
      tags: [
        { key: 'env', value: 'prod' },
        { key: 'team', value: '' },
      ],
      sys_tags: [{ key: '_sys_enterprise_project_id', value: '0' }],
    });
    await service.delete(auth, hello.id, {
      action: 'delete',
      tags: [{ key: 'team', value: 'ignored' }, { key: 'none' }],
    });
    expect((await service.list(auth, hello.id)).tags).toEqual([{ key: 'env', value: 'prod' }]);
  });

  it('caps a function at 20 tags and answers FSS.1051 for unknown resources', async () => {
    const { service, hello } = setup();
    const twenty = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `${i}` }));
    await service.create(auth, hello.id, { tags: twenty });
    expect(await failure(service.create(auth, hello.id, { tags: [{ key: 'one-more' }] }))).toBe('FSS.0400');
    await service.create(auth, hello.id, { tags: [{ key: 'k0', value: 'overwritten' }] });
    for (const id of [
      '3b659dc0-12fc-40dc-aa05-a321d9424cb3',
      'ghost',
      `urn:fss:local:${'f'.repeat(32)}:function:default:hello`,
    ])
      expect([id, await failure(service.list(auth, id))]).toEqual([id, 'FSS.1051']);
  });

  it('validates the query action, page and body', async () => {
    const { service, repo } = setup();
    expect(await service.queryResources(auth, 'count', { without_any_tag: true })).toEqual({
      total_count: 7,
    });
    expect(repo.lastQuery?.filter.withoutAnyTag).toBe(true);
    expect(await service.queryResources(auth, 'filter', { limit: '10', offset: '20' })).toEqual({
      resources: [],
      total_count: 0,
    });
    expect(repo.lastQuery).toMatchObject({ offset: 20, limit: 10 });
    await service.queryResources(auth, 'filter', {});
    expect(repo.lastQuery).toMatchObject({ offset: 0, limit: 1000 });
    for (const [action, body] of [
      ['list', {}],
      ['filter', { action: 'count' }],
      ['filter', { limit: '0' }],
      ['filter', { limit: 1001 }],
      ['filter', { offset: '-1' }],
      ['filter', { limit: 'ten' }],
      ['filter', { tags: [{ key: '_sys_x' }] }],
      ['filter', { sys_tags: [{ key: 'other', values: [] }] }],
      ['count', 'text'],
    ] as const)
      expect([action, body, await failure(service.queryResources(auth, action, body))]).toEqual([
        action,
        body,
        'FSS.0400',
      ]);
  });
});
