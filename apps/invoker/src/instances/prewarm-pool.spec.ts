import { parsePrewarmProfiles } from './prewarm-pool';

describe('parsePrewarmProfiles', () => {
  it('reads runtime family and memory pairs, ignoring blanks', () => {
    expect(parsePrewarmProfiles(' nodejs:128, python:256 ,')).toEqual([
      { family: 'nodejs', memoryMb: 128 },
      { family: 'python', memoryMb: 256 },
    ]);
    expect(parsePrewarmProfiles('')).toEqual([]);
  });

  it.each(['nodejs', 'nodejs:', 'ruby:128', 'nodejs:0', 'Node.js20.15:128', 'nodejs:12x'])(
    'refuses %s',
    (text) => {
      expect(() => parsePrewarmProfiles(text)).toThrow('is not <runtime family>:<memory MB>');
    },
  );
});
