import { buildApigEvent, flatHeaders, flatQuery } from './apig-event';

describe('buildApigEvent', () => {
  const body = Buffer.from([0x00, 0xff, 0x10, 0x80]);
  const event = buildApigEvent(
    {
      method: 'post',
      path: '/echo/a%20b/c',
      query: 'x=1&y=two&x=3&empty=',
      headers: { 'Content-Type': 'application/octet-stream', 'x-multi': ['a', 'b'], host: 'gw:8080' },
      body,
      sourceIp: '10.0.0.7',
      protocol: 'http',
    },
    { apiId: 'api-1', stage: 'RELEASE', rest: 'a%20b/c' },
    'req-1',
  );

  it('carries the body Base64-encoded', () => {
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64')).toEqual(body);
  });

  it('lower-cases and flattens headers and adds the forwarding headers', () => {
    expect(event.headers).toEqual({
      'content-type': 'application/octet-stream',
      'x-multi': 'a,b',
      host: 'gw:8080',
      'x-real-ip': '10.0.0.7',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'http',
    });
  });

  it('has flat query parameters, the catch-all path parameter and the request context', () => {
    expect(event.queryStringParameters).toEqual({ x: '1', y: 'two', empty: '' });
    expect(event.pathParameters).toEqual({ '': 'a b/c' });
    expect(event.requestContext).toEqual({
      apiId: 'api-1',
      requestId: 'req-1',
      stage: 'RELEASE',
      sourceIp: '10.0.0.7',
    });
    expect(event.httpMethod).toBe('POST');
    expect(event.path).toBe('/echo/a%20b/c');
  });

  it('gives no path parameter when the path is the API path itself', () => {
    const bare = buildApigEvent(
      {
        method: 'GET',
        path: '/echo',
        query: '',
        headers: { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' },
        body: Buffer.alloc(0),
        sourceIp: '10.0.0.7',
        protocol: 'http',
      },
      { apiId: 'a', stage: 'TEST', rest: '' },
      'r',
    );
    expect(bare.pathParameters).toEqual({});
    expect(bare.body).toBe('');
    expect(bare.headers['x-forwarded-for']).toBe('1.2.3.4, 10.0.0.7');
    expect(bare.headers['x-forwarded-proto']).toBe('https');
  });
});

describe('flat maps', () => {
  it('skips absent headers and keeps the first of repeated query names', () => {
    expect(flatHeaders({ A: undefined, B: 'b' })).toEqual({ b: 'b' });
    expect(flatQuery('a=1&a=2&b=%E2%9C%93')).toEqual({ a: '1', b: '✓' });
  });
});
