import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { withTenant } from '../tenancy/tenant-scope';
import { FunctionRepository } from './function.repository';
import { FunctionTagRepository, ResourceFilter } from './function-tag.repository';
import { FunctionTracingRepository } from './function-tracing.repository';
import { TestEventRepository } from './test-event.repository';

const base = {
  package: 'default',
  runtime: 'Node.js18.15',
  handler: 'index.handler',
  memorySize: 128,
  timeoutS: 3,
  codeType: 'zip',
  codeSize: 3,
};

const noFilter: ResourceFilter = { tags: [], nameContains: [] };

/** Real PostgreSQL: test events, tracing keys and tags per function, their limits, cascades and row-level security. */
describe('test event, tracing and tag repositories on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let functions: FunctionRepository;
  let events: TestEventRepository;
  let tracing: FunctionTracingRepository;
  let tags: FunctionTagRepository;
  let fnA: FunctionEntity;
  let fnA2: FunctionEntity;
  let fnB: FunctionEntity;

  const createFn = (projectId: string, funcName: string, extra: Partial<FunctionEntity> = {}) =>
    functions.createWithCode(
      { ...base, projectId, funcName, codeDigest: `d-${funcName}`, ...extra },
      { digest: `d-${funcName}`, data: Buffer.from(funcName) },
    );

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_lifecycle_extras');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    functions = new FunctionRepository(ds);
    events = new TestEventRepository(ds);
    tracing = new FunctionTracingRepository(ds);
    tags = new FunctionTagRepository(ds);
    fnA = await createFn('proj-a', 'alpha');
    fnA2 = await createFn('proj-a', 'Beta_Report', { enterpriseProjectId: 'ep-1' });
    fnB = await createFn('proj-b', 'bravo');
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  describe('test events', () => {
    it('creates, lists, reads, updates and deletes one event', async () => {
      const created = await events.create('proj-a', fnA.id, 'first', '{"k":1}', 10);
      expect(created.kind).toBe('created');
      if (created.kind !== 'created') return;
      expect(created.event).toMatchObject({ name: 'first', content: '{"k":1}', functionId: fnA.id });
      await events.create('proj-a', fnA.id, 'second', '{}', 10);
      expect((await events.list('proj-a', fnA.id)).map((e) => e.name)).toEqual(['first', 'second']);
      const updated = await events.updateContent('proj-a', fnA.id, created.event.id, '{"k":2}');
      expect(updated).toMatchObject({ id: created.event.id, name: 'first', content: '{"k":2}' });
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.event.updatedAt.getTime());
      expect(await events.find('proj-a', fnA.id, created.event.id)).toMatchObject({ content: '{"k":2}' });
      expect(await events.delete('proj-a', fnA.id, created.event.id)).toBe(true);
      expect(await events.delete('proj-a', fnA.id, created.event.id)).toBe(false);
      expect(await events.find('proj-a', fnA.id, created.event.id)).toBeNull();
      expect(await events.updateContent('proj-a', fnA.id, created.event.id, '{}')).toBeNull();
    });

    it('refuses a duplicate name and a create past the cap, even when creates race', async () => {
      const fn = await createFn('proj-a', 'capped');
      expect((await events.create('proj-a', fn.id, 'one', '{}', 3)).kind).toBe('created');
      expect(await events.create('proj-a', fn.id, 'one', '{}', 3)).toEqual({ kind: 'duplicate' });
      const racing = await Promise.all(
        ['r1', 'r2', 'r3', 'r4'].map((name) => events.create('proj-a', fn.id, name, '{}', 3)),
      );
      expect(racing.filter((r) => r.kind === 'created')).toHaveLength(2);
      expect(racing.filter((r) => r.kind === 'full')).toEqual([
        { kind: 'full', count: 3 },
        { kind: 'full', count: 3 },
      ]);
      expect(await events.list('proj-a', fn.id)).toHaveLength(3);
    });

    it('keeps the 4 KB content limit in the database too', async () => {
      await expect(
        withTenant(ds, 'proj-a', (em) =>
          em.query(
            `INSERT INTO test_events (project_id, function_id, name, content) VALUES ($1, $2, 'big', $3)`,
            ['proj-a', fnA.id, 'x'.repeat(4097)],
          ),
        ),
      ).rejects.toThrow(/ck_test_events_content_size/);
    });

    it('keeps tenants apart and goes with its function', async () => {
      const own = await events.create('proj-b', fnB.id, 'mine', '{}', 10);
      expect(own.kind).toBe('created');
      if (own.kind !== 'created') return;
      // Another project names the function and the event: nothing is visible, nothing changes.
      expect(await events.list('proj-a', fnB.id)).toEqual([]);
      expect(await events.find('proj-a', fnB.id, own.event.id)).toBeNull();
      expect(await events.create('proj-a', fnB.id, 'sneak', '{}', 10)).toEqual({ kind: 'no-function' });
      expect(await events.updateContent('proj-a', fnB.id, own.event.id, '{"x":1}')).toBeNull();
      expect(await events.delete('proj-a', fnB.id, own.event.id)).toBe(false);
      // Row-level security alone: the tenant role writing a row for another project's function is refused.
      await expect(
        withTenant(ds, 'proj-a', (em) =>
          em.query(
            `INSERT INTO test_events (project_id, function_id, name, content) VALUES ($1, $2, 'x', '{}')`,
            ['proj-a', fnB.id],
          ),
        ),
      ).rejects.toThrow(/row-level security/);
      expect(await events.find('proj-b', fnB.id, own.event.id)).toMatchObject({ content: '{}' });
      const doomed = await createFn('proj-b', 'doomed');
      await events.create('proj-b', doomed.id, 'gone', '{}', 10);
      await functions.delete('proj-b', doomed.id);
      expect(await ds.query(`SELECT 1 FROM test_events WHERE function_id = $1`, [doomed.id])).toEqual([]);
    });
  });

  describe('tracing', () => {
    it('stores, replaces and removes one key pair per function, invisible to another project', async () => {
      expect(await tracing.find('proj-a', fnA.id)).toBeNull();
      const first = await tracing.upsert('proj-a', fnA.id, 'AK1', 'v1:sealed-1');
      expect(first).toMatchObject({ tracingAk: 'AK1', tracingSkCiphertext: 'v1:sealed-1' });
      const second = await tracing.upsert('proj-a', fnA.id, 'AK2', 'v1:sealed-2');
      expect(second).toMatchObject({ tracingAk: 'AK2', tracingSkCiphertext: 'v1:sealed-2' });
      expect(await tracing.find('proj-b', fnA.id)).toBeNull();
      expect(await tracing.delete('proj-b', fnA.id)).toBe(false);
      await expect(tracing.upsert('proj-b', fnA.id, 'AK3', 'x')).rejects.toThrow(/row-level security/);
      expect(await tracing.find('proj-a', fnA.id)).toMatchObject({ tracingAk: 'AK2' });
      expect(await tracing.delete('proj-a', fnA.id)).toBe(true);
      expect(await tracing.delete('proj-a', fnA.id)).toBe(false);
    });
  });

  describe('tags', () => {
    it('adds, overwrites, caps, lists and removes tags', async () => {
      const fn = await createFn('proj-a', 'tagged');
      expect(
        await tags.add(
          'proj-a',
          fn.id,
          [
            { key: 'env', value: 'dev' },
            { key: 'team', value: '' },
          ],
          3,
        ),
      ).toEqual({ kind: 'added' });
      expect(await tags.add('proj-a', fn.id, [{ key: 'env', value: 'prod' }], 3)).toEqual({ kind: 'added' });
      expect(await tags.listForFunction('proj-a', fn.id)).toEqual([
        { key: 'env', value: 'prod' },
        { key: 'team', value: '' },
      ]);
      // Overwriting an existing key never counts against the cap; a third and fourth new key do.
      expect(
        await tags.add(
          'proj-a',
          fn.id,
          [
            { key: 'a', value: '1' },
            { key: 'b', value: '2' },
          ],
          3,
        ),
      ).toEqual({ kind: 'full', count: 2 });
      expect(await tags.listForFunction('proj-a', fn.id)).toHaveLength(2);
      expect(await tags.remove('proj-a', fn.id, ['team', 'missing'])).toBe(1);
      expect(await tags.listForFunction('proj-a', fn.id)).toEqual([{ key: 'env', value: 'prod' }]);
      expect(await tags.add('proj-b', fn.id, [{ key: 'x', value: 'y' }], 3)).toEqual({ kind: 'no-function' });
    });

    it('lists the project tags and finds functions by tag, name and enterprise project', async () => {
      await tags.add(
        'proj-a',
        fnA.id,
        [
          { key: 'tier', value: 'gold' },
          { key: 'owner', value: 'ops' },
        ],
        20,
      );
      await tags.add('proj-a', fnA2.id, [{ key: 'tier', value: 'silver' }], 20);
      await tags.add('proj-b', fnB.id, [{ key: 'tier', value: 'bronze' }], 20);
      const projectTags = await tags.projectTags('proj-a');
      expect(projectTags.find((t) => t.key === 'tier')).toEqual({ key: 'tier', values: ['gold', 'silver'] });
      expect(projectTags.map((t) => t.key)).not.toContain('x');

      const ids = async (filter: ResourceFilter): Promise<string[]> =>
        (await tags.findResources('proj-a', filter, 0, 100)).items.map((i) => i.id);
      expect(await ids({ ...noFilter, tags: [{ key: 'tier', values: [] }] })).toEqual([fnA.id, fnA2.id]);
      expect(await ids({ ...noFilter, tags: [{ key: 'tier', values: ['silver', 'bronze'] }] })).toEqual([
        fnA2.id,
      ]);
      expect(
        await ids({
          ...noFilter,
          tags: [
            { key: 'tier', values: [] },
            { key: 'owner', values: ['ops'] },
          ],
        }),
      ).toEqual([fnA.id]);
      expect(await ids({ ...noFilter, nameContains: ['beta_'] })).toEqual([fnA2.id]);
      // `_` and `%` are literal in a name filter.
      expect(await ids({ ...noFilter, nameContains: ['a%'] })).toEqual([]);
      expect(await ids({ ...noFilter, enterpriseProjects: ['ep-1'] })).toEqual([fnA2.id]);
      const untagged = await ids({ ...noFilter, withoutAnyTag: true });
      expect(untagged).not.toContain(fnA.id);
      expect(untagged).not.toContain(fnB.id);

      const page = await tags.findResources(
        'proj-a',
        { ...noFilter, tags: [{ key: 'tier', values: [] }] },
        1,
        1,
      );
      expect(page.total).toBe(2);
      expect(page.items).toEqual([
        {
          id: fnA2.id,
          funcName: 'Beta_Report',
          package: 'default',
          enterpriseProjectId: 'ep-1',
          tags: [{ key: 'tier', value: 'silver' }],
        },
      ]);
      const beyond = await tags.findResources(
        'proj-a',
        { ...noFilter, tags: [{ key: 'tier', values: [] }] },
        5,
        1,
      );
      expect(beyond).toEqual({ items: [], total: 2 });
      expect(await tags.countResources('proj-a', { ...noFilter, tags: [{ key: 'tier', values: [] }] })).toBe(
        2,
      );
      // Project b's own view holds only its function.
      expect((await tags.findResources('proj-b', noFilter, 0, 100)).items.map((i) => i.id)).toEqual([fnB.id]);
    });
  });
});
