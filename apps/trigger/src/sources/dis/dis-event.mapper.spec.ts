import { buildDisEvent, entryData, entryFields, entryHop, streamEntries } from './dis-event.mapper';

const fields = (record: Record<string, string | Buffer>) =>
  new Map(Object.entries(record).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));

describe('DIS event mapper', () => {
  it('builds the §5.7 DIS event of a batch: one shard, records in stream order, the last id as cursor', () => {
    const event = buildDisEvent(
      'dis-swtest',
      [
        { id: '1700000000000-0', fields: fields({ data: 'hello', partition_key: 'k1' }) },
        { id: '1700000000001-0', fields: fields({ data: Buffer.from([0xff, 0x00, 0x10]) }) },
      ],
      3,
    );
    expect(event).toEqual({
      ShardID: 'shardId-0000000000',
      Message: {
        next_partition_cursor: '1700000000001-0',
        records: [
          {
            partition_key: 'k1',
            data: Buffer.from('hello').toString('base64'),
            sequence_number: '1700000000000-0',
          },
          // Binary data survives (base64 of the bytes); without a partition key the entry id stands in.
          { partition_key: '1700000000001-0', data: '/wAQ', sequence_number: '1700000000001-0' },
        ],
        millis_behind_latest: '',
        'x-ofg-hop': 3,
      },
      Tag: 'latest',
      StreamName: 'dis-swtest',
    });
  });

  it('reads the record an async DIS destination wrote when there is no data field, else every field', () => {
    expect(entryData(fields({ request_id: 'r1', record: '{"result":1}' })).toString()).toBe('{"result":1}');
    expect(JSON.parse(entryData(fields({ a: '1', b: 'x' })).toString())).toEqual({ a: '1', b: 'x' });
    expect(entryData(fields({ data: 'd', record: 'r' })).toString()).toBe('d');
  });

  it('parses XREADGROUP replies, deleted entries included', () => {
    const reply = [
      [
        Buffer.from('1-0'),
        [Buffer.from('data'), Buffer.from('x'), Buffer.from('x-ofg-hop'), Buffer.from('3')],
      ],
      [Buffer.from('2-0'), null],
    ];
    const entries = streamEntries(reply);
    expect(entries.map((e) => e.id)).toEqual(['1-0', '2-0']);
    expect(entries[0].fields?.get('data')?.toString()).toBe('x');
    expect(entries[1].fields).toBeNull();
    expect(entryHop(entries[0])).toBe(3);
    expect(entryHop(entries[1])).toBe(0);
    expect(entryFields('not a list')).toBeNull();
  });
});
