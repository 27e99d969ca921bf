/**
 * SQL LIKE matching, case-insensitive: `%` matches any run of characters, `_` one
 * character, everything else matches itself. Used where a backend cannot filter
 * names itself (Glue's GetTables Expression is not LIKE), and by tests that check
 * adapters against each other.
 *
 * Not a regular expression: `%%%%z` as `^.*.*.*.*z$` backtracks exponentially on
 * a name that does not end in z (15 characters took 5.8 s, synchronously). This
 * matcher collapses runs of `%` and backtracks only to the last `%` seen, so one
 * match costs at most pattern length x name length steps, whatever the pattern.
 */
export interface LikeMatcher {
  test(value: string): boolean;
}

const ANY_RUN = -1;
const ANY_ONE = -2;

export function likeMatcher(pattern: string): LikeMatcher {
  // Code points, folded; -1 for `%` (runs collapsed), -2 for `_`.
  const tokens: number[] = [];
  for (const ch of pattern) {
    if (ch === '%') {
      if (tokens[tokens.length - 1] !== ANY_RUN) tokens.push(ANY_RUN);
    } else if (ch === '_') tokens.push(ANY_ONE);
    else tokens.push(fold(ch));
  }
  return { test: (value) => matchTokens(tokens, foldAll(value)) };
}

export function matchesLike(value: string, pattern: string): boolean {
  return likeMatcher(pattern).test(value);
}

/** Wildcard matching with one backtrack point (the last `%`): O(tokens x chars). */
function matchTokens(tokens: readonly number[], chars: readonly number[]): boolean {
  let t = 0;
  let c = 0;
  let starToken = -1;
  let starChar = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (t < tokens.length && token !== ANY_RUN && (token === ANY_ONE || token === chars[c])) {
      t++;
      c++;
    } else if (t < tokens.length && token === ANY_RUN) {
      starToken = t++;
      starChar = c;
    } else if (starToken >= 0) {
      // Let the last `%` take one more character and retry what follows it.
      t = starToken + 1;
      c = ++starChar;
    } else {
      return false;
    }
  }
  while (t < tokens.length && tokens[t] === ANY_RUN) t++;
  return t === tokens.length;
}

/** Case folding per code point (what a case-insensitive LIKE compares). */
function fold(ch: string): number {
  const lower = ch.toLowerCase();
  // A character whose lower case is several code points (e.g. U+0130) compares as itself.
  return lower.length === ch.length ? lower.codePointAt(0)! : ch.codePointAt(0)!;
}

function foldAll(value: string): number[] {
  const out: number[] = [];
  for (const ch of value) out.push(fold(ch));
  return out;
}
