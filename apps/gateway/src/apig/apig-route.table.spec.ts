import { ApigRoute } from './apig-route';
import { ApigRouteTable } from './apig-route.table';

function route(projectId: string, groupId: string, triggerId: string): ApigRoute {
  return { projectId, groupId, triggerId } as ApigRoute;
}

describe('ApigRouteTable', () => {
  let loads: string[];
  let data: Record<string, ApigRoute[]>;
  let now: number;
  const table = (): ApigRouteTable =>
    new ApigRouteTable(
      async (projectId) => {
        loads.push(projectId);
        return data[projectId] ?? [];
      },
      1000,
      2,
      () => now,
    );

  beforeEach(() => {
    loads = [];
    now = 0;
    data = { p1: [route('p1', 'g1', 'a'), route('p1', 'g2', 'b')], p2: [] };
  });

  it('loads a project once and serves its groups from memory, empty projects included', async () => {
    const t = table();
    expect((await t.routesOf('p1', 'g1')).map((r) => r.triggerId)).toEqual(['a']);
    expect((await t.routesOf('p1', 'g2')).map((r) => r.triggerId)).toEqual(['b']);
    expect(await t.routesOf('p2', 'g1')).toEqual([]);
    expect(await t.routesOf('p2', 'g1')).toEqual([]);
    expect(loads).toEqual(['p1', 'p2']);
  });

  it('reloads after an eviction and after the TTL', async () => {
    const t = table();
    await t.routesOf('p1', 'g1');
    data['p1'] = [route('p1', 'g1', 'c')];
    t.evictProject('p1');
    expect((await t.routesOf('p1', 'g1')).map((r) => r.triggerId)).toEqual(['c']);
    now = 1001;
    await t.routesOf('p1', 'g1');
    expect(loads).toEqual(['p1', 'p1', 'p1']);
  });

  it('does not keep a load that raced with an eviction', async () => {
    let release: () => void = () => undefined;
    const t = new ApigRouteTable(async (projectId) => {
      loads.push(projectId);
      if (loads.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return data[projectId] ?? [];
    }, 1000);
    const pending = t.routesOf('p1', 'g1');
    await Promise.resolve();
    t.evictProject('p1');
    release();
    await pending;
    await t.routesOf('p1', 'g1');
    expect(loads).toEqual(['p1', 'p1']);
  });

  it('keeps at most maxProjects projects', async () => {
    const t = table();
    await t.routesOf('p1', 'g');
    await t.routesOf('p2', 'g');
    await t.routesOf('p3', 'g');
    expect(t.size).toBe(2);
  });
});
