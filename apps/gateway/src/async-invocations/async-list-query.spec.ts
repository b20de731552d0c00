import { parseAsyncInvocationListQuery, parseConfigListQuery } from './async-list-query';

const now = new Date('2030-01-01T12:00:00Z');
const ID = '0b0c7f4e-1a2b-4c3d-8e9f-001122334455';

describe('async list queries', () => {
  it.each([
    [{}, { offset: 0, limit: 10 }],
    [{ limit: '0' }, { offset: 0, limit: 10 }],
    [
      { marker: '20', limit: '5' },
      { offset: 20, limit: 5 },
    ],
    [{ limit: '1000' }, { offset: 0, limit: 100 }],
  ])('reads the config list page %j', (query, page) => {
    expect(parseConfigListQuery(query)).toEqual(page);
  });

  it.each([{ limit: '-1' }, { marker: '-3' }, { limit: 'ten' }, { marker: ['1', '2'] }])(
    'refuses the config list page %j with FSS.1001',
    (query) => {
      expect(() => parseConfigListQuery(query)).toThrow(expect.objectContaining({ code: 'FSS.1001' }));
    },
  );

  it('defaults to the last hour, 100 items, every status', () => {
    expect(parseAsyncInvocationListQuery({}, { active: false, now })).toEqual({
      offset: 0,
      limit: 100,
      requestIds: undefined,
      statuses: undefined,
      acceptedFrom: new Date('2030-01-01T11:00:00Z'),
      acceptedUntil: undefined,
    });
  });

  it('reads every filter and clamps the limit to 500', () => {
    expect(
      parseAsyncInvocationListQuery(
        {
          request_id: ID.toUpperCase(),
          status: 'FAIL',
          marker: '3',
          limit: '900',
          query_begin_time: '2029-12-31T00:00:00',
          query_end_time: '2030-01-01T00:00:00',
        },
        { active: false, now },
      ),
    ).toEqual({
      offset: 3,
      limit: 500,
      requestIds: [ID],
      statuses: ['FAIL'],
      acceptedFrom: new Date('2029-12-31T00:00:00Z'),
      acceptedUntil: new Date('2030-01-01T00:00:00.999Z'),
    });
  });

  it('does not window a lookup by request id unless bounds are given', () => {
    expect(
      parseAsyncInvocationListQuery({ request_id: ID }, { active: false, now }).acceptedFrom,
    ).toBeUndefined();
    expect(
      parseAsyncInvocationListQuery({ query_end_time: '2030-01-01T10:00:00' }, { active: false, now })
        .acceptedFrom,
    ).toEqual(new Date('2030-01-01T09:00:00Z'));
  });

  it('keeps the active list to WAIT and RUNNING, with up to 10 request ids', () => {
    const active = (query: Record<string, unknown>) =>
      parseAsyncInvocationListQuery(query, { active: true, now });
    expect(active({}).statuses).toEqual(['WAIT', 'RUNNING']);
    expect(active({ status: 'RUNNING' }).statuses).toEqual(['RUNNING']);
    expect(active({ status: 'SUCCESS' }).statuses).toEqual([]);
    expect(active({ requests: `${ID}, ${ID}` }).requestIds).toEqual([ID, ID]);
    expect(() => active({ requests: Array(11).fill(ID).join(',') })).toThrow(
      expect.objectContaining({ code: 'FSS.1001' }),
    );
  });

  it.each([
    { status: 'DONE' },
    { status: 'success' },
    { request_id: 'not-a-uuid' },
    { request_id: `${ID},${ID}` },
    { query_begin_time: '2030-13-01T00:00:00' },
    { query_end_time: 'now' },
    { query_begin_time: '2030-01-02T00:00:00', query_end_time: '2030-01-01T00:00:00' },
    { limit: '-1' },
  ])('refuses %j with FSS.1001', (query) => {
    expect(() => parseAsyncInvocationListQuery(query, { active: false, now })).toThrow(
      expect.objectContaining({ code: 'FSS.1001' }),
    );
  });
});
