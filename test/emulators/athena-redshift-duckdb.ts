import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * What the Athena and Redshift Data emulators share: a DuckDB database that runs
 * the SQL, a tokenizer that finds placeholders and statement ends outside quotes
 * and comments, and views over the Hive-style Parquet lake
 * (<dir>/day=YYYY-MM-DD/bucket-BB.parquet).
 */

export interface SqlSegment {
  kind: 'code' | 'string' | 'ident' | 'comment';
  text: string;
}

/** Splits SQL into code, '…' strings, "…" identifiers and comments (-- and /* *\/). */
export function segmentSql(text: string): SqlSegment[] {
  const out: SqlSegment[] = [];
  let code = '';
  let i = 0;
  const flush = () => {
    if (code) out.push({ kind: 'code', text: code });
    code = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      flush();
      let j = i + 1;
      for (;;) {
        if (j >= text.length) break;
        if (text[j] === c) {
          if (text[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      out.push({ kind: c === "'" ? 'string' : 'ident', text: text.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      flush();
      const end = text.indexOf('\n', i);
      const j = end < 0 ? text.length : end;
      out.push({ kind: 'comment', text: text.slice(i, j) });
      i = j;
    } else if (c === '/' && text[i + 1] === '*') {
      flush();
      const end = text.indexOf('*/', i + 2);
      const j = end < 0 ? text.length : end + 2;
      out.push({ kind: 'comment', text: text.slice(i, j) });
      i = j;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

/** Applies `fn` to the code parts only (strings, identifiers and comments untouched). */
export function mapCode(text: string, fn: (code: string) => string): string {
  return segmentSql(text)
    .map((s) => (s.kind === 'code' ? fn(s.text) : s.text))
    .join('');
}

/** The statement's first keyword, upper case (comments skipped). */
export function firstKeyword(text: string): string {
  const code = segmentSql(text)
    .filter((s) => s.kind !== 'comment')
    .map((s) => s.text)
    .join('')
    .trimStart();
  return (/^[A-Za-z]+/.exec(code)?.[0] ?? '').toUpperCase();
}

export async function openDuckDb(file: string | undefined): Promise<{ instance: DuckDBInstance; setup: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(file ?? ':memory:');
  const setup = await instance.connect();
  await setup.run(`SET TimeZone = 'UTC'`);
  return { instance, setup };
}

export async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  return connection;
}

export interface LakeFile {
  day: string;
  bucket: number | undefined;
  path: string;
  bytes: number;
}

/** How a table's files are stored: Parquet, or text (one line a row, fields split on \001, gzip by extension). */
export type LakeFormat = 'parquet' | 'text';

/** Iceberg position-delete files (athena-iceberg-table.ts) live beside the data files and are not data. */
const isDataFile = (name: string, format: LakeFormat) => (format === 'parquet' ? name.endsWith('.parquet') && !name.startsWith('delete-') : !name.startsWith('.') && !name.startsWith('_'));

/** Data files of a Hive-style table directory, by day partition. */
export function listLakeFiles(dir: string, format: LakeFormat = 'parquet'): LakeFile[] {
  if (!existsSync(dir)) return [];
  const files: LakeFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const match = /^day=(\d{4}-\d{2}-\d{2})$/.exec(entry.name);
    if (!entry.isDirectory() || !match) continue;
    for (const file of readdirSync(path.join(dir, entry.name))) {
      if (!isDataFile(file, format)) continue;
      const full = path.join(dir, entry.name, file);
      const bucket = /bucket-(\d+)/.exec(file)?.[1];
      files.push({ day: match[1]!, bucket: bucket === undefined ? undefined : Number(bucket), path: full, bytes: statSync(full).size });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export interface LakeColumn {
  name: string;
  /** DuckDB type. */
  type: string;
}

/** The columns of the lake's events table (docs/ARCHITECTURE.md); `day` is the partition. */
export const EVENT_TABLE_COLUMNS: LakeColumn[] = [
  { name: 'event_id', type: 'VARCHAR' },
  { name: 'occurred_at', type: 'TIMESTAMP' },
  { name: 'customer_id', type: 'VARCHAR' },
  { name: 'customer_type', type: 'VARCHAR' },
  { name: 'event_type', type: 'VARCHAR' },
  { name: 'source', type: 'VARCHAR' },
  { name: 'region', type: 'VARCHAR' },
  { name: 'severity', type: 'VARCHAR' },
  { name: 'attributes', type: 'VARCHAR' },
  { name: 'day', type: 'DATE' },
];

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface LakeRelationOptions {
  format?: LakeFormat;
  /**
   * The table's s3:// LOCATION: adds Athena's hidden column "$path" (the s3:// URI
   * of the row's file) for Hive tables. Unset for Iceberg tables.
   */
  location?: string;
}

/**
 * (Re)creates `schema.table` over the files of `dir`: a view reading them with Hive
 * partitioning (day as DATE) when there are files, else an empty table of the
 * declared columns (read_parquet fails on an empty glob).
 */
export async function defineLakeRelation(connection: DuckDBConnection, schema: string, table: string, dir: string, columns: LakeColumn[], options: LakeRelationOptions = {}): Promise<void> {
  const format = options.format ?? 'parquet';
  const target = `${quote(schema)}.${quote(table)}`;
  const hiddenPath = options.location === undefined ? '' : `, ${literal(options.location)} || substr(filename, ${dir.length + 2}) AS "$path"`;
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
  // DROP VIEW IF EXISTS fails on a table of that name (and the reverse): drop what is there.
  const existing = await connection.runAndReadAll(`SELECT table_type FROM information_schema.tables WHERE table_schema = ${literal(schema)} AND table_name = ${literal(table)}`);
  const kind = existing.getRows()[0]?.[0];
  if (kind !== undefined) await connection.run(`DROP ${kind === 'VIEW' ? 'VIEW' : 'TABLE'} ${target}`);
  if (listLakeFiles(dir, format).length === 0) {
    const pathColumn = options.location === undefined ? '' : ', "$path" VARCHAR';
    await connection.run(`CREATE TABLE ${target} (${columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')}${pathColumn})`);
    return;
  }
  const select = columns.map((c) => `CAST(${quote(c.name)} AS ${c.type}) AS ${quote(c.name)}`).join(', ');
  const hive = `hive_partitioning = true, hive_types = {'day': DATE}`;
  const source =
    format === 'parquet'
      ? `read_parquet(${literal(path.join(dir, 'day=*', '*.parquet'))}, ${hive}, union_by_name = true)`
      : `read_csv(${literal(path.join(dir, 'day=*', '*'))}, columns = {${columns.filter((c) => c.name !== 'day').map((c) => `${literal(c.name)}: 'VARCHAR'`).join(', ')}}, delim = chr(1),
          quote = '', escape = '', header = false, auto_detect = false, strict_mode = false, null_padding = true, max_line_size = 8388608, ${hive})`;
  await connection.run(`CREATE VIEW ${target} AS SELECT ${select}${hiddenPath} FROM ${source}`);
}
