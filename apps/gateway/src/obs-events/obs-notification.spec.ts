import { obsTriggerEvent, parseObsNotification } from './obs-notification';

/** A record the way s3rver (and AWS) write them. */
function aRecord(
  overrides: { key?: string; eventName?: string; bucket?: string; meta?: Record<string, string> } = {},
) {
  return {
    eventVersion: '2.0',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2030-01-01T00:00:00.000Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:X' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'testConfigId',
      bucket: { name: overrides.bucket ?? 'photos', arn: 'arn:aws:s3: : :photos' },
      object: {
        key: overrides.key ?? 'in/a.jpg',
        size: 3,
        eTag: 'abc',
        sequencer: '1',
        ...(overrides.meta ? { userMetadata: overrides.meta } : {}),
      },
    },
  };
}

describe('parseObsNotification', () => {
  it('reads each record with its s3:-prefixed event name, decoded key and hop', () => {
    const [a, b] = parseObsNotification({
      Records: [
        aRecord(),
        aRecord({
          eventName: 's3:ObjectRemoved:Delete',
          key: 'in/my+photo%281%29.jpg',
          meta: { 'X-Amz-Meta-Ofg-Hop': '7' },
        }),
      ],
    });
    expect(a).toMatchObject({ bucket: 'photos', eventName: 's3:ObjectCreated:Put', key: 'in/a.jpg', hop: 0 });
    expect(b).toMatchObject({ eventName: 's3:ObjectRemoved:Delete', key: 'in/my photo(1).jpg', hop: 7 });
    expect(a.eventKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.eventKey).not.toBe(b.eventKey);
  });

  it('gives the same record the same key, so a re-push dedups', () => {
    const once = parseObsNotification({ Records: [aRecord()] })[0].eventKey;
    expect(parseObsNotification({ Records: [aRecord()] })[0].eventKey).toBe(once);
  });

  it('reads the hop from the record or the object metadata, whichever is higher', () => {
    const record = { ...aRecord({ meta: { 'ofg-hop': '3' } }), 'x-ofg-hop': 5 };
    expect(parseObsNotification({ Records: [record] })[0].hop).toBe(5);
    expect(
      parseObsNotification({ Records: [aRecord({ meta: { 'x-amz-meta-ofg-hop': 'nope' } })] })[0].hop,
    ).toBe(0);
  });

  it('unwraps an SNS notification envelope and accepts the S3 test event', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'm',
      Message: JSON.stringify({ Records: [aRecord()] }),
    };
    expect(parseObsNotification(envelope)).toHaveLength(1);
    expect(parseObsNotification({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'photos' })).toEqual(
      [],
    );
  });

  it.each([
    ['a JSON array', [aRecord()]],
    ['an object without Records', { hello: 'world' }],
    ['Records not an array', { Records: {} }],
    ['a record without eventName', { Records: [{ ...aRecord(), eventName: undefined }] }],
    ['a record without bucket', { Records: [{ ...aRecord(), s3: { object: { key: 'k' } } }] }],
    ['a record without key', { Records: [{ ...aRecord(), s3: { bucket: { name: 'b' }, object: {} } }] }],
    ['a non-JSON SNS message', { Type: 'Notification', Message: '{nope' }],
    ['too many records', { Records: Array.from({ length: 1001 }, () => aRecord()) }],
  ])('refuses %s with 400 FSS.0400', (_label, body) => {
    expect(() => parseObsNotification(body)).toThrow(
      expect.objectContaining({ code: 'FSS.0400', status: 400 }),
    );
  });
});

describe('obsTriggerEvent', () => {
  it('hands the function one record with OBS event name and the invocation hop', () => {
    const [r] = parseObsNotification({
      Records: [aRecord({ eventName: 's3:ObjectCreated:Post', meta: { 'ofg-hop': '2' } })],
    });
    const event = obsTriggerEvent(r);
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      eventVersion: '2.0',
      eventName: 'ObjectCreated:Post',
      'x-ofg-hop': 3,
      s3: { bucket: { name: 'photos' }, object: { key: 'in/a.jpg', size: 3 } },
    });
  });
});
