import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { p, sql } from '../../ports/sql';
import { sha256Hex } from '../../util/hash';
import type { DuckDbDatabase } from './database';
import { errorMessage } from './errors';

/**
 * Numbered SQL files in migrations/duckdb (001_init.sql, 002_...), applied in
 * order, each inside its own transaction together with its row in
 * lakegate.schema_migrations: a migration is either applied and recorded, or not
 * at all. Running again applies nothing. Files must not hold BEGIN/COMMIT.
 */
export interface DuckDbMigration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: string;
}

export interface DuckDbMigrationStatus {
  applied: AppliedMigration[];
  pending: DuckDbMigration[];
  /** Applied migrations whose file changed since (a mistake: add a new file instead). */
  changed: Array<{ version: number; name: string }>;
}

export interface MigrateOptions {
  /** Directory of the SQL files (default: the repository's migrations/duckdb). */
  dir?: string;
  onApplied?: (migration: DuckDbMigration, ms: number) => void;
}

const FILE = /^(\d{3,})_([A-Za-z0-9_-]+)\.sql$/;

/** migrations/duckdb, found from this module upwards (works from src/ and from dist/src/). */
export function defaultDuckDbMigrationsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'migrations', 'duckdb');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`migrations/duckdb not found above ${__dirname}; ship the migrations/ folder with the application`);
}

export async function loadDuckDbMigrations(dir: string = defaultDuckDbMigrationsDir()): Promise<DuckDbMigration[]> {
  const migrations: DuckDbMigration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const match = FILE.exec(file);
    if (!match) continue;
    const text = await readFile(path.join(dir, file), 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, file, sql: text, checksum: sha256Hex(text) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`two DuckDB migrations share version ${migrations[i]!.version}: ${migrations[i - 1]!.file} and ${migrations[i]!.file}`);
    }
  }
  return migrations;
}

const BOOTSTRAP = `
CREATE SCHEMA IF NOT EXISTS lakegate;
CREATE TABLE IF NOT EXISTS lakegate.schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       VARCHAR NOT NULL,
  checksum   VARCHAR NOT NULL,
  applied_at TIMESTAMP NOT NULL
);`;

async function appliedMigrations(db: DuckDbDatabase): Promise<AppliedMigration[]> {
  await db.exec(BOOTSTRAP);
  const { rows } = await db.query(sql`SELECT version, name, checksum, applied_at FROM lakegate.schema_migrations ORDER BY version`);
  return rows.map((r) => ({ version: Number(r.version), name: String(r.name), checksum: String(r.checksum), appliedAt: String(r.applied_at) }));
}

export async function duckDbMigrationStatus(db: DuckDbDatabase, options: Pick<MigrateOptions, 'dir'> = {}): Promise<DuckDbMigrationStatus> {
  const [available, applied] = await Promise.all([loadDuckDbMigrations(options.dir), appliedMigrations(db)]);
  const byVersion = new Map(applied.map((m) => [m.version, m]));
  return {
    applied,
    pending: available.filter((m) => !byVersion.has(m.version)),
    changed: available.filter((m) => byVersion.has(m.version) && byVersion.get(m.version)!.checksum !== m.checksum).map((m) => ({ version: m.version, name: m.name })),
  };
}

// One migration run per database at a time inside this process (DuckDB's file lock
// keeps other processes out).
const running = new WeakMap<DuckDbDatabase, Promise<unknown>>();

/** Applies the pending migrations; returns those applied now (none on a second run). */
export async function migrateDuckDb(db: DuckDbDatabase, options: MigrateOptions = {}): Promise<{ applied: DuckDbMigration[] }> {
  const previous = running.get(db) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => applyPending(db, options));
  running.set(db, run);
  return run;
}

async function applyPending(db: DuckDbDatabase, options: MigrateOptions): Promise<{ applied: DuckDbMigration[] }> {
  const { pending } = await duckDbMigrationStatus(db, options);
  const applied: DuckDbMigration[] = [];
  for (const migration of pending) {
    const started = Date.now();
    try {
      await db.transaction(async (session) => {
        await session.exec(migration.sql);
        await session.query(
          sql`INSERT INTO lakegate.schema_migrations (version, name, checksum, applied_at) VALUES (${p.int(migration.version)}, ${p.str(migration.name)}, ${p.str(migration.checksum)}, ${p.timestamp(new Date().toISOString())})`,
        );
      });
    } catch (error) {
      throw new Error(`DuckDB migration ${migration.file} failed and was rolled back: ${errorMessage(error)}`, { cause: error });
    }
    applied.push(migration);
    options.onApplied?.(migration, Date.now() - started);
  }
  return { applied };
}
