import { parseFigures } from './instance-figures.reader';
import { pageInfoOf, parseReservedListQuery } from './reserved-list.query';

describe('reserved-instance listing queries', () => {
  it('defaults to the first 100 and reads the URN filter', () => {
    expect(parseReservedListQuery({}, 'urn')).toEqual({ marker: 0, limit: 100 });
    expect(parseReservedListQuery({ marker: '5', limit: '500', urn: 'hello' }, 'urn')).toEqual({
      marker: 5,
      limit: 500,
      urn: 'hello',
    });
  });

  it.each([{ limit: '0' }, { limit: '501' }, { marker: '-1' }, { marker: 'x' }, { urn: ['a', 'b'] }])(
    'refuses %j with FSS.1001',
    (query) => {
      expect(() => parseReservedListQuery(query, 'urn')).toThrow(
        expect.objectContaining({ code: 'FSS.1001' }),
      );
    },
  );

  it('gives the neighbouring page offsets', () => {
    expect(pageInfoOf(0, 10, 10)).toEqual({ next_marker: 10, previous_marker: 0, current_count: 10 });
    expect(pageInfoOf(25, 10, 3)).toEqual({ next_marker: 28, previous_marker: 15, current_count: 3 });
  });
});

describe('parseFigures', () => {
  it('reads what invokers publish and counts anything malformed as nothing', () => {
    expect(parseFigures('{"instances":4,"reserved":3}')).toEqual({ instances: 4, reserved: 3 });
    expect(parseFigures('{"instances":-1,"reserved":"3"}')).toEqual({ instances: 0, reserved: 0 });
    expect(parseFigures('not json')).toEqual({ instances: 0, reserved: 0 });
  });
});
