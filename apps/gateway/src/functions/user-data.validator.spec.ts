import { validateUserData } from './user-data.validator';

describe('validateUserData', () => {
  it('accepts an empty string and a JSON object of strings', () => {
    expect(validateUserData('', 'user_data')).toBe('');
    expect(validateUserData('{"A":"1","b_2":"x"}', 'user_data')).toBe('{"A":"1","b_2":"x"}');
  });

  it.each([
    ['not JSON', 'A=1'],
    ['an array', '["a"]'],
    ['a non-string value', '{"A":1}'],
    ['an invalid name', '{"A=B":"1"}'],
  ])('rejects %s with FSS.1009', (_label, text) => {
    expect(() => validateUserData(text, 'user_data')).toThrow(expect.objectContaining({ code: 'FSS.1009' }));
  });

  it('rejects more than 20 variables with FSS.1017', () => {
    const text = JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`K${i}`, 'v'])));
    expect(() => validateUserData(text, 'user_data')).toThrow(expect.objectContaining({ code: 'FSS.1017' }));
  });

  it('rejects more than 4096 bytes with FSS.1018', () => {
    const text = JSON.stringify({ BIG: 'é'.repeat(2100) });
    expect(() => validateUserData(text, 'encrypted_user_data')).toThrow(
      expect.objectContaining({ code: 'FSS.1018' }),
    );
  });
});
