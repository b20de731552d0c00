import type { FgsError } from '@ofg/contracts';
import type {
  CreateTestEventResult,
  FunctionRepository,
  TestEventRecord,
  TestEventRepository,
} from '@ofg/data-access';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { TestEventsService } from './test-events.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };
const URN = `urn:fss:local:${PROJECT}:function:default:hello:latest`;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Events in memory with the repository's rules (unique name, cap). */
class FakeEvents {
  readonly rows: TestEventRecord[] = [];
  private seq = 0;

  async list(projectId: string, functionId: string) {
    return this.rows.filter((r) => r.projectId === projectId && r.functionId === functionId);
  }
  async find(projectId: string, functionId: string, id: string) {
    return (await this.list(projectId, functionId)).find((r) => r.id === id) ?? null;
  }
  async create(
    projectId: string,
    functionId: string,
    name: string,
    content: string,
    max: number,
  ): Promise<CreateTestEventResult> {
    const own = await this.list(projectId, functionId);
    if (own.some((r) => r.name === name)) return { kind: 'duplicate' };
    if (own.length >= max) return { kind: 'full', count: own.length };
    const n = ++this.seq;
    const now = new Date(Date.UTC(2030, 0, 1, 0, 0, n));
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const event = { id, projectId, functionId, name, content, createdAt: now, updatedAt: now };
    this.rows.push(event);
    return { kind: 'created', event };
  }
  async updateContent(projectId: string, functionId: string, id: string, content: string) {
    const row = await this.find(projectId, functionId, id);
    if (row) row.content = content;
    return row;
  }
  async delete(projectId: string, functionId: string, id: string) {
    const row = await this.find(projectId, functionId, id);
    if (row) this.rows.splice(this.rows.indexOf(row), 1);
    return row !== null;
  }
}

function setup() {
  const hello = aFunctionEntity({ projectId: PROJECT });
  const functions = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      projectId === hello.projectId && pkg === hello.package && name === hello.funcName ? hello : null,
  } as unknown as FunctionRepository;
  const repo = new FakeEvents();
  return {
    service: new TestEventsService(repo as unknown as TestEventRepository, new FunctionResolver(functions)),
    repo,
  };
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as FgsError).code;
  }
  return 'no error';
}

describe('TestEventsService', () => {
  it('creates, lists, shows (Base64), updates and deletes an event', async () => {
    const { service } = setup();
    const created = await service.create(auth, URN, { name: 'event-1', content: b64('{"a":1}') });
    expect(created).toEqual({ id: expect.any(String), name: 'event-1' });
    expect(await service.list(auth, URN)).toEqual({
      events: [{ id: created.id, name: 'event-1', last_modified: Date.UTC(2030, 0, 1, 0, 0, 1) / 1000 }],
      next_marker: 1,
      count: 1,
    });
    expect(await service.update(auth, URN, created.id, { content: b64('{"a":2}') })).toEqual(created);
    expect(await service.get(auth, URN, created.id)).toMatchObject({
      name: 'event-1',
      content: b64('{"a":2}'),
    });
    await service.delete(auth, URN, created.id);
    expect(await failure(service.get(auth, URN, created.id))).toBe('FSS.1070');
  });

  it('answers the spec codes for bad names, duplicates, the cap and unknown events', async () => {
    const { service } = setup();
    for (const name of ['1abc', 'a'.repeat(26), 'ends-', 'has space', '', undefined])
      expect([name, await failure(service.create(auth, URN, { name, content: b64('{}') }))]).toEqual([
        name,
        'FSS.1074',
      ]);
    expect(await failure(service.create(auth, URN, { name: 'ok' }))).toBe('FSS.1074');
    expect(await failure(service.create(auth, URN, 'text'))).toBe('FSS.0400');
    await service.create(auth, URN, { name: 'a'.repeat(25), content: b64('{}') });
    expect(await failure(service.create(auth, URN, { name: 'a'.repeat(25), content: b64('[]') }))).toBe(
      'FSS.1073',
    );
    for (let i = 1; i < 10; i += 1) await service.create(auth, URN, { name: `e${i}`, content: b64('{}') });
    expect(await failure(service.create(auth, URN, { name: 'eleventh', content: b64('{}') }))).toBe(
      'FSS.1068',
    );
    for (const id of ['nope', '3b659dc0-12fc-40dc-aa05-a321d9424cb3']) {
      expect(await failure(service.get(auth, URN, id))).toBe('FSS.1070');
      expect(await failure(service.update(auth, URN, id, { content: b64('{}') }))).toBe('FSS.1070');
      expect(await failure(service.delete(auth, URN, id))).toBe('FSS.1070');
    }
  });

  it('answers FSS.1051 for a missing or foreign function before looking at the body', async () => {
    const { service } = setup();
    const foreign = `urn:fss:local:ffffffffffffffffffffffffffffffff:function:default:hello:latest`;
    expect(await failure(service.list(auth, foreign))).toBe('FSS.1051');
    expect(await failure(service.create(auth, URN.replace('hello', 'ghost'), {}))).toBe('FSS.1051');
  });
});
