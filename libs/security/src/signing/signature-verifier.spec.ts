import { signRequest } from './sdk-signer';
import { SignatureVerifier, SignedRequest, parseSdkAuthorization } from './signature-verifier';
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

const secrets = (ak: string): string | undefined => (ak === VECTOR_AK ? VECTOR_SK : undefined);
const verifier = new SignatureVerifier();

function wire(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  signedHeaders: string,
  signature: string,
): SignedRequest {
  return {
    method,
    url,
    headers: {
      ...headers,
      authorization: `SDK-HMAC-SHA256 Access=${VECTOR_AK}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
      'user-agent': 'huaweicloud-usdk-nodejs/3.0; probe',
      accept: 'application/json',
    },
    body: Buffer.from(body, 'utf8'),
  };
}

const baseHeaders = {
  'content-type': 'application/json',
  'x-project-id': VECTOR_PROJECT,
  'x-sdk-date': VECTOR_DATE,
  host: VECTOR_HOST,
};

const example1 = (): SignedRequest =>
  wire(
    'POST',
    `/v2/${VECTOR_PROJECT}/fgs/functions/${VECTOR_URN}/invocations`,
    { ...baseHeaders, 'x-cff-request-version': 'v1' },
    '{"k":"v","n":1}',
    'content-type;host;x-cff-request-version;x-project-id;x-sdk-date',
    '4fc7a7c5a52b83090f67a1c54f1ccf601bb0f4ce34f154ebe6c140e2c36948be',
  );

const example2 = (): SignedRequest =>
  wire(
    'GET',
    `/v2/${VECTOR_PROJECT}/fgs/functions?maxitems=5&func_name=hello%20world~!`,
    baseHeaders,
    '',
    'content-type;host;x-project-id;x-sdk-date',
    '7fc7dddd7077869ba83cc6caf27a358e5207941fc31c5bb49af55363c38c71a6',
  );

describe('SignatureVerifier', () => {
  it('accepts worked example 1 of §2.4', async () => {
    await expect(verifier.verify(example1(), secrets, VECTOR_NOW)).resolves.toEqual({
      ok: true,
      accessKey: VECTOR_AK,
      signedHeaders: ['content-type', 'host', 'x-cff-request-version', 'x-project-id', 'x-sdk-date'],
      signedAt: VECTOR_NOW,
    });
  });

  it('accepts worked example 2 of §2.4 (raw query re-encoded)', async () => {
    await expect(verifier.verify(example2(), secrets, VECTOR_NOW)).resolves.toMatchObject({ ok: true });
  });

  it.each(CAPTURED_REQUESTS)('accepts the captured request of §4: $name', async (c) => {
    const result = await verifier.verify(
      wire(c.method, c.url, c.headers, c.body, c.signedHeaders, c.signature),
      secrets,
      VECTOR_NOW,
    );
    expect(result).toMatchObject({ ok: true, accessKey: VECTOR_AK });
  });

  it('accepts the same request with a percent-encoded URN path (decoded variant)', async () => {
    const req = example1();
    req.url = req.url.replace(/:/g, '%3A');
    await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({ ok: true });
  });

  it('accepts `+` for a space and repeated query names in any order', async () => {
    const url = `http://${VECTOR_HOST}/v2/p/fgs/functions?b=2&a=x%20y&b=1`;
    const headers = signRequest({
      method: 'GET',
      url,
      headers: { 'Content-Type': 'application/json' },
      ak: VECTOR_AK,
      sk: VECTOR_SK,
      date: VECTOR_NOW,
    });
    const req: SignedRequest = {
      method: 'GET',
      url: '/v2/p/fgs/functions?b=1&a=x+y&b=2',
      headers: {
        host: VECTOR_HOST,
        'content-type': 'application/json',
        'x-sdk-date': headers['X-Sdk-Date'],
        authorization: headers.Authorization,
      },
      body: Buffer.alloc(0),
    };
    await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({ ok: true });
  });

  it('accepts UNSIGNED-PAYLOAD whatever the body, when the header is signed', async () => {
    const url = `http://${VECTOR_HOST}/v2/p/upload`;
    const headers = signRequest({
      method: 'PUT',
      url,
      headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      body: 'a',
      ak: VECTOR_AK,
      sk: VECTOR_SK,
      date: VECTOR_NOW,
    });
    const req: SignedRequest = {
      method: 'PUT',
      url: '/v2/p/upload',
      headers: {
        host: VECTOR_HOST,
        'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-sdk-date': headers['X-Sdk-Date'],
        authorization: headers.Authorization,
      },
      body: 'something else entirely',
    };
    await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({ ok: true });
  });

  describe('tampering', () => {
    const cases: Array<[string, (r: SignedRequest) => SignedRequest]> = [
      ['method', (r) => ({ ...r, method: 'PUT' })],
      ['path', (r) => ({ ...r, url: r.url.replace('hello:latest', 'other:latest') })],
      ['query value', (r) => ({ ...r, url: r.url + '?maxitems=6' })],
      ['signed header value', (r) => ({ ...r, headers: { ...r.headers, 'x-cff-request-version': 'v0' } })],
      ['host', (r) => ({ ...r, headers: { ...r.headers, host: 'evil.example:18080' } })],
      ['body', (r) => ({ ...r, body: Buffer.from('{"k":"v","n":2}') })],
      [
        'signature',
        (r) => ({
          ...r,
          headers: { ...r.headers, authorization: String(r.headers['authorization']).replace(/.$/, '0') },
        }),
      ],
    ];
    it.each(cases)('rejects a changed %s as bad_signature', async (_name, tamper) => {
      await expect(verifier.verify(tamper(example1()), secrets, VECTOR_NOW)).resolves.toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    });

    it('rejects a changed query in example 2', async () => {
      const req = example2();
      req.url = req.url.replace('maxitems=5', 'maxitems=50');
      await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    });

    it('rejects the right signature under a wrong secret key', async () => {
      await expect(verifier.verify(example1(), () => 'another-secret', VECTOR_NOW)).resolves.toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    });

    it('ignores unsigned headers', async () => {
      const req = example1();
      req.headers = { ...req.headers, 'user-agent': 'changed', 'x-not-signed': '1' };
      await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({ ok: true });
    });
  });

  describe('clock skew', () => {
    const at = (ms: number): Date => new Date(VECTOR_NOW.getTime() + ms);
    it.each([
      ['14:59 late', 14 * 60_000 + 59_000, true],
      ['14:59 early', -(14 * 60_000 + 59_000), true],
      ['15:01 late', 15 * 60_000 + 1_000, false],
      ['15:01 early', -(15 * 60_000 + 1_000), false],
    ])('server clock %s', async (_label, offset, accepted) => {
      const result = await verifier.verify(example1(), secrets, at(offset));
      expect(result.ok ? 'ok' : result.reason).toBe(accepted ? 'ok' : 'stale_date');
    });

    it('uses the configured tolerance', async () => {
      const strict = new SignatureVerifier({ maxClockSkewMs: 60_000 });
      await expect(strict.verify(example1(), secrets, at(61_000))).resolves.toMatchObject({
        ok: false,
        reason: 'stale_date',
      });
      await expect(strict.verify(example1(), secrets, at(59_000))).resolves.toMatchObject({ ok: true });
    });

    it('does not look up the key for a stale request', async () => {
      const resolver = jest.fn(secrets);
      await verifier.verify(example1(), resolver, at(3_600_000));
      expect(resolver).not.toHaveBeenCalled();
    });
  });

  describe('failure reasons', () => {
    it('unknown access key', async () => {
      await expect(verifier.verify(example1(), () => undefined, VECTOR_NOW)).resolves.toMatchObject({
        ok: false,
        reason: 'unknown_key',
        accessKey: VECTOR_AK,
      });
    });

    it.each([
      ['missing', undefined],
      ['another algorithm', 'V11-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=abc'],
      [
        'short signature',
        `SDK-HMAC-SHA256 Access=${VECTOR_AK}, SignedHeaders=host;x-sdk-date, Signature=abc`,
      ],
      [
        'upper-case signature',
        `SDK-HMAC-SHA256 Access=${VECTOR_AK}, SignedHeaders=host;x-sdk-date, Signature=${'A'.repeat(64)}`,
      ],
    ])('malformed Authorization: %s', async (_label, authorization) => {
      const req = example1();
      req.headers = { ...req.headers, authorization };
      await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({
        ok: false,
        reason: 'malformed',
      });
    });

    it('malformed X-Sdk-Date', async () => {
      for (const date of ['2024-01-02T03:04:05Z', '20241302T030405Z', '20240102T030405']) {
        const req = example1();
        req.headers = { ...req.headers, 'x-sdk-date': date };
        await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({
          ok: false,
          reason: 'malformed',
        });
      }
    });

    it('a signed header absent from the request', async () => {
      const req = example1();
      req.headers = { ...req.headers, 'x-cff-request-version': undefined };
      await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({
        ok: false,
        reason: 'missing_signed_header',
      });
    });

    it('host or x-sdk-date not among SignedHeaders', async () => {
      const auth = (list: string): string =>
        `SDK-HMAC-SHA256 Access=${VECTOR_AK}, SignedHeaders=${list}, Signature=${'0'.repeat(64)}`;
      for (const list of ['content-type;x-sdk-date', 'content-type;host']) {
        const req = example1();
        req.headers = { ...req.headers, authorization: auth(list) };
        await expect(verifier.verify(req, secrets, VECTOR_NOW)).resolves.toMatchObject({
          ok: false,
          reason: 'missing_signed_header',
        });
      }
    });
  });

  it('verifyWithSecret gives the same answer synchronously', () => {
    expect(verifier.verifyWithSecret(example1(), VECTOR_SK, VECTOR_NOW)).toMatchObject({ ok: true });
    expect(verifier.verifyWithSecret(example1(), 'nope', VECTOR_NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('parseSdkAuthorization splits the three parts', () => {
    expect(
      parseSdkAuthorization(
        `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${'a'.repeat(64)}`,
      ),
    ).toEqual({
      accessKey: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'a'.repeat(64),
    });
    expect(
      parseSdkAuthorization('SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;;x, Signature=' + 'a'.repeat(64)),
    ).toBeUndefined();
  });
});
