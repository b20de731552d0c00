import { sha256Hex } from './canonical-request';
import { signRequest, signRequestDetailed } from './sdk-signer';
import {
  CAPTURED_REQUESTS,
  VECTOR_AK,
  VECTOR_DATE,
  VECTOR_HOST,
  VECTOR_NOW,
  VECTOR_PROJECT,
  VECTOR_SK,
  VECTOR_URN,
} from './sdk-test-vectors';

const ENDPOINT = `http://${VECTOR_HOST}`;
const sdkHeaders = { 'Content-Type': 'application/json', 'X-Project-Id': VECTOR_PROJECT };

describe('signRequest (SDK-HMAC-SHA256 client signer)', () => {
  it('reproduces worked example 1 (sync invoke) of §2.4', () => {
    const signed = signRequestDetailed({
      method: 'POST',
      url: `${ENDPOINT}/v2/${VECTOR_PROJECT}/fgs/functions/${VECTOR_URN}/invocations`,
      headers: {
        ...sdkHeaders,
        'X-CFF-Request-Version': 'v1',
        'User-Agent': 'not signed',
        Accept: 'application/json',
      },
      body: '{"k":"v","n":1}',
      ak: VECTOR_AK,
      sk: VECTOR_SK,
      date: VECTOR_NOW,
    });
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        `/v2/${VECTOR_PROJECT}/fgs/functions/urn%3Afss%3Alocal%3A${VECTOR_PROJECT}%3Afunction%3Adefault%3Ahello%3Alatest/invocations/`,
        '',
        'content-type:application/json',
        'host:127.0.0.1:18080',
        'x-cff-request-version:v1',
        `x-project-id:${VECTOR_PROJECT}`,
        'x-sdk-date:20240102T030405Z',
        '',
        'content-type;host;x-cff-request-version;x-project-id;x-sdk-date',
        'e18b0bd83a6696db623e23b627cb0ec836690d3317856e2c131750c1b2391993',
      ].join('\n'),
    );
    expect(sha256Hex(signed.canonicalRequest)).toBe(
      '50fe4e404252c60bc79cfc71b75e607e1da876e2e0dd953e8b2382c558fe5df5',
    );
    expect(signed.stringToSign).toBe(
      'SDK-HMAC-SHA256\n20240102T030405Z\n50fe4e404252c60bc79cfc71b75e607e1da876e2e0dd953e8b2382c558fe5df5',
    );
    expect(signed.headers).toEqual({
      'X-Sdk-Date': VECTOR_DATE,
      Authorization:
        'SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789, SignedHeaders=content-type;host;x-cff-request-version;x-project-id;x-sdk-date, Signature=4fc7a7c5a52b83090f67a1c54f1ccf601bb0f4ce34f154ebe6c140e2c36948be',
    });
  });

  it('reproduces worked example 2 (query string, wire order and escaping differ) of §2.4', () => {
    const signed = signRequestDetailed({
      method: 'GET',
      url: `${ENDPOINT}/v2/${VECTOR_PROJECT}/fgs/functions?maxitems=5&func_name=hello%20world~!`,
      headers: sdkHeaders,
      ak: VECTOR_AK,
      sk: VECTOR_SK,
      date: VECTOR_NOW,
    });
    expect(signed.canonicalRequest.split('\n').slice(0, 3)).toEqual([
      'GET',
      `/v2/${VECTOR_PROJECT}/fgs/functions/`,
      'func_name=hello%20world~%21&maxitems=5',
    ]);
    expect(sha256Hex(signed.canonicalRequest)).toBe(
      'a8d6077d967dbe76646ccd7f5afc9a60a258caf736768cee9b170e0011042200',
    );
    expect(signed.signature).toBe('7fc7dddd7077869ba83cc6caf27a358e5207941fc31c5bb49af55363c38c71a6');
  });

  it.each(CAPTURED_REQUESTS)('reproduces the captured signature of §4: $name', (captured) => {
    // Host comes from the URL and the date from `date`, as in the SDK.
    const headers = Object.fromEntries(
      Object.entries(captured.headers).filter(([name]) => name !== 'host' && name !== 'x-sdk-date'),
    );
    const result = signRequest({
      method: captured.method,
      url: ENDPOINT + captured.url,
      headers: { ...headers, 'user-agent': 'huaweicloud-usdk-nodejs/3.0; probe', accept: 'application/json' },
      body: captured.body,
      ak: VECTOR_AK,
      sk: VECTOR_SK,
      date: VECTOR_NOW,
    });
    expect(result.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=${VECTOR_AK}, SignedHeaders=${captured.signedHeaders}, Signature=${captured.signature}`,
    );
  });

  it('hashes a Buffer body like the same string and honours X-Sdk-Content-Sha256', () => {
    const input = { method: 'POST', url: `${ENDPOINT}/v2/p/x`, ak: 'AK', sk: 'SK', date: VECTOR_NOW };
    expect(signRequest({ ...input, body: Buffer.from('{"a":1}') })).toEqual(
      signRequest({ ...input, body: '{"a":1}' }),
    );
    const unsigned = signRequestDetailed({
      ...input,
      headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      body: 'anything',
    });
    expect(unsigned.canonicalRequest.endsWith('\nUNSIGNED-PAYLOAD')).toBe(true);
    expect(unsigned.signedHeaders).toEqual(['host', 'x-sdk-content-sha256', 'x-sdk-date']);
  });

  it('uses an X-Sdk-Date already present and an explicit Host header', () => {
    const signed = signRequestDetailed({
      method: 'get',
      url: 'https://user@Example.COM:8443/a b',
      headers: { 'X-Sdk-Date': '20200101T000000Z', Host: 'proxy.local' },
      ak: 'AK',
      sk: 'SK',
    });
    expect(signed.headers['X-Sdk-Date']).toBe('20200101T000000Z');
    expect(signed.canonicalRequest.split('\n').slice(0, 5)).toEqual([
      'GET',
      '/a%20b/',
      '',
      'host:proxy.local',
      'x-sdk-date:20200101T000000Z',
    ]);
  });

  it('rejects a relative URL', () => {
    expect(() => signRequest({ method: 'GET', url: '/v2/x', ak: 'a', sk: 'b' })).toThrow(/absolute URL/);
  });
});
