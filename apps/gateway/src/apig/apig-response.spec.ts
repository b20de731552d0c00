import { anInvocationReply } from '@ofg/testing';
import { parseApigResult, renderApigReply } from './apig-response';

const aReply = anInvocationReply;

describe('parseApigResult', () => {
  it('decodes a Base64 body into the exact bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const parsed = parseApigResult(
      JSON.stringify({
        statusCode: 201,
        headers: { 'Content-Type': 'application/octet-stream' },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(parsed).toEqual({
      status: 201,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
  });

  it('keeps a text body as UTF-8 and allows a missing body', () => {
    expect(parseApigResult('{"statusCode":200,"body":"héllo"}').body.toString('utf8')).toBe('héllo');
    expect(parseApigResult('{"statusCode":204}').body.length).toBe(0);
  });

  it('answers multi-valued headers (HTTP functions) and merges multiValueHeaders', () => {
    const parsed = parseApigResult(
      JSON.stringify({
        statusCode: 200,
        headers: { 'Set-Cookie': ['a=1', 'b=2'], 'Content-Length': ['3'], 'X-One': ['x'], 'X-Num': 5 },
        multiValueHeaders: { 'set-cookie': ['c=3'] },
        body: 'abc',
      }),
    );
    expect(parsed.headers).toEqual({ 'Set-Cookie': ['a=1', 'b=2', 'c=3'], 'X-One': 'x', 'X-Num': '5' });
  });

  it.each([
    ['a plain string', '"hello"'],
    ['not JSON', 'hello'],
    ['no statusCode', '{"body":"x"}'],
    ['a status out of range', '{"statusCode":99}'],
    ['a non-string body', '{"statusCode":200,"body":{"a":1}}'],
    ['a bad Base64 body', '{"statusCode":200,"body":"@@","isBase64Encoded":true}'],
    ['a header with a line break', '{"statusCode":200,"headers":{"X":"a\\r\\nb"}}'],
    ['an object header value', '{"statusCode":200,"headers":{"X":{"a":1}}}'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseApigResult(text)).toThrow();
  });
});

describe('renderApigReply', () => {
  it('answers the function response with the request id', () => {
    const res = renderApigReply(aReply({ result: '{"statusCode":418,"body":"teapot"}' }), 'r1');
    expect(res.status).toBe(418);
    expect(res.headers['X-Cff-Request-Id']).toBe('r1');
    expect(res.body.toString()).toBe('teapot');
  });

  it('answers 502 FSS.0502 for a result of another shape', () => {
    const res = renderApigReply(aReply({ result: '"just a string"' }), 'r1');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error_code: 'FSS.0502', request_id: 'r1' });
  });

  it('answers 502 FSS.0502 for a function error and 504 FSS.0504 for a timeout', () => {
    const failed = renderApigReply(
      aReply({ outcome: 'function_error', result: '{"errorMessage":"boom","errorType":"Error"}' }),
      'r1',
    );
    expect(failed.status).toBe(502);
    expect(failed.headers['X-Func-Err-Code']).toBe('4001');
    expect(JSON.parse(failed.body.toString()).error_msg).toContain('Error: boom');
    const timeout = renderApigReply(aReply({ outcome: 'timeout', result: '{}' }), 'r1');
    expect(timeout.status).toBe(504);
    expect(JSON.parse(timeout.body.toString()).error_code).toBe('FSS.0504');
  });

  it('keeps a platform error its own status', () => {
    const res = renderApigReply(aReply({ outcome: 'platform_error', errorCode: 'FSS.0503' }), 'r1');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString()).error_code).toBe('FSS.0503');
  });
});
