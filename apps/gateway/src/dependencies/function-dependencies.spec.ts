import { randomUUID } from 'node:crypto';
import { FgsError } from '@ofg/contracts';
import { DependencyEntity, DependencyVersionEntity, DependencyWithVersion } from '@ofg/data-access';
import { DependencyLookup, FunctionDependencies } from './function-dependencies';

function aVersion(name: string, runtime: string, version = 1): DependencyWithVersion {
  const dependency = Object.assign(new DependencyEntity(), {
    id: randomUUID(),
    projectId: 'p1',
    owner: 'domain-1',
    isPublic: false,
    name,
    lastVersion: version,
  });
  return {
    dependency,
    version: Object.assign(new DependencyVersionEntity(), {
      id: randomUUID(),
      dependencyId: dependency.id,
      projectId: 'p1',
      version,
      runtime,
      description: '',
      dependType: 'zip',
      codeDigest: `digest-${name}-${version}`,
      etag: 'e',
      size: 1,
      fileName: `${name}.zip`,
      link: '',
      createdAt: new Date(0),
      updatedAt: new Date(0),
    }),
  };
}

/** Visible versions of project p1 only, like the repository under row-level security. */
function lookup(visible: DependencyWithVersion[]): DependencyLookup & { asked: string[][] } {
  return {
    asked: [],
    async findVersionsByIds(projectId, ids) {
      this.asked.push([...ids]);
      return projectId === 'p1' ? visible.filter((p) => ids.includes(p.version.id)) : [];
    },
    async findNewestVersions(projectId, ids) {
      return projectId === 'p1' ? visible.filter((p) => ids.includes(p.dependency.id)) : [];
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FgsError) return err.code;
    throw err;
  }
  throw new Error('expected an FgsError');
}

describe('FunctionDependencies', () => {
  const nodeA = aVersion('a', 'Node.js14.18');
  const nodeB = aVersion('b', 'Node.js20.15');
  const py = aVersion('py', 'Python3.9');

  it('keeps the order asked for and stores ids, dependency ids and digests', async () => {
    const deps = new FunctionDependencies(lookup([nodeA, nodeB]));
    await expect(
      deps.resolve('p1', 'Node.js20.15', { depend_version_list: [nodeB.version.id, nodeA.version.id] }),
    ).resolves.toEqual({
      depend_version_list: [nodeB.version.id, nodeA.version.id],
      depend_list: [nodeB.dependency.id, nodeA.dependency.id],
      dependency_digests: ['digest-b-1', 'digest-a-1'],
    });
  });

  it('leaves stored dependencies alone when the body names none, and clears them on an empty list', async () => {
    const deps = new FunctionDependencies(lookup([nodeA]));
    await expect(deps.resolve('p1', 'Node.js20.15', {})).resolves.toBeUndefined();
    await expect(deps.resolve('p1', 'Node.js20.15', { depend_version_list: [] })).resolves.toEqual({
      depend_version_list: [],
      depend_list: [],
      dependency_digests: [],
    });
  });

  it('takes the newest version of each dependency named in depend_list', async () => {
    const deps = new FunctionDependencies(lookup([nodeA]));
    const fields = await deps.resolve('p1', 'Node.js20.15', { depend_list: [nodeA.dependency.id] });
    expect(fields?.depend_version_list).toEqual([nodeA.version.id]);
  });

  it('refuses unknown, invisible and malformed ids with FSS.1056, never asking SQL about a non-uuid', async () => {
    const fake = lookup([nodeA]);
    const deps = new FunctionDependencies(fake);
    expect(await codeOf(deps.resolve('p1', 'Node.js20.15', { depend_version_list: [randomUUID()] }))).toBe(
      'FSS.1056',
    );
    expect(
      await codeOf(deps.resolve('p2', 'Node.js20.15', { depend_version_list: [nodeA.version.id] })),
    ).toBe('FSS.1056');
    expect(await codeOf(deps.resolve('p1', 'Node.js20.15', { depend_version_list: ['not-a-uuid'] }))).toBe(
      'FSS.1056',
    );
    expect(fake.asked.at(-1)).toEqual([]);
    expect(await codeOf(deps.resolve('p1', 'Node.js20.15', { depend_list: [randomUUID()] }))).toBe(
      'FSS.1056',
    );
  });

  it('refuses more than 20 dependencies with FSS.1045 and a repeated one with FSS.1024', async () => {
    const deps = new FunctionDependencies(lookup([nodeA]));
    const many = Array.from({ length: 21 }, () => randomUUID());
    expect(await codeOf(deps.resolve('p1', 'Node.js20.15', { depend_version_list: many }))).toBe('FSS.1045');
    expect(
      await codeOf(
        deps.resolve('p1', 'Node.js20.15', { depend_version_list: [nodeA.version.id, nodeA.version.id] }),
      ),
    ).toBe('FSS.1024');
  });

  it('refuses a dependency of another runtime family with FSS.1024, on attach and on a runtime change', async () => {
    const deps = new FunctionDependencies(lookup([nodeA, py]));
    expect(await codeOf(deps.resolve('p1', 'Node.js20.15', { depend_version_list: [py.version.id] }))).toBe(
      'FSS.1024',
    );
    await expect(deps.recheck('p1', 'Node.js18.15', [nodeA.version.id])).resolves.toBeUndefined();
    expect(await codeOf(deps.recheck('p1', 'Python3.9', [nodeA.version.id]))).toBe('FSS.1024');
  });

  it("describes each function's dependencies in its order, with one lookup for a page", async () => {
    const fake = lookup([nodeA, nodeB]);
    const deps = new FunctionDependencies(fake);
    const described = await deps.describe('p1', [
      { id: 'f1', extra: { depend_version_list: [nodeB.version.id, nodeA.version.id] } },
      { id: 'f2', extra: {} },
      { id: 'f3', extra: { depend_version_list: [nodeA.version.id, randomUUID()] } },
    ]);
    expect(described.get('f1')?.map((d) => d.name)).toEqual(['b', 'a']);
    expect(described.get('f1')?.[0]).toMatchObject({ id: nodeB.version.id, dep_id: nodeB.dependency.id });
    expect(described.get('f2')).toEqual([]);
    expect(described.get('f3')?.map((d) => d.name)).toEqual(['a']);
    expect(fake.asked).toHaveLength(1);
  });
});
