import { likeMatcher, matchesLike } from '../../../src/util/sql-like';

/** The old regex translation, as an oracle on inputs too short to backtrack badly. */
function regexOracle(value: string, pattern: string): boolean {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'isu').test(value);
}

describe('SQL LIKE matching', () => {
  test('wildcards, literals and case', () => {
    expect(matchesLike('Events_2026', 'events%')).toBe(true);
    expect(matchesLike('events', '%')).toBe(true);
    expect(matchesLike('', '%')).toBe(true);
    expect(matchesLike('', '_')).toBe(false);
    expect(matchesLike('events', 'e%t%s')).toBe(true);
    expect(matchesLike('events', 'e%x%s')).toBe(false);
    expect(matchesLike('aaa', '%a%a%a%a')).toBe(false);
    expect(matchesLike('ÉVÉNEMENTS', 'év%')).toBe(true);
    expect(matchesLike('a.b', 'a_b')).toBe(true);
    expect(matchesLike('a😀b', 'a_b')).toBe(true);
    expect(matchesLike('line\nbreak', 'line%k')).toBe(true);
  });

  test('agrees with the regex translation on random short patterns', () => {
    const alphabet = ['a', 'b', 'A', '%', '_', '.'];
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (max: number, chars: string[]) => Array.from({ length: next(max + 1) }, () => chars[next(chars.length)]).join('');
    for (let i = 0; i < 5000; i++) {
      const pattern = word(6, alphabet);
      const value = word(8, ['a', 'b', 'B', '.']);
      expect([value, pattern, matchesLike(value, pattern)]).toEqual([value, pattern, regexOracle(value, pattern)]);
    }
  });

  test('a pattern of 255 characters of % runs against a long name answers (no backtracking blow-up)', () => {
    // As a regex this does not finish: each extra % multiplied the time by ~2.5.
    const matcher = likeMatcher(`${'%a'.repeat(127)}z`);
    expect(matcher.test('a'.repeat(255))).toBe(false);
    expect(matcher.test(`${'a'.repeat(254)}z`)).toBe(true);
    expect(likeMatcher(`${'%'.repeat(254)}z`).test('y'.repeat(255))).toBe(false);
  });
});
