import { mapCode, segmentSql, type LakeColumn } from './athena-redshift-duckdb';

/**
 * Athena SQL -> DuckDB SQL, for the emulator. Only what lakegate sends is handled:
 *
 * - Execution parameters: each value must be one SQL literal (Athena binds them
 *   like EXECUTE ... USING); it replaces its `?` in order. Anything else fails
 *   the query, so the emulator proves that the adapter never sends SQL as a value.
 * - Trino functions DuckDB lacks or spells differently become DuckDB macros
 *   (TRINO_MACROS): day_of_week, date_add('unit', n, date), json_parse,
 *   json_extract_scalar, approx_distinct; `CAST(... AS ROW(...))` becomes STRUCT;
 *   `/` on integers divides as integers, as in Trino.
 * - Hive / Iceberg DDL (CREATE DATABASE, CREATE [EXTERNAL] TABLE ... LOCATION)
 *   is parsed into a command; the emulator maps s3://bucket/key to <dataDir>/key.
 *
 * Known gaps (not used by lakegate): Trino-only syntax such as lambdas,
 * UNNEST ... WITH ORDINALITY, date_add on timestamps (treated as dates),
 * format_datetime. Writes (DELETE, MERGE, INSERT, UNLOAD) are run by the emulator
 * itself (athena-emulator.ts, athena-iceberg-writes.ts); OPTIMIZE and VACUUM maintain
 * the Iceberg tables' snapshots (athena-iceberg-table.ts). ALTER TABLE ... SET
 * TBLPROPERTIES changes a table's properties (OPTIMIZE thresholds, snapshot ages).
 */
export class TranslationError extends Error {
  constructor(
    message: string,
    readonly errorName: string,
  ) {
    super(message);
  }
}

export const TRINO_MACROS = [
  // Trino divides integers as integers (7 / 2 = 3, -7 / 2 = -3); DuckDB's `/` would answer 3.5.
  `SET GLOBAL integer_division = true`,
  `CREATE OR REPLACE MACRO day_of_week(d) AS isodow(d)`,
  `CREATE OR REPLACE MACRO dow(d) AS isodow(d)`,
  `CREATE OR REPLACE MACRO trino_date_add_day(n, d) AS CAST(d AS DATE) + CAST(n AS INTEGER)`,
  `CREATE OR REPLACE MACRO trino_date_add_week(n, d) AS CAST(d AS DATE) + 7 * CAST(n AS INTEGER)`,
  `CREATE OR REPLACE MACRO trino_date_add_month(n, d) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE)`,
  `CREATE OR REPLACE MACRO trino_date_add_year(n, d) AS CAST(CAST(d AS DATE) + to_years(CAST(n AS INTEGER)) AS DATE)`,
  `CREATE OR REPLACE MACRO json_parse(s) AS json(s)`,
  `CREATE OR REPLACE MACRO json_extract_scalar(s, p) AS json_extract_string(s, p)`,
  `CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)`,
];

const LITERAL_TYPES = ['VARCHAR', 'BIGINT', 'INTEGER', 'DOUBLE', 'REAL', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'DECIMAL'];
const STRING = `'(?:[^']|'')*'`;
const NUMBER = `-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?`;
const SCALAR = `(?:${STRING}|${NUMBER}|TRUE|FALSE|NULL|(?:DATE|TIMESTAMP|DECIMAL|DOUBLE|REAL|BIGINT|INTEGER)\\s+${STRING})`;
const LITERAL = new RegExp(`^\\s*(?:${SCALAR}|CAST\\(\\s*${SCALAR}\\s+AS\\s+(?:${LITERAL_TYPES.join('|')})(?:\\(\\d+(?:,\\s*\\d+)?\\))?\\s*\\))\\s*$`, 'i');

/** True when `text` is a single literal Athena would accept as an execution parameter value. */
export function isLiteral(text: string): boolean {
  return LITERAL.test(text);
}

const PARAMETERIZED_STATEMENTS = new Set(['SELECT', 'WITH', 'VALUES', 'INSERT', 'UNLOAD', 'CREATE']);
const CLAUSE_WORDS = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'ON', 'USING', 'JOIN', 'VALUES', 'SET', 'UNION', 'INTERSECT', 'EXCEPT']);

/**
 * Athena's documented limits: execution parameters only in SELECT, INSERT INTO,
 * CTAS and UNLOAD statements, and `?` only in WHERE clauses.
 */
function checkPlaceholderPositions(query: string): void {
  const keyword = (/^\s*\(*\s*([A-Za-z]+)/.exec(segmentSql(query).filter((s) => s.kind !== 'comment').map((s) => s.text).join(''))?.[1] ?? '').toUpperCase();
  if (!PARAMETERIZED_STATEMENTS.has(keyword)) {
    throw new TranslationError(`Execution parameters are only supported in SELECT, INSERT INTO, CTAS and UNLOAD statements, not ${keyword}`, 'INVALID_PARAMETER_USAGE');
  }
  // Clause per parenthesis depth; a depth without one inherits the enclosing clause.
  const clauses: Array<string | undefined> = [undefined];
  for (const segment of segmentSql(query)) {
    if (segment.kind !== 'code') continue;
    for (const token of segment.text.match(/\(|\)|\?|[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
      if (token === '(') clauses.push(undefined);
      else if (token === ')') clauses.length > 1 && clauses.pop();
      else if (token === '?') {
        const clause = [...clauses].reverse().find((c) => c !== undefined);
        if (clause !== 'WHERE') throw new TranslationError(`line 1:1: Execution parameters are only supported in WHERE clauses, found one in ${clause ?? 'the statement'}`, 'INVALID_PARAMETER_USAGE');
      } else if (CLAUSE_WORDS.has(token.toUpperCase())) {
        clauses[clauses.length - 1] = token.toUpperCase();
      }
    }
  }
}

/** Replaces the `?` placeholders (outside strings and comments) with the parameter literals. */
export function bindExecutionParameters(query: string, parameters: string[] | undefined): string {
  const values = parameters ?? [];
  values.forEach((value, i) => {
    if (!isLiteral(value)) {
      throw new TranslationError(`line 1:1: Execution parameter ${i + 1} is not a literal: ${value.slice(0, 60)}`, 'INVALID_PARAMETER_USAGE');
    }
  });
  if (values.length > 0) checkPlaceholderPositions(query);
  let index = 0;
  let placeholders = 0;
  const bound = mapCode(query, (code) =>
    code.replace(/\?/g, () => {
      placeholders++;
      const value = values[index++];
      return value === undefined ? '?' : `(${value})`;
    }),
  );
  if (placeholders !== values.length) {
    throw new TranslationError(`Incorrect number of parameters: expected ${placeholders} but found ${values.length}`, 'INVALID_PARAMETER_USAGE');
  }
  return bound;
}

/** Trino SQL -> DuckDB SQL (see the list above). */
export function trinoToDuckDb(sqlText: string): string {
  const structs = mapCode(sqlText, (code) => code.replace(/\bAS\s+ROW\s*\(/gi, 'AS STRUCT('));
  // The unit is a string literal, so this one looks at the whole text.
  return structs.replace(/\bdate_add\s*\(\s*'(day|week|month|year)'\s*,/gi, (_m, unit: string) => `trino_date_add_${unit.toLowerCase()}(`);
}

/** The tables a query refers to, as "schema"."table" / schema.table / table (lower case). */
export function referencedTables(sqlText: string, defaultSchema: string): Set<string> {
  const code = segmentSql(sqlText)
    .filter((s) => s.kind !== 'comment' && s.kind !== 'string')
    .map((s) => s.text)
    .join('')
    .toLowerCase();
  const found = new Set<string>();
  const pattern = /\b(?:from|join)\s+("?[a-z0-9_$]+"?)(?:\s*\.\s*("?[a-z0-9_$]+"?))?/g;
  for (const match of code.matchAll(pattern)) {
    const first = match[1]!.replace(/"/g, '');
    const second = match[2]?.replace(/"/g, '');
    found.add(second ? `${first}.${second}` : `${defaultSchema}.${first}`);
  }
  return found;
}

/** DATE literals in the bound query: the emulator's stand-in for partition pruning. */
export function dateLiterals(sqlText: string): string[] {
  return [...sqlText.matchAll(/DATE\s+'(\d{4}-\d{2}-\d{2})'/gi)].map((m) => m[1]!);
}

export type DdlCommand =
  | { kind: 'create-database'; name: string; ifNotExists: boolean }
  | { kind: 'drop-database'; name: string; ifExists: boolean }
  | {
      kind: 'create-table';
      schema: string | undefined;
      name: string;
      ifNotExists: boolean;
      columns: LakeColumn[];
      location: string;
      iceberg: boolean;
      /** STORED AS TEXTFILE: one row a line (the JSON Lines landing table); anything else is read as Parquet. */
      storedAs: 'parquet' | 'text';
      properties: Record<string, string>;
    }
  | { kind: 'drop-table'; schema: string | undefined; name: string; ifExists: boolean }
  | { kind: 'alter-table-properties'; schema: string | undefined; name: string; properties: Record<string, string> };

const HIVE_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  bigint: 'BIGINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
};

function duckType(hiveType: string): string {
  const t = hiveType.trim().toLowerCase();
  const decimal = /^decimal\s*\((\d+)\s*,\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  return HIVE_TYPES[t.replace(/\(.*$/, '')] ?? 'VARCHAR';
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(' || c === '<') depth++;
    if (c === ')' || c === '>') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** The text inside the parentheses that open at `open`. */
function parenthesized(text: string, open: number): { inner: string; end: number } {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    if (text[i] === ')') {
      depth--;
      if (depth === 0) return { inner: text.slice(open + 1, i), end: i + 1 };
    }
  }
  throw new TranslationError(`line 1:${open + 1}: mismatched parentheses`, 'SYNTAX_ERROR');
}

const unquote = (name: string) => name.replace(/[`"]/g, '').toLowerCase();

/** Parses the Hive / Iceberg DDL lakegate's migrations use; undefined for anything else. */
export function parseAthenaDdl(statement: string): DdlCommand | undefined {
  const text = segmentSql(statement)
    .filter((s) => s.kind !== 'comment')
    .map((s) => s.text)
    .join('')
    .trim()
    .replace(/;\s*$/, '');
  let m = /^CREATE\s+(?:DATABASE|SCHEMA)\s+(IF\s+NOT\s+EXISTS\s+)?([`"\w]+)/i.exec(text);
  if (m) return { kind: 'create-database', name: unquote(m[2]!), ifNotExists: !!m[1] };
  m = /^DROP\s+(?:DATABASE|SCHEMA)\s+(IF\s+EXISTS\s+)?([`"\w]+)/i.exec(text);
  if (m) return { kind: 'drop-database', name: unquote(m[2]!), ifExists: !!m[1] };
  m = /^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?(?:([`"\w]+)\.)?([`"\w$]+)/i.exec(text);
  if (m) return { kind: 'drop-table', schema: m[2] ? unquote(m[2]) : undefined, name: unquote(m[3]!), ifExists: !!m[1] };
  m = /^ALTER\s+TABLE\s+(?:([`"\w]+)\.)?([`"\w]+)\s+SET\s+TBLPROPERTIES\s*\(([\s\S]*)\)$/i.exec(text);
  if (m) {
    const properties: Record<string, string> = {};
    for (const p of m[3]!.matchAll(/'([^']+)'\s*=\s*'([^']*)'/g)) properties[p[1]!.toLowerCase()] = p[2]!;
    return { kind: 'alter-table-properties', schema: m[1] ? unquote(m[1]) : undefined, name: unquote(m[2]!), properties };
  }
  m = /^CREATE\s+(EXTERNAL\s+)?TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(?:([`"\w]+)\.)?([`"\w]+)\s*\(/i.exec(text);
  if (!m) return undefined;
  const { inner, end } = parenthesized(text, m[0].length - 1);
  const rest = text.slice(end);
  const columns: LakeColumn[] = splitTopLevel(inner).map((def) => {
    const [name, ...type] = def.split(/\s+/);
    return { name: unquote(name!), type: duckType(type.join(' ').replace(/\s+COMMENT\s+'.*$/i, '')) };
  });
  const partitioned = /PARTITIONED\s+BY\s*\(/i.exec(rest);
  if (partitioned) {
    const part = parenthesized(rest, partitioned.index + partitioned[0].length - 1).inner;
    for (const def of splitTopLevel(part)) {
      // Hive partition columns are declared here ("day date"); Iceberg partitions
      // name existing columns or transforms of them ("day", "bucket(16, customer_id)").
      if (def.includes('(')) continue;
      const [name, type] = def.split(/\s+/);
      if (type && !columns.some((c) => c.name === unquote(name!))) columns.push({ name: unquote(name!), type: duckType(type) });
    }
  }
  const location = /LOCATION\s+'([^']+)'/i.exec(rest)?.[1];
  if (!location) throw new TranslationError('line 1:1: CREATE TABLE needs a LOCATION in this emulator', 'SYNTAX_ERROR');
  const properties: Record<string, string> = {};
  for (const p of rest.matchAll(/'([^']+)'\s*=\s*'([^']*)'/g)) properties[p[1]!.toLowerCase()] = p[2]!;
  return {
    kind: 'create-table',
    schema: m[3] ? unquote(m[3]) : undefined,
    name: unquote(m[4]!),
    ifNotExists: !!m[2],
    columns,
    location,
    iceberg: (properties.table_type ?? '').toUpperCase() === 'ICEBERG',
    storedAs: /STORED\s+AS\s+TEXTFILE/i.test(rest) ? 'text' : 'parquet',
    properties,
  };
}
