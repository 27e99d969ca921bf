/**
 * SQL literals for the few places where DuckDB needs text instead of a parameter:
 * file lists of read_parquet/parquet_metadata and COPY targets. Only for paths our
 * own code listed or built, never for request input.
 */
const GLOB = /[*?[\]{}]/;

export function quoteSqlString(text: string): string {
  if (text.includes('\0')) throw new TypeError('SQL string literal must not contain NUL');
  return `'${text.replace(/'/g, "''")}'`;
}

/** DuckDB expands glob characters in file names; our paths must not hold any. */
export function assertPlainPath(filePath: string): string {
  if (GLOB.test(filePath)) {
    throw new TypeError(`path ${JSON.stringify(filePath)} contains glob characters (* ? [ ] { }), which DuckDB would expand; choose a data directory without them`);
  }
  return filePath;
}

/** `['/a/b.parquet', '/a/c.parquet']` */
export function fileListLiteral(paths: readonly string[]): string {
  return `[${paths.map((p) => quoteSqlString(assertPlainPath(p))).join(', ')}]`;
}
