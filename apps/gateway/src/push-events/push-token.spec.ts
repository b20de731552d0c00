import { isPushToken, presentedPushToken, pushTokenOf } from './push-token';
import { uuidV5 } from '@ofg/contracts';
import { parseHop, pushRequestId } from './push-request-id';

const KEY = 'ab'.repeat(32);

describe('push tokens', () => {
  it('are per project and per key', () => {
    const token = pushTokenOf(KEY, 'p1');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(isPushToken(KEY, 'p1', token)).toBe(true);
    expect(isPushToken(KEY, 'p2', token)).toBe(false);
    expect(isPushToken('cd'.repeat(32), 'p1', token)).toBe(false);
    expect(isPushToken(KEY, 'p1', token.slice(1))).toBe(false);
  });

  it('are read from the query, a Bearer header or X-Ofg-Push-Token', () => {
    expect(presentedPushToken('a=1&token=t1', {})).toBe('t1');
    expect(presentedPushToken('', { authorization: 'Bearer t2' })).toBe('t2');
    expect(presentedPushToken('', { 'x-ofg-push-token': 't3' })).toBe('t3');
    expect(presentedPushToken('', { authorization: 'SDK-HMAC-SHA256 Access=a' })).toBeUndefined();
    expect(presentedPushToken('token=', {})).toBeUndefined();
  });
});

describe('push request ids', () => {
  it('are RFC 4122 version 5 and stable per trigger, event and retry', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    const id = pushRequestId('t1', 'k', 0);
    expect(id).toBe(pushRequestId('t1', 'k', 0));
    expect(
      new Set([id, pushRequestId('t2', 'k', 0), pushRequestId('t1', 'k2', 0), pushRequestId('t1', 'k', 1)])
        .size,
    ).toBe(4);
  });

  it('read hop counts leniently', () => {
    expect([parseHop('3'), parseHop(4), parseHop(' 5 '), parseHop('x'), parseHop(-1), parseHop(1.5)]).toEqual(
      [3, 4, 5, 0, 0, 0],
    );
  });
});
