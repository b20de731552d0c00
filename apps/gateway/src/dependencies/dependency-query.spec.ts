import { FgsError } from '@ofg/contracts';
import {
  isDependencyId,
  parseListDependenciesQuery,
  parsePageQuery,
  parseVersionNumber,
} from './dependency-query';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FgsError) return err.code;
    throw err;
  }
  throw new Error('expected an FgsError');
}

describe('parseListDependenciesQuery', () => {
  it('defaults to every visible dependency, 400 per page from offset 0', () => {
    expect(parseListDependenciesQuery({})).toEqual({
      marker: 0,
      limit: 400,
      visibility: 'all',
      runtime: undefined,
      name: undefined,
    });
  });

  it('takes maxitems before limit, and the filters', () => {
    expect(
      parseListDependenciesQuery({
        marker: '4',
        maxitems: '2',
        limit: '9',
        dependency_type: 'private',
        runtime: 'Python3.9',
        name: 'kafka',
      }),
    ).toEqual({ marker: 4, limit: 2, visibility: 'private', runtime: 'Python3.9', name: 'kafka' });
    expect(parseListDependenciesQuery({ limit: '9' }).limit).toBe(9);
  });

  it('combines ispublic with dependency_type, contradictions matching nothing', () => {
    expect(parseListDependenciesQuery({ ispublic: 'true' }).visibility).toBe('public');
    expect(parseListDependenciesQuery({ ispublic: 'false', dependency_type: 'all' }).visibility).toBe(
      'private',
    );
    expect(parseListDependenciesQuery({ ispublic: 'true', dependency_type: 'public' }).visibility).toBe(
      'public',
    );
    expect(parseListDependenciesQuery({ ispublic: 'true', dependency_type: 'private' }).visibility).toBe(
      'none',
    );
  });

  it.each([
    [{ marker: '-1' }],
    [{ marker: 'x' }],
    [{ maxitems: '0' }],
    [{ maxitems: '401' }],
    [{ limit: '1000' }],
    [{ dependency_type: 'shared' }],
    [{ ispublic: 'yes' }],
    [{ runtime: 'Cobol1.0' }],
    [{ name: 'n'.repeat(97) }],
    [{ name: ['a', 'b'] }],
  ])('answers FSS.1001 for %j', (query) => {
    expect(codeOf(() => parseListDependenciesQuery(query))).toBe('FSS.1001');
  });
});

describe('parsePageQuery', () => {
  it('pages versions with marker and maxitems', () => {
    expect(parsePageQuery({ marker: '1', maxitems: '1' })).toEqual({ marker: 1, limit: 1 });
    expect(codeOf(() => parsePageQuery({ maxitems: '0' }))).toBe('FSS.1001');
  });
});

describe('path parameters', () => {
  it('accepts uuids only as dependency ids', () => {
    expect(isDependencyId('4f4ae4eb-dcdc-4dd3-bffd-79600bd972b3')).toBe(true);
    expect(isDependencyId('4f4ae4eb')).toBe(false);
    expect(isDependencyId("x' OR 1=1 --")).toBe(false);
  });

  it('accepts positive version numbers and answers FSS.0400 otherwise', () => {
    expect(parseVersionNumber('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'latest', '9999999999'])
      expect(codeOf(() => parseVersionNumber(bad))).toBe('FSS.0400');
  });
});
