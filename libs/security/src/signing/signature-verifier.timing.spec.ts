import * as crypto from 'node:crypto';
import { signRequest } from './sdk-signer';
import { SignatureVerifier } from './signature-verifier';

// Counts the calls of the real timingSafeEqual: the verifier must compare signatures with it, never with ===.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

describe('SignatureVerifier comparison', () => {
  const date = new Date('2024-01-02T03:04:05Z');
  const url = 'http://gw.local/v2/p1/fgs/functions';
  const headers = { 'Content-Type': 'application/json' };

  it('compares every candidate signature in constant time, matching or not', async () => {
    const auth = signRequest({ method: 'GET', url, headers, ak: 'AK', sk: 'SK', date });
    const request = (authorization: string): Parameters<SignatureVerifier['verify']>[0] => ({
      method: 'GET',
      url: '/v2/p1/fgs/functions',
      headers: {
        'content-type': 'application/json',
        host: 'gw.local',
        'x-sdk-date': auth['X-Sdk-Date'],
        authorization,
      },
      body: '',
    });
    const compare = jest.mocked(crypto.timingSafeEqual);
    const verifier = new SignatureVerifier();

    compare.mockClear();
    await expect(verifier.verify(request(auth.Authorization), () => 'SK', date)).resolves.toMatchObject({
      ok: true,
    });
    expect(compare).toHaveBeenCalled();

    compare.mockClear();
    const wrong = auth.Authorization.replace(/Signature=[0-9a-f]{64}/, `Signature=${'0'.repeat(64)}`);
    await expect(verifier.verify(request(wrong), () => 'SK', date)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(compare).toHaveBeenCalled();
    for (const [a, b] of compare.mock.calls) expect(a.byteLength).toBe(b.byteLength);
  });
});
