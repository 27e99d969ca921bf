import type { QueryFailure } from './athena-emulator';
import { EVENT_TABLE_COLUMNS, segmentSql } from './athena-redshift-duckdb';
import { bindExecutionParameters } from './athena-translate';
import { parseWith, type GrammarToken } from './trino-grammar';

/**
 * What Athena refuses before it runs anything, so that the emulator refuses it too
 * instead of letting DuckDB (which accepts much more) answer.
 *
 * Athena routes a statement by its kind, and each kind is checked against its own
 * grammar:
 *
 * - DDL (CREATE [EXTERNAL] TABLE without AS, CREATE/DROP/ALTER DATABASE|SCHEMA,
 *   DROP/ALTER TABLE, MSCK REPAIR TABLE, SHOW, DESCRIBE) runs on Hive: checked with
 *   the Hive grammar. Iceberg partition transforms (`bucket(16, customer_id)`), which
 *   Hive does not know, are checked against Athena's documented transforms first.
 * - OPTIMIZE, VACUUM and UNLOAD are Athena's own statements: checked against their
 *   documented syntax (OPTIMIZE [db.]table REWRITE DATA USING BIN_PACK [WHERE p];
 *   VACUUM [db.]table; UNLOAD (query) TO 's3://...' WITH (property = value, ...)),
 *   the predicate and the query with the Trino grammar.
 * - Everything else (SELECT, WITH, VALUES, INSERT, DELETE, UPDATE, MERGE INTO, CTAS,
 *   CREATE VIEW, EXPLAIN, ...) is Trino: checked with the Trino grammar.
 *
 * One statement per query (a trailing `;` is allowed). Then a few semantic errors
 * Trino reports that a grammar cannot see and that DuckDB would let through:
 * comparing a column of a known table (lake.events, `$partitions`, any table created
 * through the emulator) with a literal of an incompatible type (`day = '2026-01-01'`,
 * `customer_id = 1`, `day BETWEEN '...' AND ...`, `day IN ('...')`), GROUP BY ALL,
 * and functions DuckDB has but Trino lacks (strftime, date_part, string_agg, ...).
 * No type checker: each check is targeted and says what Trino would say.
 *
 * The refusal is Athena's for a failed query: state FAILED, ErrorCategory 2 (USER),
 * ErrorType 1006, not retryable, the message as StateChangeReason.
 */

/** Athena's error type for the refusals below (ErrorCategory 2, USER). */
export const SYNTAX_ERROR_TYPE = 1006;

/**
 * Column types of the tables the checks know, by table name (schema ignored), as
 * Trino names them: the emulator's predefined lake.events, every `<table>$partitions`
 * metadata table, and every table whose CREATE TABLE went through the check (their
 * DDL registers them). A statement is checked against the tables it names (FROM,
 * JOIN, INTO, UPDATE); a column two of them type differently is not checked.
 */
const tableColumns = new Map<string, Map<string, string>>();
const PARTITIONS_COLUMNS = new Map([
  ['day', 'date'],
  ['record_count', 'bigint'],
  ['file_count', 'bigint'],
  ['total_size', 'bigint'],
]);

/** Registers (or replaces) a table's column types for the semantic checks. */
export function registerTableColumns(table: string, columns: Iterable<[string, string]>): void {
  tableColumns.set(table.toLowerCase(), new Map([...columns].map(([name, type]) => [name.toLowerCase(), type])));
  refusals.clear();
}

function duckToTrino(duckType: string): string {
  const t = duckType.toUpperCase();
  if (t === 'VARCHAR') return 'varchar';
  if (t === 'TIMESTAMP') return 'timestamp(6)';
  return t.toLowerCase();
}

/** A Hive DDL type as Trino reads it (undefined for complex types: not checked). */
function hiveToTrino(hiveType: string, iceberg: boolean): string | undefined {
  const t = hiveType.trim().toLowerCase().replace(/\s+/g, '');
  if (t === 'string') return 'varchar';
  if (/^(varchar|char)\(\d+\)$/.test(t) || /^decimal\(\d+,\d+\)$/.test(t)) return t;
  if (t === 'int' || t === 'integer') return 'integer';
  if (t === 'float') return 'real';
  if (t === 'timestamp') return iceberg ? 'timestamp(6)' : 'timestamp(3)';
  if (['tinyint', 'smallint', 'bigint', 'double', 'boolean', 'date', 'binary'].includes(t)) return t === 'binary' ? 'varbinary' : t;
  return undefined;
}

const refusals = new Map<string, string | null>();
registerTableColumns('events', EVENT_TABLE_COLUMNS.map((c): [string, string] => [c.name, duckToTrino(c.type)]));

/** Identity partition columns of the Iceberg tables the checks know (OPTIMIZE ... WHERE may use only these). */
const tablePartitions = new Map<string, string[]>([['events', ['day']]]);

/** The failure Athena would report for this statement, or undefined when it would run it. */
export function refuseAthenaStatement(query: string, parameters?: readonly string[]): QueryFailure | undefined {
  const key = parameters ? `${query}\0${parameters.join('\0')}` : query;
  let reason = refusals.get(key);
  if (reason === undefined) {
    reason = checkAthenaStatement(query, parameters) ?? null;
    if (refusals.size >= 20_000) refusals.clear();
    refusals.set(key, reason);
  }
  return reason === null ? undefined : { category: 2, retryable: false, message: reason, errorType: SYNTAX_ERROR_TYPE };
}

/** The StateChangeReason Athena would give for refusing this statement, or undefined. */
export function checkAthenaStatement(query: string, parameters?: readonly string[]): string | undefined {
  const head = leadingWords(query, 4);
  if (head[0] === 'UNLOAD') return checkUnload(query, parameters);
  if (head[0] === 'OPTIMIZE') return checkOptimize(query);
  if (head[0] === 'VACUUM') return checkVacuum(query);
  if (isHiveDdl(query, head)) return checkHiveDdl(query);
  return checkTrino(query, parameters);
}

// --- statement kinds ----------------------------------------------------------

/** The code without comments (strings and quoted names kept, same offsets: comments become spaces). */
function withoutComments(text: string): string {
  return segmentSql(text)
    .map((s) => (s.kind === 'comment' ? s.text.replace(/[^\n]/g, ' ') : s.text))
    .join('');
}

function leadingWords(text: string, n: number): string[] {
  return (withoutComments(text).trimStart().match(/^(?:[A-Za-z_]+\s*){0,8}/)?.[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(0, n)
    .map((w) => w.toUpperCase());
}

function isHiveDdl(query: string, head: string[]): boolean {
  const [a, b, c] = head;
  if (a === 'MSCK') return true;
  if (a === 'SHOW') return !(b === 'CREATE' && c === 'VIEW') && b !== 'FUNCTIONS' && b !== 'SESSION';
  if (a === 'DESCRIBE' || a === 'DESC') return b !== 'INPUT' && b !== 'OUTPUT';
  if ((a === 'DROP' || a === 'ALTER') && (b === 'TABLE' || b === 'DATABASE' || b === 'SCHEMA')) return true;
  if (a === 'CREATE' && (b === 'DATABASE' || b === 'SCHEMA' || b === 'EXTERNAL')) return true;
  if (a === 'CREATE' && b === 'TABLE') {
    // CREATE TABLE name (columns) ... is Hive DDL; CREATE TABLE name [WITH (...)] AS query is Trino (CTAS).
    const code = withoutComments(query);
    const afterName = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:`[^`]*`|"[^"]*"|[\w$]+)\s*\.\s*)*(?:`[^`]*`|"[^"]*"|[\w$]+)\s*(\S*)/i.exec(code)?.[1] ?? '';
    return !/^(AS|WITH)\b/i.test(afterName);
  }
  return false;
}

// --- Trino ---------------------------------------------------------------------

function problemText(p: { line: number; column: number; message: string }): string {
  return `line ${p.line}:${p.column}: ${p.message}`;
}

/** Tokens after the statement's end (a `;` followed by more): Athena runs one statement per query. */
function secondStatement(tokens: GrammarToken[]): boolean {
  const last = tokens.length - 1;
  return tokens.some((t, i) => t.text === ';' && i < last);
}

function onlyOneStatement(query: string): string {
  return `Only one sql statement is allowed. Got: ${query.trim()}`;
}

function checkTrino(query: string, parameters?: readonly string[]): string | undefined {
  const parsed = parseWith('trino', query);
  if (parsed.problems.length > 0) {
    const groupByAll = findGroupByAll(parsed.tokens);
    const first = parsed.problems[0]!;
    if (groupByAll && (first.line > groupByAll.line || (first.line === groupByAll.line && first.column > groupByAll.column))) {
      return `${problemText(first)} (GROUP BY ALL is DuckDB's "group by every non-aggregated column"; Trino needs the grouping columns or their positions)`;
    }
    return problemText(first);
  }
  if (secondStatement(parsed.tokens)) return onlyOneStatement(query);
  let bound: string;
  try {
    bound = bindExecutionParameters(query, parameters ? [...parameters] : undefined);
  } catch {
    return undefined; // the emulator reports the parameter error when it runs the query
  }
  return semanticProblem(bound === query ? parsed.tokens : parseWith('trino', bound).tokens);
}

/** `GROUP BY ALL` with no grouping element after it (Trino's ALL is a set quantifier: GROUP BY ALL a, b is valid). */
function findGroupByAll(tokens: GrammarToken[]): GrammarToken | undefined {
  const ends = new Set(['ORDER', 'HAVING', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW', ')', ';']);
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (upper(tokens[i]!) === 'GROUP' && upper(tokens[i + 1]!) === 'BY' && upper(tokens[i + 2]!) === 'ALL') {
      const next = tokens[i + 3];
      if (!next || ends.has(upper(next))) return tokens[i + 2];
    }
  }
  return undefined;
}

const upper = (t: GrammarToken) => t.text.toUpperCase();

// --- semantic checks on Trino statements ---------------------------------------

/**
 * Functions DuckDB has (so the emulator would run them) and Trino does not: Trino
 * answers FUNCTION_NOT_FOUND. Trino's equivalents: format_datetime / date_format,
 * date_parse, to_unixtime, day_of_week, date_diff, extract / year() ..., date_trunc,
 * coalesce, cardinality, array_join / listagg, regexp_like, approx_distinct,
 * approx_percentile, max_by / min_by, arbitrary, array_agg, current_date, sequence,
 * split, uuid, length.
 */
const DUCKDB_ONLY_FUNCTIONS = new Set([
  'strftime', 'strptime', 'epoch', 'epoch_ms', 'epoch_us', 'isodow', 'datediff', 'datepart', 'date_part', 'datesub', 'datetrunc',
  'ifnull', 'nvl', 'list_value', 'list_aggregate', 'list_contains', 'array_length', 'struct_pack', 'struct_extract',
  'string_agg', 'group_concat', 'regexp_matches', 'json_extract_string', 'approx_count_distinct', 'median', 'quantile',
  'quantile_cont', 'quantile_disc', 'arg_max', 'arg_min', 'first', 'list', 'today', 'generate_series', 'make_date',
  'string_split', 'str_split', 'gen_random_uuid', 'len',
]);

const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
/** Tokens that may stand right before a comparison operand that is a whole predicate side. */
const PREDICATE_STARTS = new Set(['WHERE', 'AND', 'OR', 'NOT', 'ON', 'WHEN', 'HAVING', '(', ',', 'THEN', 'ELSE', 'SELECT', 'RETURN']);
/** Tokens that bind tighter than a comparison: an operand followed by one is not a lone column or literal. */
const TIGHTER = new Set(['||', '+', '-', '*', '/', '%', '[', '.', 'AT', '(']);

type Literal = { type: string; token: GrammarToken; end: number };

function isName(t: GrammarToken | undefined): boolean {
  if (!t) return false;
  return t.type === 'IDENTIFIER' || t.type === 'QUOTED_IDENTIFIER' || t.type === 'BACKQUOTED_IDENTIFIER' || /^KW_/.test(t.type);
}

function nameOf(t: GrammarToken): string {
  if (t.type === 'QUOTED_IDENTIFIER') return t.text.slice(1, -1).replace(/""/g, '"').toLowerCase();
  if (t.type === 'BACKQUOTED_IDENTIFIER') return t.text.slice(1, -1).toLowerCase();
  return t.text.toLowerCase();
}

/** A literal at i (in any number of parentheses, as bound parameters are): its Trino type and the index after it. */
function literalAt(tokens: GrammarToken[], i: number): Literal | undefined {
  let open = 0;
  while (tokens[i + open]?.text === '(') open++;
  const t = tokens[i + open];
  if (!t) return undefined;
  let type: string | undefined;
  let width = 1;
  const next = tokens[i + open + 1];
  if (t.type === 'STRING') type = `varchar(${[...t.text.slice(1, -1).replace(/''/g, "'")].length})`;
  else if (t.type === 'INTEGER_VALUE') type = Math.abs(Number(t.text)) <= 2_147_483_647 ? 'integer' : 'bigint';
  else if (t.type === 'DECIMAL_VALUE') {
    const [int = '', frac = ''] = t.text.replace(/^0+(?=\d)/, '').split('.');
    type = `decimal(${Math.max(int.length + frac.length, 1)},${frac.length})`;
  } else if (t.type === 'DOUBLE_VALUE') type = 'double';
  else if (upper(t) === 'TRUE' || upper(t) === 'FALSE') type = 'boolean';
  else if ((upper(t) === 'DATE' || upper(t) === 'TIMESTAMP') && next?.type === 'STRING') {
    type = upper(t) === 'DATE' ? 'date' : 'timestamp(3)';
    width = 2;
  }
  if (!type) return undefined;
  let end = i + open + width;
  for (let k = 0; k < open; k++) {
    if (tokens[end]?.text !== ')') return undefined;
    end++;
  }
  return { type, token: t, end };
}

/** A (possibly qualified) known column ending at index i: its type, and the index of its first token. */
function columnEndingAt(tokens: GrammarToken[], i: number, types: ColumnTypes): { type: string; first: number } | undefined {
  const t = tokens[i];
  if (!isName(t) || tokens[i + 1]?.text === '(') return undefined;
  const type = types.get(nameOf(t!));
  if (!type) return undefined;
  let first = i;
  while (tokens[first - 1]?.text === '.' && isName(tokens[first - 2])) first -= 2;
  if (tokens[first - 1] && !PREDICATE_STARTS.has(upper(tokens[first - 1]!))) return undefined;
  return { type, first };
}

/** A (possibly qualified) known column starting at index i: its type and the index after it. */
function columnStartingAt(tokens: GrammarToken[], i: number, types: ColumnTypes): { type: string; end: number; token: GrammarToken } | undefined {
  let j = i;
  while (isName(tokens[j]) && tokens[j + 1]?.text === '.' && isName(tokens[j + 2])) j += 2;
  const t = tokens[j];
  if (!isName(t) || TIGHTER.has(tokens[j + 1]?.text.toUpperCase() ?? '')) return undefined;
  const type = types.get(nameOf(t!));
  return type ? { type, end: j + 1, token: tokens[i]! } : undefined;
}

function family(type: string): string {
  if (/^(tinyint|smallint|integer|bigint|real|double|decimal)/.test(type)) return 'number';
  if (/^(varchar|char)/.test(type)) return 'string';
  if (/^(date|timestamp)/.test(type)) return 'datetime';
  return type;
}

function comparable(a: string, b: string): boolean {
  return family(a) === family(b);
}

const at = (t: GrammarToken) => `line ${t.line}:${t.column}`;

type ColumnTypes = ReadonlyMap<string, string>;

/** The column types of the known tables the statement names; a name typed two ways is left out. */
function columnTypesOf(tokens: GrammarToken[]): ColumnTypes {
  const types = new Map<string, string>();
  const conflicting = new Set<string>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!['FROM', 'JOIN', 'INTO', 'UPDATE'].includes(upper(tokens[i]!)) || !isName(tokens[i + 1])) continue;
    let j = i + 1;
    while (tokens[j + 1]?.text === '.' && isName(tokens[j + 2])) j += 2;
    const table = nameOf(tokens[j]!);
    const columns = tableColumns.get(table) ?? (table.endsWith('$partitions') ? PARTITIONS_COLUMNS : undefined);
    for (const [name, type] of columns ?? []) {
      const known = types.get(name);
      if (known !== undefined && known !== type) conflicting.add(name);
      types.set(name, type);
    }
  }
  for (const name of conflicting) types.delete(name);
  return types;
}

function semanticProblem(tokens: GrammarToken[]): string | undefined {
  const types = columnTypesOf(tokens);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const word = upper(t);
    // A DuckDB-only function call.
    if (tokens[i + 1]?.text === '(' && isName(t) && t.type !== 'QUOTED_IDENTIFIER' && DUCKDB_ONLY_FUNCTIONS.has(t.text.toLowerCase())) {
      const before = tokens[i - 1] ? upper(tokens[i - 1]!) : '';
      if (!['INTO', 'TABLE', 'VIEW', 'FROM', 'JOIN', 'UPDATE', '.', 'AS'].includes(before)) {
        return `FUNCTION_NOT_FOUND: ${at(t)}: Function '${t.text.toLowerCase()}' not registered`;
      }
    }
    // column <op> literal
    if (COMPARISONS.has(word)) {
      const left = columnEndingAt(tokens, i - 1, types);
      const right = literalAt(tokens, i + 1);
      if (left && right && !TIGHTER.has(tokens[right.end]?.text.toUpperCase() ?? '') && !comparable(left.type, right.type)) {
        return `TYPE_MISMATCH: ${at(tokens[left.first]!)}: Cannot apply operator: ${left.type} ${t.text} ${right.type}`;
      }
      // literal <op> column
      const before = tokens[i - 1];
      if (before && /^(STRING|INTEGER_VALUE|DECIMAL_VALUE|DOUBLE_VALUE)$/.test(before.type) && (!tokens[i - 2] || PREDICATE_STARTS.has(upper(tokens[i - 2]!)))) {
        const lit = literalAt(tokens, i - 1);
        const column = columnStartingAt(tokens, i + 1, types);
        if (lit && column && !comparable(lit.type, column.type)) {
          return `TYPE_MISMATCH: ${at(before)}: Cannot apply operator: ${lit.type} ${t.text} ${column.type}`;
        }
      }
    }
    // column [NOT] BETWEEN low AND high
    if (word === 'BETWEEN') {
      const columnIndex = upper(tokens[i - 1] ?? t) === 'NOT' ? i - 2 : i - 1;
      const column = columnEndingAt(tokens, columnIndex, types);
      if (!column) continue;
      const low = literalAt(tokens, i + 1);
      const andIndex = low ? low.end : tokens.findIndex((x, k) => k > i && upper(x) === 'AND');
      const high = andIndex > 0 && upper(tokens[andIndex] ?? t) === 'AND' ? literalAt(tokens, andIndex + 1) : undefined;
      const lowOk = !low || comparable(column.type, low.type);
      const highOk = !high || TIGHTER.has(tokens[high.end]?.text.toUpperCase() ?? '') || comparable(column.type, high.type);
      if (!lowOk || !highOk) {
        return `TYPE_MISMATCH: ${at(tokens[column.first]!)}: Cannot check if ${column.type} is BETWEEN ${low?.type ?? column.type} and ${high?.type ?? column.type}`;
      }
    }
    // column [NOT] IN (literal, ...)
    if (word === 'IN' && tokens[i + 1]?.text === '(') {
      const columnIndex = upper(tokens[i - 1] ?? t) === 'NOT' ? i - 2 : i - 1;
      const column = columnEndingAt(tokens, columnIndex, types);
      if (!column) continue;
      let k = i + 2;
      const items = new Set<string>();
      while (k < tokens.length) {
        const lit = literalAt(tokens, k);
        if (!lit || !(tokens[lit.end]?.text === ',' || tokens[lit.end]?.text === ')')) break;
        items.add(lit.type);
        if (tokens[lit.end]!.text === ')') break;
        k = lit.end + 1;
      }
      const odd = [...items].find((x) => !comparable(column.type, x));
      if (odd) {
        return `TYPE_MISMATCH: ${at(tokens[column.first]!)}: IN value and list items must be the same type or coercible to a common type. Cannot find common type between ${column.type} and ${odd}, all types (without duplicates): [${[column.type, ...items].join(', ')}]`;
      }
    }
  }
  return undefined;
}

// --- Athena's own statements --------------------------------------------------

/** The text with everything outside [from, to) blanked (newlines kept): positions in the part stay the same. */
function isolate(text: string, from: number, to: number, prefix = ''): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const before = blank(text.slice(0, from));
  // The prefix (e.g. "SELECT 1 WHERE") goes in the blank space when it fits on the part's first line.
  const lineStart = before.lastIndexOf('\n') + 1;
  const room = before.length - lineStart;
  const head = prefix && room > prefix.length ? before.slice(0, lineStart) + prefix + before.slice(lineStart + prefix.length) : prefix ? `${before}${prefix} ` : before;
  return head + text.slice(from, to) + blank(text.slice(to));
}

function trinoProblemIn(text: string, from: number, to: number, prefix = ''): string | undefined {
  const parsed = parseWith('trino', isolate(text, from, to, prefix));
  if (parsed.problems.length > 0) return problemText(parsed.problems[0]!);
  return semanticProblem(parsed.tokens);
}

const PLAIN_NAME = String.raw`[A-Za-z][A-Za-z0-9_]*`;
const BACKTICKED = '`[^`]+`';

/** VACUUM [database_name.]target_table: plain names, or backticks around the table name (double quotes do not work). */
function checkVacuum(query: string): string | undefined {
  const code = withoutComments(query);
  const m = new RegExp(`^(\\s*VACUUM\\s+)(?:(${PLAIN_NAME})\\s*\\.\\s*)?(${PLAIN_NAME}|${BACKTICKED})\\s*;?\\s*$`, 'i').exec(code);
  if (m) return undefined;
  const tokens = parseWith('trino', code).tokens;
  if (secondStatement(tokens)) return onlyOneStatement(query);
  const bad = tokens.slice(1).find((t, i) => !(i % 2 === 0 ? /^[A-Za-z][A-Za-z0-9_]*$|^`[^`]+`$/.test(t.text) : t.text === '.')) ?? tokens[1];
  return bad
    ? `${at(bad)}: mismatched input '${bad.text}'. Expecting: VACUUM [database_name.]target_table (a name starting with "_" in backticks, not double quotes)`
    : `line 1:${code.length + 1}: mismatched input '<EOF>'. Expecting: <identifier>`;
}

/** OPTIMIZE [db_name.]table_name REWRITE DATA USING BIN_PACK [WHERE predicate] */
function checkOptimize(query: string): string | undefined {
  const code = withoutComments(query);
  const name = `(?:${PLAIN_NAME}|${BACKTICKED}|"[^"]+")`;
  const m = new RegExp(`^\\s*OPTIMIZE\\s+((?:${name}\\s*\\.\\s*)?${name})\\s+REWRITE\\s+DATA\\s+USING\\s+BIN_PACK\\b(\\s+WHERE\\s+)?`, 'i').exec(code);
  if (!m) {
    const tokens = parseWith('trino', code).tokens;
    const words = ['OPTIMIZE', '<name>', 'REWRITE', 'DATA', 'USING', 'BIN_PACK'];
    let k = tokens[2]?.text === '.' ? 4 : 2;
    let w = 2;
    for (; w < words.length; w++, k++) if (upper(tokens[k] ?? { text: '' } as GrammarToken) !== words[w]) break;
    const bad = tokens[k];
    return `${bad ? at(bad) : `line 1:${code.length + 1}`}: mismatched input '${bad?.text ?? '<EOF>'}'. Expecting: '${words[Math.min(w, words.length - 1)]}' (OPTIMIZE [db_name.]table_name REWRITE DATA USING BIN_PACK [WHERE predicate])`;
  }
  const rest = code.slice(m[0].length);
  if (!m[2]) {
    if (/^\s*;?\s*$/.test(rest)) return undefined;
    const offset = m[0].length + (rest.length - rest.trimStart().length);
    const pos = position(code, offset);
    return `line ${pos.line}:${pos.column}: mismatched input '${rest.trim().split(/\s+/)[0]}'. Expecting: 'WHERE', <EOF>`;
  }
  const end = code.replace(/;\s*$/, '').length;
  // Checked as the WHERE clause of a query on the table (Trino syntax; double quotes are Trino's, backticks are not).
  const problem = trinoProblemIn(code, m[0].length, end, `SELECT 1 FROM ${m[1]!.replace(/`([^`]+)`/g, '"$1"')} WHERE`);
  if (problem) return problem;
  return nonPartitionFilter(code, m[0].length, end, m[1]!);
}

/**
 * OPTIMIZE's WHERE may only filter on the table's identity partition columns
 * (events: day; a bucket(N, customer_id) partition is not one): Athena refuses any
 * other column before it rewrites anything.
 */
function nonPartitionFilter(code: string, from: number, to: number, tableName: string): string | undefined {
  const table = tableName.split('.').pop()!.replace(/[`"]/g, '').toLowerCase();
  const partitions = tablePartitions.get(table);
  if (!partitions) return undefined;
  const columns = tableColumns.get(table);
  const tokens = parseWith('trino', isolate(code, from, to, 'SELECT 1 WHERE')).tokens;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.start < from) continue;
    const identifier = t.type === 'IDENTIFIER' || t.type === 'QUOTED_IDENTIFIER' || t.type === 'BACKQUOTED_IDENTIFIER';
    // A column named like a non-reserved keyword (day, source, ...) is a name too, unless it starts a literal (DATE '...').
    const keywordColumn = !identifier && /^[A-Za-z_]+$/.test(t.text) && columns?.has(t.text.toLowerCase()) === true && tokens[i + 1]?.type !== 'STRING';
    if (!identifier && !keywordColumn) continue;
    if (tokens[i + 1]?.text === '(' || tokens[i - 1]?.text === '.') continue; // a function, or a field of a row
    const name = nameOf(t);
    if (!partitions.includes(name)) {
      return `${at(t)}: NOT_SUPPORTED: OPTIMIZE can only filter on identity partition columns of ${table} (${partitions.join(', ') || 'none'}); '${name}' is not one`;
    }
  }
  return undefined;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const UNLOAD_FORMATS = new Set(['PARQUET', 'ORC', 'AVRO', 'JSON', 'TEXTFILE']);
const UNLOAD_COMPRESSIONS = new Set(['BZIP2', 'DEFLATE', 'GZIP', 'LZ4', 'LZO', 'SNAPPY', 'ZLIB', 'ZSTD', 'NONE']);

/**
 * UNLOAD (SELECT ...) TO 's3://bucket/prefix/' WITH (property = value [, ...]), with
 * Athena's documented properties: format (required: PARQUET, ORC, AVRO, JSON,
 * TEXTFILE), compression, compression_level, field_delimiter (TEXTFILE only),
 * partitioned_by = ARRAY['column', ...].
 */
function checkUnload(query: string, parameters?: readonly string[]): string | undefined {
  const code = withoutComments(query);
  const tokens = parseWith('trino', code).tokens;
  const fail = (t: GrammarToken | undefined, expecting: string) =>
    `${t ? at(t) : `line 1:${code.length + 1}`}: mismatched input '${t?.text ?? '<EOF>'}'. Expecting: ${expecting}`;
  if (tokens[1]?.text !== '(') return fail(tokens[1], "'('");
  let depth = 0;
  let close = -1;
  for (let i = 1; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return fail(undefined, "')'");
  const from = tokens[1]!.start + 1;
  const to = tokens[close]!.start;
  const syntax = parseWith('trino', isolate(code, from, to)).problems[0];
  if (syntax) return problemText(syntax);
  // The semantic checks look at the query with its parameters bound (all of them are in the query).
  const query_ = boundOrSelf(code.slice(from, to), parameters);
  const semantic = semanticProblem(parseWith('trino', isolate(code.slice(0, from) + query_ + code.slice(to), from, from + query_.length)).tokens);
  if (semantic) return semantic;
  let i = close + 1;
  if (upper(tokens[i] ?? tokens[close]!) !== 'TO' || !tokens[i]) return fail(tokens[i], "'TO'");
  i++;
  const location = tokens[i];
  if (location?.type !== 'STRING') return fail(location, "<string> (the s3:// location)");
  if (!/^'s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^']*)?'$/.test(location.text)) {
    return `${at(location)}: The TO location of UNLOAD must be an Amazon S3 location (s3://bucket/prefix/), got ${location.text}`;
  }
  i++;
  if (upper(tokens[i] ?? location) !== 'WITH' || !tokens[i]) return fail(tokens[i], "'WITH' (format is required)");
  i++;
  if (tokens[i]?.text !== '(') return fail(tokens[i], "'('");
  i++;
  const seen = new Map<string, string>();
  for (;;) {
    const nameToken = tokens[i];
    if (!isName(nameToken)) return fail(nameToken, '<identifier> (format, compression, compression_level, field_delimiter, partitioned_by)');
    const prop = nameOf(nameToken!);
    if (tokens[i + 1]?.text !== '=') return fail(tokens[i + 1], "'='");
    const value = tokens[i + 2];
    i += 3;
    const text = value?.type === 'STRING' ? value.text.slice(1, -1).replace(/''/g, "'") : undefined;
    if (seen.has(prop)) return `${at(nameToken!)}: Duplicate property: ${prop}`;
    switch (prop) {
      case 'format':
        if (text === undefined || !UNLOAD_FORMATS.has(text.toUpperCase())) return `${value ? at(value) : at(nameToken!)}: Unsupported format for UNLOAD: ${value?.text ?? '<EOF>'} (PARQUET, ORC, AVRO, JSON or TEXTFILE)`;
        break;
      case 'compression':
        if (text === undefined || !UNLOAD_COMPRESSIONS.has(text.toUpperCase())) return `${value ? at(value) : at(nameToken!)}: Unsupported compression for UNLOAD: ${value?.text ?? '<EOF>'}`;
        break;
      case 'compression_level':
        if (value?.type !== 'INTEGER_VALUE') return fail(value, '<integer>');
        break;
      case 'field_delimiter':
        if (text === undefined) return fail(value, '<string>');
        break;
      case 'partitioned_by': {
        if (upper(value ?? nameToken!) !== 'ARRAY' || tokens[i]?.text !== '[') return fail(value?.text === 'ARRAY' || upper(value ?? nameToken!) === 'ARRAY' ? tokens[i] : value, "ARRAY['column', ...]");
        i++;
        for (;;) {
          const column = tokens[i];
          if (column?.type !== 'STRING' && !isName(column)) return fail(column, "'column'");
          i++;
          if (tokens[i]?.text === ',') {
            i++;
            continue;
          }
          if (tokens[i]?.text !== ']') return fail(tokens[i], "',' or ']'");
          i++;
          break;
        }
        break;
      }
      default:
        return `${at(nameToken!)}: Unsupported UNLOAD property: ${prop} (format, compression, compression_level, field_delimiter, partitioned_by)`;
    }
    seen.set(prop, text ?? '');
    if (tokens[i]?.text === ',') {
      i++;
      continue;
    }
    if (tokens[i]?.text !== ')') return fail(tokens[i], "',' or ')'");
    i++;
    break;
  }
  if (!seen.has('format')) return `${at(tokens[0]!)}: UNLOAD requires the format property (WITH (format = 'PARQUET' ...))`;
  if (seen.has('field_delimiter') && seen.get('format')!.toUpperCase() !== 'TEXTFILE') return `${at(tokens[0]!)}: field_delimiter applies to format 'TEXTFILE' only`;
  if (tokens[i]?.text === ';') {
    i++;
    if (tokens[i]) return onlyOneStatement(query);
  }
  return tokens[i] ? fail(tokens[i], '<EOF>') : undefined;
}

/** The statement with its execution parameters bound (for the semantic checks), or as it is when they cannot be. */
function boundOrSelf(code: string, parameters?: readonly string[]): string {
  if (!parameters) return code;
  try {
    return bindExecutionParameters(code, [...parameters]);
  } catch {
    return code;
  }
}

// --- Hive DDL -------------------------------------------------------------------

/** Athena's Iceberg partition transforms. */
const TRANSFORM = /^(?:(year|month|day|hour)\s*\(\s*(`[^`]+`|\w+)\s*\)|(bucket|truncate)\s*\(\s*(\d+)\s*,\s*(`[^`]+`|\w+)\s*\)|(`[^`]+`|\w+))$/i;

function checkHiveDdl(query: string): string | undefined {
  let text = withoutComments(query);
  const iceberg = /'table_type'\s*=\s*'iceberg'/i.test(text);
  const create = /^\s*CREATE\s+(EXTERNAL\s+)?TABLE\b/i.exec(text);
  if (create && iceberg) {
    if (create[1]) return `${atOffset(text, create[0].length - create[1].length - 'TABLE'.length)}: CREATE EXTERNAL TABLE is not supported for Iceberg tables (table_type 'ICEBERG'): use CREATE TABLE`;
    const rewritten = icebergPartitions(text);
    if (typeof rewritten === 'object') return rewritten.problem;
    text = rewritten;
  }
  const parsed = parseWith('hive', text);
  if (parsed.problems.length > 0) {
    const p = parsed.problems[0]!;
    return `FAILED: ParseException line ${p.line}:${p.column - 1} ${p.message}`;
  }
  if (secondStatement(parsed.tokens)) return onlyOneStatement(query);
  if (create) registerCreatedTable(text, iceberg);
  if (create && iceberg) registerIcebergPartitions(withoutComments(query));
  if (create && !iceberg) {
    // Hive: partition columns are declared in PARTITIONED BY only, not among the columns.
    const columns = declaredColumns(text);
    const partitioned = /\bPARTITIONED\s+BY\s*\(/i.exec(text);
    if (columns && partitioned) {
      const spec = balanced(text, partitioned.index + partitioned[0].length - 1);
      for (const def of splitTopLevel(spec?.inner ?? '')) {
        const name = def.trim().split(/\s+/)[0]!.replace(/`/g, '').toLowerCase();
        if (columns.includes(name)) return `FAILED: SemanticException [Error 10035]: Column repeated in partitioning columns`;
      }
    }
  }
  return undefined;
}

/** Remembers the identity partition columns of an Iceberg CREATE TABLE (transforms such as bucket() are not identity). */
function registerIcebergPartitions(text: string): void {
  const name = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:[`\w]+\s*\.\s*)?([`\w]+)\s*\(/i.exec(text)?.[1];
  const partitioned = /\bPARTITIONED\s+BY\s*\(/i.exec(text);
  if (!name) return;
  const spec = partitioned ? balanced(text, partitioned.index + partitioned[0].length - 1) : undefined;
  const identity = splitTopLevel(spec?.inner ?? '')
    .map((p) => p.trim())
    .filter((p) => !p.includes('('))
    .map((p) => p.replace(/`/g, '').toLowerCase());
  tablePartitions.set(name.replace(/`/g, '').toLowerCase(), identity);
  refusals.clear();
}

/** Remembers the column types of a CREATE TABLE the grammar accepted (for the semantic checks). */
function registerCreatedTable(text: string, iceberg: boolean): void {
  const m = /^\s*CREATE\s+(?:EXTERNAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:[`\w]+\s*\.\s*)?([`\w]+)\s*\(/i.exec(text);
  if (!m) return;
  const list = balanced(text, m[0].length - 1);
  if (!list) return;
  const definitions = splitTopLevel(list.inner);
  const partitioned = /\bPARTITIONED\s+BY\s*\(/i.exec(text.slice(list.end));
  if (partitioned && !iceberg) {
    const spec = balanced(text, list.end + partitioned.index + partitioned[0].length - 1);
    definitions.push(...splitTopLevel(spec?.inner ?? ''));
  }
  const columns: Array<[string, string]> = [];
  for (const definition of definitions) {
    const [name, ...rest] = definition.trim().replace(/\s+COMMENT\s+'(?:[^']|'')*'\s*$/i, '').split(/\s+/);
    const type = hiveToTrino(rest.join(' '), iceberg);
    if (name && type) columns.push([name.replace(/`/g, ''), type]);
  }
  registerTableColumns(m[1]!.replace(/`/g, ''), columns);
}

function atOffset(text: string, offset: number): string {
  const p = position(text, offset);
  return `line ${p.line}:${p.column}`;
}

function balanced(text: string, open: number): { inner: string; end: number } | undefined {
  let depth = 0;
  for (const segment of segmentSql(text.slice(open)).reduce<Array<{ from: number; kind: string; text: string }>>((acc, s) => {
    const from = acc.length ? acc[acc.length - 1]!.from + acc[acc.length - 1]!.text.length : 0;
    acc.push({ from, kind: s.kind, text: s.text });
    return acc;
  }, [])) {
    if (segment.kind !== 'code') continue;
    for (let k = 0; k < segment.text.length; k++) {
      const c = segment.text[k];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        const end = open + segment.from + k;
        return { inner: text.slice(open + 1, end), end: end + 1 };
      }
    }
  }
  return undefined;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(' || c === '<') depth++;
    if (c === ')' || c === '>') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current);
  return parts;
}

function declaredColumns(text: string): string[] | undefined {
  const m = /^\s*CREATE\s+(?:EXTERNAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[^(]*\(/i.exec(text);
  if (!m) return undefined;
  const list = balanced(text, m[0].length - 1);
  return list ? splitTopLevel(list.inner).map((d) => d.trim().split(/\s+/)[0]!.replace(/`/g, '').toLowerCase()) : undefined;
}

/**
 * Iceberg's PARTITIONED BY (day, bucket(16, customer_id)): each element is a declared
 * column or one of Athena's transforms of one. Checked here, then each element is
 * replaced by its column (padded to the same length) for the Hive grammar.
 */
function icebergPartitions(text: string): string | { problem: string } {
  const partitioned = /\bPARTITIONED\s+BY\s*\(/i.exec(text);
  if (!partitioned) return text;
  const open = partitioned.index + partitioned[0].length - 1;
  const spec = balanced(text, open);
  if (!spec) return text; // the grammar reports the unbalanced parenthesis
  const columns = declaredColumns(text) ?? [];
  let offset = open + 1;
  let inner = '';
  for (const part of splitTopLevel(spec.inner)) {
    const element = part.trim();
    const m = TRANSFORM.exec(element);
    const where = atOffset(text, offset + (part.length - part.trimStart().length));
    if (!m) return { problem: `${where}: Unsupported partition transform: ${element} (a column, year(), month(), day(), hour(), bucket(N, column) or truncate(N, column))` };
    const column = (m[2] ?? m[5] ?? m[6])!.replace(/`/g, '').toLowerCase();
    if (!columns.includes(column)) return { problem: `${where}: Partition column ${column} is not a column of the table` };
    inner += part.replace(element, column.padEnd(element.length, ' '));
    inner += ',';
    offset += part.length + 1;
  }
  return text.slice(0, open + 1) + inner.slice(0, -1) + text.slice(spec.end - 1);
}
