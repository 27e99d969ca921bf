import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { connect, segmentSql, type LakeColumn } from './athena-redshift-duckdb';
import { TranslationError, referencedTables, trinoToDuckDb } from './athena-translate';

/**
 * The Athena emulator's writing statements, run on DuckDB over the mapped files:
 *
 * - `MERGE INTO <iceberg table> t USING (<query>) s ON <condition>
 *    WHEN NOT MATCHED THEN INSERT (<columns>) VALUES (<expressions>)`: the source rows
 *   with no target row matching the condition (an anti-join), written as new Parquet
 *   files (what an Iceberg commit adds). Other WHEN clauses are not emulated.
 * - `INSERT INTO <iceberg table> [(<columns>)] <query>`: the same write.
 * - `UNLOAD (<query>) TO 's3://...' WITH (format = 'PARQUET'[, compression = ...])`:
 *   the result as one Parquet file under the mapped directory, none when the result
 *   is empty; like Athena, a target that already holds files is refused.
 *
 * New files go to <table dir>/day=YYYY-MM-DD/<statement>-<uuid>.parquet (the tables
 * written here are partitioned by day), sorted by customer_id and occurred_at where
 * the table has them, as the lake's files are.
 */
export interface WriteTable {
  dir: string;
  columns: LakeColumn[];
  iceberg: boolean;
}

export interface IcebergWriteHost {
  duckdb: DuckDBInstance;
  /** The table a (possibly qualified, quoted) name refers to, with its catalog key. */
  table(name: string, database: string): { key: string; table: WriteTable } | undefined;
  /** Redefines the relations of these tables from their files (run before reading, after writing). */
  refresh(keys: Set<string>): Promise<void>;
  /** What reading these tables for the statement costs (athena-emulator.ts scannedBytes): the column chunks it reads. */
  scannedBytes(keys: Set<string>, statement: string): Promise<number>;
  /** s3://bucket/key/ -> the mapped directory. */
  localDir(location: string): string;
}

export interface WriteExecution {
  database: string;
  scannedBytes: number;
  connection?: DuckDBConnection;
}

/** Trino functions the load statements use that DuckDB spells differently. */
export const LOAD_MACROS = [
  `CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)`,
  `CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
];

const NAME = `"?[\\w$]+"?(?:\\s*\\.\\s*"?[\\w$]+"?)?`;

export async function runMerge(host: IcebergWriteHost, e: WriteExecution, bound: string): Promise<void> {
  const text = withoutComments(bound);
  const head = new RegExp(`^\\s*MERGE\\s+INTO\\s+(${NAME})\\s+(?:AS\\s+)?(\\w+)\\s+USING\\s*\\(`, 'i').exec(text);
  if (!head) throw notEmulated('MERGE INTO <table> <alias> USING (<query>) <alias> ON ... WHEN NOT MATCHED THEN INSERT ... VALUES ...');
  const source = parenthesized(text, head[0].length - 1);
  const tail = /^\s*(?:AS\s+)?(\w+)\s+ON\s+([\s\S]+?)\s+WHEN\s+NOT\s+MATCHED\s+THEN\s+INSERT\s*\(([^)]*)\)\s*VALUES\s*\(([\s\S]*)\)\s*;?\s*$/i.exec(text.slice(source.end));
  if (!tail) throw notEmulated('MERGE with only WHEN NOT MATCHED THEN INSERT (...) VALUES (...)');
  const target = resolve(host, head[1]!, e.database);
  const columns = splitList(tail[3]!).map(unquote);
  const values = splitList(tail[4]!);
  if (columns.length !== values.length) throw new TranslationError(`line 1:1: INSERT has ${columns.length} columns but ${values.length} values`, 'SYNTAX_ERROR');
  const query = `SELECT ${values.join(', ')} FROM (${source.inner}) AS ${tail[1]} WHERE NOT EXISTS (SELECT 1 FROM ${head[1]} AS ${head[2]} WHERE ${tail[2]})`;
  await write(host, e, bound, target, columns, query, 'merge');
}

export async function runInsert(host: IcebergWriteHost, e: WriteExecution, bound: string): Promise<void> {
  const text = withoutComments(bound);
  const head = new RegExp(`^\\s*INSERT\\s+INTO\\s+(${NAME})\\s*`, 'i').exec(text);
  if (!head) throw notEmulated('INSERT INTO <table> [(<columns>)] <query>');
  const target = resolve(host, head[1]!, e.database);
  let rest = text.slice(head[0].length);
  let columns = target.table.columns.map((c) => c.name);
  if (rest.startsWith('(') && !/^\(\s*(SELECT|WITH|VALUES)\b/i.test(rest)) {
    const list = parenthesized(rest, 0);
    columns = splitList(list.inner).map(unquote);
    rest = rest.slice(list.end);
  }
  await write(host, e, bound, target, columns, rest.replace(/;\s*$/, ''), 'insert');
}

export async function runUnload(host: IcebergWriteHost, e: WriteExecution, bound: string): Promise<void> {
  const text = withoutComments(bound);
  const open = /^\s*UNLOAD\s*\(/i.exec(text);
  if (!open) throw notEmulated("UNLOAD (<query>) TO 's3://...' WITH (...)");
  const query = parenthesized(text, open[0].length - 1);
  const tail = /^\s*TO\s+'([^']+)'\s+WITH\s*\(([\s\S]*)\)\s*;?\s*$/i.exec(text.slice(query.end));
  if (!tail) throw notEmulated("UNLOAD (<query>) TO 's3://...' WITH (format = 'PARQUET')");
  const properties: Record<string, string> = {};
  for (const p of tail[2]!.matchAll(/(\w+)\s*=\s*'([^']*)'/g)) properties[p[1]!.toLowerCase()] = p[2]!;
  if ((properties.format ?? '').toUpperCase() !== 'PARQUET') throw notEmulated("UNLOAD other than WITH (format = 'PARQUET')");
  const compression = (properties.compression ?? 'GZIP').toLowerCase();
  if (!['snappy', 'gzip', 'zstd', 'none'].includes(compression)) throw new TranslationError(`line 1:1: Unsupported compression ${properties.compression}`, 'INVALID_TABLE_PROPERTY');
  const dir = host.localDir(tail[1]!);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new TranslationError(`HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: ${tail[1]}. You may need to manually clean the data at location before running the query again.`, 'HIVE_PATH_ALREADY_EXISTS');
  }
  const keys = await prepare(host, e, bound, new Set());
  e.scannedBytes = await host.scannedBytes(keys, bound);
  const connection = await session(host, e);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}.parquet`);
  const reader = await connection.runAndReadAll(`COPY (${trinoToDuckDb(query.inner)}) TO ${literal(file)} (FORMAT parquet, COMPRESSION ${compression === 'none' ? 'uncompressed' : compression})`);
  if (Number(reader.getRows()[0]?.[0] ?? 0) === 0) rmSync(file, { force: true });
}

/** Runs `query`, maps its columns by position onto `columns`, appends the rows to the table's files. */
async function write(host: IcebergWriteHost, e: WriteExecution, bound: string, target: { key: string; table: WriteTable }, columns: string[], query: string, kind: string): Promise<void> {
  const { table } = target;
  if (!table.iceberg) throw new TranslationError('NOT_SUPPORTED: Inserting into Hive tables is not emulated; the lake tables written are Iceberg', 'NOT_SUPPORTED');
  for (const c of columns) if (!table.columns.some((t) => t.name === c)) throw new TranslationError(`line 1:1: Insert column name does not exist in target table: ${c}`, 'COLUMN_NOT_FOUND');
  const keys = await prepare(host, e, bound, new Set([target.key]));
  e.scannedBytes = await host.scannedBytes(keys, bound);
  const connection = await session(host, e);
  const staged = `"lakegate_${kind}_${randomUUID().replace(/-/g, '')}"`;
  await connection.run(`CREATE TEMP TABLE ${staged} AS ${trinoToDuckDb(query)}`);
  try {
    const produced = (await connection.runAndReadAll(`SELECT * FROM ${staged} LIMIT 0`)).columnNames();
    if (produced.length !== columns.length) throw new TranslationError(`line 1:1: Insert query has ${produced.length} columns, target has ${columns.length}`, 'TYPE_MISMATCH');
    const source = (name: string) => {
      const i = columns.indexOf(name);
      return i < 0 ? 'NULL' : `"${produced[i]!.replace(/"/g, '""')}"`;
    };
    if (!columns.includes('day')) throw notEmulated('writes to tables not partitioned by day');
    const stored = table.columns.filter((c) => c.name !== 'day').map((c) => `CAST(${source(c.name)} AS ${c.type}) AS "${c.name}"`);
    const order = ['customer_id', 'occurred_at'].every((n) => table.columns.some((c) => c.name === n)) ? ` ORDER BY ${source('customer_id')}, ${source('occurred_at')}` : '';
    const days = (await connection.runAndReadAll(`SELECT DISTINCT CAST(CAST(${source('day')} AS DATE) AS VARCHAR) FROM ${staged}`)).getRows().map((r) => r[0]);
    for (const day of days) {
      if (day === null) throw new TranslationError('line 1:1: NULL partition value for day', 'INVALID_PARTITION_VALUE');
      const dir = path.join(table.dir, `day=${String(day)}`);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${kind}-${randomUUID()}.parquet`);
      await connection.run(`COPY (SELECT ${stored.join(', ')} FROM ${staged} WHERE CAST(${source('day')} AS DATE) = DATE '${String(day)}'${order}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`);
    }
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${staged}`);
  }
  await host.refresh(new Set([target.key]));
}

/** The relations the statement reads, brought up to date with their files. */
async function prepare(host: IcebergWriteHost, e: WriteExecution, bound: string, extra: Set<string>): Promise<Set<string>> {
  const keys = new Set([...referencedTables(bound, e.database), ...extra]);
  await host.refresh(keys);
  return keys;
}

async function session(host: IcebergWriteHost, e: WriteExecution): Promise<DuckDBConnection> {
  e.connection = await connect(host.duckdb);
  await e.connection.run(`USE "${e.database.replace(/"/g, '""')}"`);
  return e.connection;
}

function resolve(host: IcebergWriteHost, name: string, database: string): { key: string; table: WriteTable } {
  const found = host.table(name, database);
  if (!found) throw new TranslationError(`line 1:1: Table '${name.replace(/"/g, '')}' does not exist`, 'TABLE_NOT_FOUND');
  return found;
}

function withoutComments(text: string): string {
  return segmentSql(text)
    .filter((s) => s.kind !== 'comment')
    .map((s) => s.text)
    .join('');
}

/** The text inside the parentheses opening at `open`, skipping parentheses in strings and quoted names. */
function parenthesized(text: string, open: number): { inner: string; end: number } {
  let depth = 0;
  let offset = 0;
  for (const segment of segmentSql(text)) {
    if (segment.kind === 'code') {
      for (let i = 0; i < segment.text.length; i++) {
        const at = offset + i;
        if (at < open) continue;
        if (segment.text[i] === '(') depth++;
        if (segment.text[i] === ')' && --depth === 0) return { inner: text.slice(open + 1, at), end: at + 1 };
      }
    }
    offset += segment.text.length;
  }
  throw new TranslationError(`line 1:${open + 1}: mismatched parentheses`, 'SYNTAX_ERROR');
}

/** Splits a list on commas outside parentheses and strings. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const segment of segmentSql(text)) {
    if (segment.kind !== 'code') {
      current += segment.text;
      continue;
    }
    for (const c of segment.text) {
      if (c === '(') depth++;
      if (c === ')') depth--;
      if (c === ',' && depth === 0) {
        parts.push(current.trim());
        current = '';
      } else current += c;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

const unquote = (name: string) => name.replace(/"/g, '').trim().toLowerCase();
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

function notEmulated(what: string): TranslationError {
  return new TranslationError(`line 1:1: only ${what} is emulated`, 'NOT_SUPPORTED');
}
