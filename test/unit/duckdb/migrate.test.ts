import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbDatabase } from '../../../src/adapters/duckdb/database';
import { duckDbMigrationStatus, loadDuckDbMigrations, migrateDuckDb } from '../../../src/adapters/duckdb/migrate';
import { sql } from '../../../src/ports/sql';

describe('migrateDuckDb', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lakegate-migrate-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('applies the repository migrations once; a second run applies nothing', async () => {
    const available = await loadDuckDbMigrations();
    expect(available.map((m) => m.version)).toEqual([...available.map((m) => m.version)].sort((a, b) => a - b));
    expect(available[0]!.file).toBe('001_init.sql');

    const db = DuckDbDatabase.forDataDir(tmp);
    try {
      const first = await migrateDuckDb(db);
      expect(first.applied.map((m) => m.file)).toEqual(available.map((m) => m.file));
      const second = await migrateDuckDb(db);
      expect(second.applied).toEqual([]);
      const status = await duckDbMigrationStatus(db);
      expect(status.pending).toEqual([]);
      expect(status.changed).toEqual([]);
      expect(status.applied.map((m) => m.version)).toEqual(available.map((m) => m.version));
      const { rows } = await db.query(sql`SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() AND schema_name IN ('warehouse', 'ops', 'lakegate') ORDER BY 1`);
      expect(rows.map((r) => r.schema_name)).toEqual(['lakegate', 'ops', 'warehouse']);
    } finally {
      await db.close();
    }
    // Still applied after reopening the file.
    const again = DuckDbDatabase.forDataDir(tmp);
    try {
      expect((await migrateDuckDb(again)).applied).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('rolls back a failing migration entirely and stops there', async () => {
    const dir = path.join(tmp, 'migrations');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '001_ok.sql'), 'CREATE SCHEMA s1; CREATE TABLE s1.t (x INTEGER);');
    writeFileSync(path.join(dir, '002_broken.sql'), 'CREATE TABLE s1.half (x INTEGER); INSERT INTO s1.nope VALUES (1);');
    writeFileSync(path.join(dir, '003_later.sql'), 'CREATE TABLE s1.later (x INTEGER);');
    writeFileSync(path.join(dir, 'README.md'), 'not a migration');
    const db = new DuckDbDatabase({ path: ':memory:' });
    try {
      await expect(migrateDuckDb(db, { dir })).rejects.toThrow(/002_broken\.sql failed and was rolled back/);
      const status = await duckDbMigrationStatus(db, { dir });
      expect(status.applied.map((m) => m.name)).toEqual(['ok']);
      expect(status.pending.map((m) => m.name)).toEqual(['broken', 'later']);
      const { rows } = await db.query(sql`SELECT table_name FROM duckdb_tables() WHERE schema_name = 's1' ORDER BY 1`);
      expect(rows.map((r) => r.table_name)).toEqual(['t']);

      // Fixed, it applies together with what followed it.
      writeFileSync(path.join(dir, '002_broken.sql'), 'CREATE TABLE s1.half (x INTEGER);');
      expect((await migrateDuckDb(db, { dir })).applied.map((m) => m.name)).toEqual(['broken', 'later']);
      writeFileSync(path.join(dir, '001_ok.sql'), 'CREATE SCHEMA s1; -- edited after it was applied');
      expect((await duckDbMigrationStatus(db, { dir })).changed).toEqual([{ version: 1, name: 'ok' }]);
    } finally {
      await db.close();
    }
  });

  it('refuses two files with the same version', async () => {
    const dir = path.join(tmp, 'dupes');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '001_a.sql'), 'SELECT 1;');
    writeFileSync(path.join(dir, '001_b.sql'), 'SELECT 2;');
    await expect(loadDuckDbMigrations(dir)).rejects.toThrow(/share version 1/);
  });

  it('serializes concurrent runs in one process', async () => {
    const db = new DuckDbDatabase({ path: ':memory:' });
    try {
      const [a, b] = await Promise.all([migrateDuckDb(db), migrateDuckDb(db)]);
      expect(a.applied.length + b.applied.length).toBe((await loadDuckDbMigrations()).length);
    } finally {
      await db.close();
    }
  });
});
