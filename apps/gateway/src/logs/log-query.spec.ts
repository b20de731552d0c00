import { FgsError } from '@ofg/contracts';
import { parseFunctionLogQuery } from './log-query';

const NOW = new Date('2030-01-15T10:00:00Z');
const ID = '6F1C2A9E-0D7B-4C55-9A11-2B3C4D5E6F70';

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (err) {
    if (err instanceof FgsError) return err.code;
    throw err;
  }
  return undefined;
}

describe('parseFunctionLogQuery', () => {
  it('defaults to the last hour, 20 records from the newest', () => {
    expect(parseFunctionLogQuery({}, NOW)).toEqual({
      requestId: undefined,
      from: new Date('2030-01-15T09:00:00Z'),
      to: NOW,
      offset: 0,
      limit: 20,
    });
  });

  it('looks a request id up in all time unless bounds are given', () => {
    expect(parseFunctionLogQuery({ request_id: ID }, NOW)).toEqual({
      requestId: ID.toLowerCase(),
      offset: 0,
      limit: 20,
    });
    expect(parseFunctionLogQuery({ request_id: ID, end_time: '2030-01-14T00:00:00' }, NOW)).toMatchObject({
      requestId: ID.toLowerCase(),
      from: new Date('2030-01-13T23:00:00Z'),
      to: new Date('2030-01-14T00:00:00Z'),
    });
  });

  it('reads epoch ms and UTC text with offsets, paging with a clamped limit', () => {
    expect(
      parseFunctionLogQuery(
        {
          start_time: String(Date.UTC(2030, 0, 15, 8)),
          end_time: '2030-01-15T11:30:00+02:00',
          marker: '40',
          limit: '1000',
        },
        NOW,
      ),
    ).toEqual({
      requestId: undefined,
      from: new Date('2030-01-15T08:00:00Z'),
      to: new Date('2030-01-15T09:30:00Z'),
      offset: 40,
      limit: 100,
    });
  });

  it.each([
    [{ request_id: 'not-a-uuid' }],
    [{ request_id: [ID, ID] }],
    [{ start_time: '15/01/2030' }],
    [{ end_time: '2030-01-15T25:00:00' }],
    [{ start_time: '2030-01-15T10:00:01' }],
    [{ start_time: '2030-01-15T09:00:00', end_time: '2030-01-15T08:00:00' }],
    [{ start_time: '2029-12-01T00:00:00', end_time: '2030-01-15T00:00:00' }],
    [{ marker: '-1' }],
    [{ limit: '2.5' }],
  ])('refuses %p with FSS.1001', (query) => {
    expect(codeOf(() => parseFunctionLogQuery(query, NOW))).toBe('FSS.1001');
  });
});
