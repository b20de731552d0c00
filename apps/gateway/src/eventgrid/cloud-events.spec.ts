import { cloudEventHop, eventgridTriggerEvent, parseCloudEvents } from './cloud-events';

const EVENT = {
  specversion: '1.0' as const,
  id: 'e-1',
  source: '/orders',
  type: 'com.example.order.created',
};

function request(headers: Record<string, string>, body: unknown, raw?: string) {
  const rawBody = Buffer.from(raw ?? (body === undefined ? '' : JSON.stringify(body)));
  return { headers, body, rawBody };
}

describe('parseCloudEvents', () => {
  it('reads a structured event', () => {
    const parsed = parseCloudEvents(
      request(
        { 'content-type': 'application/cloudevents+json; charset=utf-8' },
        { ...EVENT, data: { n: 1 } },
      ),
    );
    expect(parsed).toEqual({ mode: 'structured', events: [{ ...EVENT, data: { n: 1 } }] });
  });

  it('reads a batch, and an empty one', () => {
    const batch = [EVENT, { ...EVENT, id: 'e-2', subject: 's', data_base64: 'AAE=' }];
    expect(
      parseCloudEvents(request({ 'content-type': 'application/cloudevents-batch+json' }, batch)),
    ).toEqual({
      mode: 'batch',
      events: batch,
    });
    expect(
      parseCloudEvents(request({ 'content-type': 'application/cloudevents-batch+json' }, [])).events,
    ).toEqual([]);
  });

  it('reads a binary event with JSON data, percent-decoded attributes and extensions', () => {
    const parsed = parseCloudEvents(
      request(
        {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'e-3',
          'ce-source': '/orders',
          'ce-type': 'com.example.order.created',
          'ce-subject': 'caf%C3%A9',
          'ce-time': '2030-01-01T00:00:00Z',
          'ce-ofghop': '4',
        },
        { n: 2 },
      ),
    );
    expect(parsed.mode).toBe('binary');
    expect(parsed.events[0]).toEqual({
      specversion: '1.0',
      id: 'e-3',
      source: '/orders',
      type: 'com.example.order.created',
      subject: 'café',
      time: '2030-01-01T00:00:00Z',
      ofghop: '4',
      datacontenttype: 'application/json',
      data: { n: 2 },
    });
    expect(cloudEventHop(parsed.events[0])).toBe(4);
  });

  it('keeps binary text data as a string and other bytes as data_base64', () => {
    const ce = { 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': 's', 'ce-type': 't' };
    const text = parseCloudEvents(request({ ...ce, 'content-type': 'text/plain' }, undefined, 'hello'));
    expect(text.events[0]).toMatchObject({ data: 'hello', datacontenttype: 'text/plain' });
    const bytes = parseCloudEvents({
      headers: { ...ce, 'content-type': 'application/octet-stream' },
      body: undefined,
      rawBody: Buffer.from([0, 255]),
    });
    expect(bytes.events[0]).toMatchObject({ data_base64: 'AP8=' });
    expect(bytes.events[0]).not.toHaveProperty('data');
    expect(parseCloudEvents(request(ce, undefined, '')).events[0]).not.toHaveProperty('data');
  });

  it.each([
    [
      'no CloudEvents content type nor ce- headers',
      request({ 'content-type': 'application/json' }, EVENT),
      'ce-* headers',
    ],
    [
      'a structured array',
      request({ 'content-type': 'application/cloudevents+json' }, [EVENT]),
      'JSON object',
    ],
    [
      'a batch object',
      request({ 'content-type': 'application/cloudevents-batch+json' }, EVENT),
      'JSON array',
    ],
    [
      'a missing id',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, id: undefined }),
      'id is required',
    ],
    [
      'an empty source',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, source: '' }),
      'source is required',
    ],
    [
      'a numeric type',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, type: 3 }),
      'type is required',
    ],
    [
      'specversion 0.3',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, specversion: '0.3' }),
      'not supported',
    ],
    [
      'no specversion',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, specversion: undefined }),
      'specversion is required',
    ],
    [
      'a bad time',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, time: 'yesterday' }),
      'RFC 3339',
    ],
    [
      'data and data_base64',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, data: 1, data_base64: 'AA==' }),
      'mutually exclusive',
    ],
    [
      'an upper-case attribute',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, myExt: 'x' }),
      'lower-case',
    ],
    [
      'an object attribute',
      request({ 'content-type': 'application/cloudevents+json' }, { ...EVENT, ext: { a: 1 } }),
      'string, number or boolean',
    ],
    [
      'an invalid event in a batch',
      request({ 'content-type': 'application/cloudevents-batch+json' }, [
        EVENT,
        { ...EVENT, type: undefined },
      ]),
      'batch event #1: type',
    ],
    [
      'a binary event without ce-source',
      request({ 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-type': 't' }, undefined, ''),
      'source is required',
    ],
  ])('refuses %s with 400', (_label, req, message) => {
    expect(() => parseCloudEvents(req)).toThrow(
      expect.objectContaining({ code: 'FSS.0400', status: 400, message: expect.stringContaining(message) }),
    );
  });
});

describe('eventgridTriggerEvent', () => {
  it('hands the function the event with the invocation hop', () => {
    expect(eventgridTriggerEvent({ ...EVENT, ofghop: 2 }, 2)).toEqual({ ...EVENT, ofghop: 3 });
  });
});
