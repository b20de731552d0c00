import { ctsEventDataSchema, ctsIssueCode } from './cts.event-data';
import { eventgridEventDataSchema, eventgridFilterMatches } from './eventgrid.event-data';
import { kafkaEventDataSchema, kafkaIssueCode, openSourceKafkaEventDataSchema } from './kafka.event-data';
import { ltsEventDataSchema } from './lts.event-data';
import {
  normaliseObsEventName,
  obsEventDataSchema,
  obsEventMatches,
  obsFilterMatches,
  obsFiltersOverlap,
  ObsFilter,
} from './obs.event-data';
import { smnEventDataSchema } from './smn.event-data';
import { TRIGGER_TYPE_RULES } from './trigger-type.rules';

const firstIssue = (result: {
  success: boolean;
  error?: { issues: { code: string; path: PropertyKey[] }[] };
}) => result.error?.issues[0] ?? { code: 'none', path: [] };

describe('OBS event_data', () => {
  it('accepts the spec fields and drops unknown ones', () => {
    expect(
      obsEventDataSchema.parse({
        bucket: 'photos-1',
        events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
        prefix: 'in/',
        suffix: '.jpg',
        name: 'obs-event-1ec7',
        expires: 3,
      }),
    ).toEqual({
      bucket: 'photos-1',
      events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
      prefix: 'in/',
      suffix: '.jpg',
      name: 'obs-event-1ec7',
    });
  });

  it.each([
    ['no bucket', { events: ['s3:ObjectCreated:*'] }],
    ['an upper-case bucket', { bucket: 'Photos', events: ['s3:ObjectCreated:*'] }],
    ['no events', { bucket: 'photos' }],
    ['an empty event list', { bucket: 'photos', events: [] }],
    ['an unknown event', { bucket: 'photos', events: ['s3:ObjectCreated:Rename'] }],
    ['the seed artefact spelling', { bucket: 'photos', events: ['s3:ObjectRemoved>Delete'] }],
    ['a repeated event', { bucket: 'photos', events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Put'] }],
    [
      'a prefix over 1024 characters',
      { bucket: 'photos', events: ['s3:ObjectCreated:*'], prefix: 'p'.repeat(1025) },
    ],
  ])('refuses %s', (_label, data) => {
    expect(obsEventDataSchema.safeParse(data).success).toBe(false);
  });

  it('matches event names with trailing wildcards', () => {
    expect(obsEventMatches('s3:ObjectCreated:*', 's3:ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(obsEventMatches('s3:ObjectCreated:*', 's3:ObjectRemoved:Delete')).toBe(false);
    expect(obsEventMatches('s3:ObjectCreated:Put', 's3:ObjectCreated:Put')).toBe(true);
    expect(obsEventMatches('s3:ObjectCreated:Put', 's3:ObjectCreated:Post')).toBe(false);
    expect(normaliseObsEventName('ObjectCreated:Put')).toBe('s3:ObjectCreated:Put');
    expect(normaliseObsEventName('s3:ObjectCreated:Put')).toBe('s3:ObjectCreated:Put');
  });

  it('matches records by bucket, event, key prefix and suffix', () => {
    const filter: ObsFilter = {
      bucket: 'photos',
      events: ['s3:ObjectCreated:*'],
      prefix: 'in/',
      suffix: '.jpg',
    };
    const put = { bucket: 'photos', eventName: 's3:ObjectCreated:Put', key: 'in/a.jpg' };
    expect(obsFilterMatches(filter, put)).toBe(true);
    expect(obsFilterMatches(filter, { ...put, bucket: 'other' })).toBe(false);
    expect(obsFilterMatches(filter, { ...put, key: 'out/a.jpg' })).toBe(false);
    expect(obsFilterMatches(filter, { ...put, key: 'in/a.png' })).toBe(false);
    expect(obsFilterMatches(filter, { ...put, eventName: 's3:ObjectRemoved:Delete' })).toBe(false);
    expect(
      obsFilterMatches(
        { bucket: 'photos', events: ['s3:ObjectRemoved:*'] },
        { ...put, eventName: 's3:ObjectRemoved:Delete', key: 'x' },
      ),
    ).toBe(true);
  });

  it.each([
    ['the same filter', {}, {}, true],
    ['a wildcard covering an exact event', { events: ['s3:ObjectCreated:Put'] }, {}, true],
    ['disjoint events', { events: ['s3:ObjectRemoved:*'] }, {}, false],
    ['nested prefixes', { prefix: 'in/raw/' }, { prefix: 'in/' }, true],
    ['disjoint prefixes', { prefix: 'out/' }, { prefix: 'in/' }, false],
    ['no prefix against a prefix', { prefix: undefined }, { prefix: 'in/' }, true],
    ['nested suffixes', { suffix: 'big.jpg' }, { suffix: '.jpg' }, true],
    ['disjoint suffixes', { suffix: '.png' }, { suffix: '.jpg' }, false],
    ['another bucket', { bucket: 'videos' }, {}, false],
  ] as [string, Partial<ObsFilter>, Partial<ObsFilter>, boolean][])(
    'overlap: %s → %s',
    (_label, a, b, expected) => {
      const base: ObsFilter = {
        bucket: 'photos',
        events: ['s3:ObjectCreated:*'],
        prefix: 'in/',
        suffix: '.jpg',
      };
      expect(obsFiltersOverlap({ ...base, ...a }, { ...base, ...b })).toBe(expected);
      expect(obsFiltersOverlap({ ...base, ...b }, { ...base, ...a })).toBe(expected);
    },
  );

  it('names an OBS trigger by bucket, key filter and events, in any event order', () => {
    const name = TRIGGER_TYPE_RULES.OBS.nameOf;
    const a = name({ bucket: 'b1', prefix: 'in/', events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'] });
    expect(a).toBe(
      name({ bucket: 'b1', prefix: 'in/', events: ['s3:ObjectRemoved:*', 's3:ObjectCreated:Put'] }),
    );
    expect(a).not.toBe(name({ bucket: 'b1', prefix: 'in/', events: ['s3:ObjectCreated:Put'] }));
  });
});

describe('EVENTGRID event_data', () => {
  it('needs a channel name; source and type filters are optional', () => {
    expect(eventgridEventDataSchema.parse({ channel_name: 'default', agency: 'x' })).toEqual({
      channel_name: 'default',
    });
    expect(eventgridEventDataSchema.safeParse({}).success).toBe(false);
    expect(eventgridEventDataSchema.safeParse({ channel_name: 'a b' }).success).toBe(false);
    expect(eventgridEventDataSchema.safeParse({ channel_name: 'c', event_types: [] }).success).toBe(false);
    expect(eventgridEventDataSchema.safeParse({ channel_name: 'c', event_types: ['a', 'a'] }).success).toBe(
      false,
    );
  });

  it('filters by exact source and by exact or prefixed type', () => {
    const event = { source: '/orders', type: 'com.example.order.created' };
    expect(eventgridFilterMatches({}, event)).toBe(true);
    expect(eventgridFilterMatches({ source_name: '/orders' }, event)).toBe(true);
    expect(eventgridFilterMatches({ source_name: '/order' }, event)).toBe(false);
    expect(eventgridFilterMatches({ event_types: ['com.example.order.*'] }, event)).toBe(true);
    expect(eventgridFilterMatches({ event_types: ['com.example.order.created'] }, event)).toBe(true);
    expect(eventgridFilterMatches({ event_types: ['com.example.order.paid', 'x.*'] }, event)).toBe(false);
  });
});

describe('CTS event_data (not enabled)', () => {
  const ok = { notification_name: 'audit_fg', operations: ['FunctionGraph:function:createFunction'] };

  it('accepts a notification name and operations', () => {
    expect(ctsEventDataSchema.parse(ok)).toEqual(ok);
    expect(TRIGGER_TYPE_RULES.CTS.nameOf(ok)).toBe('audit_fg');
  });

  it.each([
    ['a missing notification name', { operations: ok.operations }, 'FSS.1312'],
    ['an empty notification name', { ...ok, notification_name: '' }, 'FSS.1312'],
    ['a notification name over 64 characters', { ...ok, notification_name: 'n'.repeat(65) }, 'FSS.1317'],
    [
      'more than 100 operations',
      { ...ok, operations: Array.from({ length: 101 }, (_, i) => `S:r:op${i}`) },
      'FSS.1313',
    ],
    ['no operation', { ...ok, operations: [] }, 'FSS.1314'],
    ['a missing operation list', { notification_name: 'n' }, 'FSS.1314'],
    ['an operation selected twice', { ...ok, operations: ['S:r:a', 'S:r:a'] }, 'FSS.1316'],
    ['a malformed operation', { ...ok, operations: ['createFunction'] }, 'FSS.1318'],
    ['a name with spaces', { ...ok, notification_name: 'a b' }, undefined],
  ])('maps %s to %s', (_label, data, code) => {
    const result = ctsEventDataSchema.safeParse(data);
    expect(result.success).toBe(false);
    expect(ctsIssueCode(firstIssue(result))).toBe(code);
  });
});

describe('SMN, LTS and Kafka event_data (not enabled)', () => {
  it('validates the SMN topic URN', () => {
    expect(smnEventDataSchema.safeParse({ topic_urn: 'urn:smn:eu-de:0123:orders' }).success).toBe(true);
    expect(smnEventDataSchema.safeParse({ topic_urn: 'orders' }).success).toBe(false);
  });

  it('needs both LTS ids', () => {
    expect(ltsEventDataSchema.safeParse({ log_group_id: 'g-1', log_topic_id: 't-1' }).success).toBe(true);
    expect(ltsEventDataSchema.safeParse({ log_group_id: 'g-1' }).success).toBe(false);
  });

  it('reads KAFKA topic_id as topic_ids and applies the defaults', () => {
    expect(kafkaEventDataSchema.parse({ instance_id: 'i-1', topic_id: ['t1'] })).toEqual({
      instance_id: 'i-1',
      topic_ids: ['t1'],
      batch_size: 100,
      kafka_ssl_enable: false,
    });
    expect(kafkaEventDataSchema.safeParse({ topic_ids: ['t1'] }).success).toBe(false);
    expect(
      openSourceKafkaEventDataSchema.safeParse({ kafka_connect_address: 'k1:9092,k2:9092', topic_ids: ['t'] })
        .success,
    ).toBe(true);
    expect(
      openSourceKafkaEventDataSchema.safeParse({ kafka_connect_address: 'k1', topic_ids: ['t'] }).success,
    ).toBe(false);
  });

  it('answers FSS.1113 for SASL_SSL without credentials', () => {
    const result = kafkaEventDataSchema.safeParse({
      instance_id: 'i',
      topic_ids: ['t'],
      kafka_ssl_enable: true,
    });
    expect(result.success).toBe(false);
    expect(kafkaIssueCode(firstIssue(result))).toBe('FSS.1113');
    expect(
      kafkaEventDataSchema.safeParse({
        instance_id: 'i',
        topic_ids: ['t'],
        kafka_ssl_enable: true,
        kafka_user: 'u',
        kafka_password: 'p',
      }).success,
    ).toBe(true);
  });
});
