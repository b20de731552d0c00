import { DependencyEntity, DependencyVersionEntity } from '@ofg/data-access';
import { toDependencyDto, toDependencyVersionDetailDto, toDependencyVersionDto } from './dependency.mapper';

function pair(isPublic: boolean): { dependency: DependencyEntity; version: DependencyVersionEntity } {
  const dependency = Object.assign(new DependencyEntity(), {
    id: 'dep-1',
    projectId: 'p1',
    owner: isPublic ? 'public' : 'domain-1',
    isPublic,
    name: 'python-kafka',
    lastVersion: 3,
  });
  const version = Object.assign(new DependencyVersionEntity(), {
    id: 'ver-3',
    dependencyId: 'dep-1',
    projectId: 'p1',
    version: 3,
    runtime: 'Python3.9',
    description: 'kafka lib of python',
    dependType: 'obs',
    codeDigest: 'a'.repeat(128),
    etag: '83863be4b6c3a86aef995dbc83aae68f',
    size: 577118,
    fileName: 'python-kafka.zip',
    link: 'https://example.test/python-kafka.zip',
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-02T03:04:05.678Z'),
  });
  return { dependency, version };
}

describe('dependency mapper', () => {
  it('shows a dependency by its own id with its newest version, time in Unix seconds', () => {
    expect(toDependencyDto(pair(false))).toEqual({
      id: 'dep-1',
      owner: 'domain-1',
      link: 'https://example.test/python-kafka.zip',
      runtime: 'Python3.9',
      etag: '83863be4b6c3a86aef995dbc83aae68f',
      size: 577118,
      name: 'python-kafka',
      description: 'kafka lib of python',
      file_name: 'python-kafka.zip',
      version: 3,
      last_modified: 1704164645,
    });
  });

  it('shows a version by its own id, naming the dependency in dep_id, public ones owned by public', () => {
    const dto = toDependencyVersionDto(pair(true));
    expect(dto).toMatchObject({ id: 'ver-3', dep_id: 'dep-1', owner: 'public', is_shared: true, version: 3 });
    expect(toDependencyVersionDetailDto(pair(false))).toMatchObject({
      id: 'ver-3',
      is_shared: false,
      download_link: '',
    });
  });
});
