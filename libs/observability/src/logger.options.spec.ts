import { redactUrlSecrets } from './logger.options';

describe('redactUrlSecrets', () => {
  it('blanks token query values and keeps the rest of the target', () => {
    expect(redactUrlSecrets('/obs-events/p1?token=abc123')).toBe('/obs-events/p1?token=[REDACTED]');
    expect(redactUrlSecrets('/x?a=1&TOKEN=s&b=2')).toBe('/x?a=1&TOKEN=[REDACTED]&b=2');
    expect(redactUrlSecrets('/v2/p/fgs/functions?marker=0')).toBe('/v2/p/fgs/functions?marker=0');
    expect(redactUrlSecrets('/x?mytoken=keep')).toBe('/x?mytoken=keep');
  });
});
