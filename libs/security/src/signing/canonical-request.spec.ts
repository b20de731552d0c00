import {
  canonicalQueryFromRaw,
  canonicalUri,
  formatSdkDate,
  parseSdkDate,
  sdkUrlEncode,
} from './canonical-request';

describe('canonical request helpers', () => {
  it('encodes like the SDK urlEncode', () => {
    expect(sdkUrlEncode('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(sdkUrlEncode('a:b c!%/')).toBe('a%3Ab%20c%21%25%2F');
    expect(sdkUrlEncode('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
  });

  it('builds the canonical URI with a trailing slash, raw and decoded', () => {
    expect(canonicalUri('/v2/p/fgs/functions')).toBe('/v2/p/fgs/functions/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/a%3Ab')).toBe('/a%253Ab/');
    expect(canonicalUri('/a%3Ab', true)).toBe('/a%3Ab/');
    expect(canonicalUri('/bad%zz', true)).toBe('/bad%25zz/');
  });

  it('sorts names and values and keeps empty values', () => {
    expect(canonicalQueryFromRaw('b=2&a&b=1&c=')).toBe('a=&b=1&b=2&c=');
    expect(canonicalQueryFromRaw('')).toBe('');
  });

  it('round-trips the SDK date format and rejects impossible dates', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(formatSdkDate(d)).toBe('20240102T030405Z');
    expect(parseSdkDate('20240102T030405Z')).toEqual(d);
    expect(parseSdkDate('20240230T000000Z')).toBeUndefined();
  });
});
