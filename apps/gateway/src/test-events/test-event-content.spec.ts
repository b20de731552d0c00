import { FgsError } from '@ofg/contracts';
import { decodeTestEventContent, encodeTestEventContent, isTestEventId } from './test-event-content';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as FgsError).code;
  }
  return 'no error';
}

describe('test event content', () => {
  it('decodes Base64 JSON (standard, URL-safe, wrapped) and encodes it back', () => {
    const doc = '{"name":"wörld","n":[1,2]}';
    expect(decodeTestEventContent(b64(doc))).toBe(doc);
    expect(decodeTestEventContent(Buffer.from(doc).toString('base64url'))).toBe(doc);
    expect(decodeTestEventContent(b64(doc).replace(/(.{8})/g, '$1\n'))).toBe(doc);
    expect(encodeTestEventContent(doc)).toBe(b64(doc));
    expect(decodeTestEventContent(b64('"just a string"'))).toBe('"just a string"');
  });

  it('refuses what is not Base64 of UTF-8 JSON with FSS.1074', () => {
    expect(codeOf(() => decodeTestEventContent('{"raw":"json"}'))).toBe('FSS.1074');
    expect(codeOf(() => decodeTestEventContent(b64('not json')))).toBe('FSS.1074');
    expect(codeOf(() => decodeTestEventContent(Buffer.from([0xff, 0xfe, 0x7b]).toString('base64')))).toBe(
      'FSS.1074',
    );
    expect(codeOf(() => decodeTestEventContent('abcde'))).toBe('FSS.1074');
    expect(codeOf(() => decodeTestEventContent('   '))).toBe('FSS.1074');
  });

  it('allows exactly 4096 decoded bytes and answers FSS.1069 above', () => {
    const fits = `"${'x'.repeat(4094)}"`;
    expect(decodeTestEventContent(b64(fits))).toHaveLength(4096);
    expect(codeOf(() => decodeTestEventContent(b64(`"${'x'.repeat(4095)}"`)))).toBe('FSS.1069');
    // Checked from the text length, before anything is decoded.
    expect(codeOf(() => decodeTestEventContent('A'.repeat(10_000_000)))).toBe('FSS.1069');
  });

  it('recognises uuid event ids only', () => {
    expect(isTestEventId('3b659dc0-12fc-40dc-aa05-a321d9424cb3')).toBe(true);
    expect(isTestEventId('3b659dc0-12fc-40dc-aa05-a321d9424cb')).toBe(false);
    expect(isTestEventId("x' OR 1=1")).toBe(false);
  });
});
