import { parseListFunctionsQuery } from './list-query';

describe('parseListFunctionsQuery', () => {
  it('defaults marker to 0 and maxitems to 400', () => {
    expect(parseListFunctionsQuery({})).toEqual({
      marker: 0,
      maxItems: 400,
      packageName: undefined,
      funcName: undefined,
    });
  });

  it('reads marker, maxitems and the filters', () => {
    expect(
      parseListFunctionsQuery({ marker: '20', maxitems: '10', package_name: 'pkg', func_name: 'fn' }),
    ).toEqual({
      marker: 20,
      maxItems: 10,
      packageName: 'pkg',
      funcName: 'fn',
    });
    expect(parseListFunctionsQuery({ maxitems: '400' }).maxItems).toBe(400);
    expect(parseListFunctionsQuery({ maxitems: '1' }).maxItems).toBe(1);
  });

  it.each([
    ['maxitems 0', { maxitems: '0' }],
    ['maxitems above 400', { maxitems: '401' }],
    ['negative maxitems', { maxitems: '-5' }],
    ['non-numeric maxitems', { maxitems: 'ten' }],
    ['fractional maxitems', { maxitems: '1.5' }],
    ['negative marker', { marker: '-1' }],
    ['non-numeric marker', { marker: 'abc' }],
    ['repeated parameter', { maxitems: ['1', '2'] }],
  ])('rejects %s with FSS.1001', (_label, query) => {
    expect(() => parseListFunctionsQuery(query)).toThrow(
      expect.objectContaining({ code: 'FSS.1001', status: 400 }),
    );
  });
});
