import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationLedger, MigrationRun } from '../ports/migration-ledger';
import { sql } from '../ports/sql';
import type { SqlEngine } from '../ports/sql-engine';

/**
 * Numbered SQL migration files (migrations/<store>/001_name.sql, ...) for stores
 * that take one statement per call (Athena, the Redshift Data API): files are
 * split into statements, and `{{name}}` placeholders are filled from trusted
 * configuration (validated names and s3:// URIs), never from user input.
 */
export interface MigrationFile {
  /** File name without .sql, e.g. '001_database'. */
  version: string;
  file: string;
  statements: string[];
}

const FILE = /^(\d{3,})_[A-Za-z0-9_-]+\.sql$/;

/** migrations/<store>, found from `from` upwards (works from src/ and from dist/src/). */
export function findMigrationsDir(store: string, from: string = __dirname): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'migrations', store);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`migrations/${store} not found above ${from}; ship the migrations/ folder with the application`);
}

export async function loadMigrationFiles(dir: string, values: Record<string, string>): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const out: MigrationFile[] = [];
  for (const file of files) {
    const text = fillPlaceholders(await readFile(path.join(dir, file), 'utf8'), values, file);
    out.push({ version: file.replace(/\.sql$/, ''), file, statements: splitStatements(text) });
  }
  return out;
}

/**
 * Runs the files the ledger does not list yet, one statement per engine call, and
 * records each version after its statements succeed. The DDL is idempotent, so a
 * run interrupted between a statement and its record is safe to repeat.
 */
export async function applyMissingMigrations(engine: SqlEngine, ledger: MigrationLedger, store: string, files: readonly MigrationFile[], label: string): Promise<MigrationRun> {
  const done = new Set(await ledger.applied(store));
  const run: MigrationRun = { store, applied: [], alreadyApplied: [] };
  for (const file of files) {
    if (done.has(file.version)) {
      run.alreadyApplied.push(file.version);
      continue;
    }
    for (const statement of file.statements) {
      await engine.query({ label, sql: sql([statement]), timeoutMs: 300_000 });
    }
    await ledger.record(store, file.version);
    run.applied.push(file.version);
  }
  return run;
}

export function fillPlaceholders(text: string, values: Record<string, string>, file = 'migration'): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file}: no value for placeholder {{${name}}}`);
    return value;
  });
}

/** Splits on `;` outside quotes and comments; drops comment-only statements and comment lines. */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      current += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === ';') {
      statements.push(current);
      current = '';
      i++;
    } else {
      current += c;
      i++;
    }
  }
  statements.push(current);
  return statements.map((s) => s.replace(/\n\s*\n/g, '\n').trim()).filter((s) => s.length > 0);
}
