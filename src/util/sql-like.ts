/**
 * SQL LIKE matching, case-insensitive: `%` matches any run of characters, `_` one
 * character, everything else (regex metacharacters included) matches itself. Used
 * where a backend cannot filter names itself (Glue's GetTables Expression is not
 * LIKE), and by tests that check adapters against each other.
 */
export function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'isu');
}

export function matchesLike(value: string, pattern: string): boolean {
  return likeToRegExp(pattern).test(value);
}
