import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { AthenaLake } from '../../src/adapters/athena/athena-lake';
import { migrateAthena } from '../../src/adapters/athena/athena-migrations';
import { IcebergPartitionStats } from '../../src/adapters/athena/iceberg-partition-stats';
import type { MigrationLedger } from '../../src/ports/migration-ledger';
import { EVENT_COLUMNS } from '../../src/ports/lake';
import { p, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { listLakeFiles } from '../emulators/athena-redshift-duckdb';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/** A port implementation: applied versions held in memory (DynamoDB's migrations table in production). */
class MemoryLedger implements MigrationLedger {
  readonly versions = new Map<string, string[]>();
  async applied(store: string): Promise<string[]> {
    return [...(this.versions.get(store) ?? [])];
  }
  async record(store: string, version: string): Promise<void> {
    this.versions.set(store, [...(this.versions.get(store) ?? []), version]);
  }
}

const lakeDir = tempDir('athena-lake');
let emulator: AthenaEmulator;
let engine: AthenaEngine;

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(600, '2026-03-01', 3), 4);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir });
  engine = athenaEngineFor(emulator.endpoint, { database: 'lakehouse' });
});

afterAll(async () => {
  await engine.close();
  await emulator.close();
  lakeDir.remove();
});

describe('migrateAthena', () => {
  const ledger = new MemoryLedger();

  const ALL = ['001_database', '002_events_landing', '003_events_iceberg', '004_events_landing_jsonl', '005_events_quarantine', '006_optimize_thresholds'];

  test('applies the database, the landing tables, the Iceberg events and quarantine tables, then nothing', async () => {
    const first = await migrateAthena(engine, { ledger, database: 'lakehouse', lakeLocation: 's3://lake-bucket/' });
    expect(first).toEqual({ store: 'athena', applied: ALL, alreadyApplied: [] });
    const ddl = emulator.server.callsOf('StartQueryExecution').map((c) => c.input.QueryString as string);
    expect(ddl.some((q) => /CREATE EXTERNAL TABLE IF NOT EXISTS lakehouse\.events_landing/.test(q) && q.includes("'projection.day.type' = 'date'"))).toBe(true);
    expect(ddl.some((q) => /CREATE TABLE IF NOT EXISTS lakehouse\.events/.test(q) && q.includes("'table_type' = 'ICEBERG'") && q.includes('bucket(16, customer_id)'))).toBe(true);
    expect(ddl.some((q) => /CREATE EXTERNAL TABLE IF NOT EXISTS lakehouse\.events_landing_jsonl \(\s*line string\s*\)/.test(q) && /STORED AS TEXTFILE/.test(q))).toBe(true);
    expect(ddl.some((q) => /CREATE TABLE IF NOT EXISTS lakehouse\.events_quarantine/.test(q) && q.includes("'table_type' = 'ICEBERG'"))).toBe(true);
    expect(ddl.every((q) => !q.includes('{{') && !q.trimStart().startsWith('--'))).toBe(true);

    const starts = emulator.server.callsOf('StartQueryExecution').length;
    const second = await migrateAthena(engine, { ledger, database: 'lakehouse', lakeLocation: 's3://lake-bucket/' });
    expect(second).toEqual({ store: 'athena', applied: [], alreadyApplied: ALL });
    expect(emulator.server.callsOf('StartQueryExecution')).toHaveLength(starts);
  });

  test('the migrated tables answer: events over the lake files, landing empty', async () => {
    const events = await engine.query({ label: 'test.events', sql: sql`SELECT COUNT(*) AS n FROM "lakehouse"."events" WHERE day BETWEEN ${p.date('2026-03-01')} AND ${p.date('2026-03-03')}` });
    expect(events.rows).toEqual([{ n: 600 }]);
    const landing = await engine.query({ label: 'test.landing', sql: sql`SELECT COUNT(*) AS n FROM "lakehouse"."events_landing"` });
    expect(landing.rows).toEqual([{ n: 0 }]);
  });

  test('a failed statement leaves its version unrecorded; the next run applies it', async () => {
    const dir = path.join(lakeDir.dir, 'migrations-broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '001_ok.sql'), 'CREATE DATABASE IF NOT EXISTS other_db;');
    writeFileSync(path.join(dir, '002_broken.sql'), "CREATE TABLE other_db.t (a string) LOCATION 'not-s3';");
    const own = new MemoryLedger();
    await expect(migrateAthena(engine, { ledger: own, database: 'other_db', lakeLocation: 's3://lake-bucket/', dir })).rejects.toMatchObject({ code: 'BACKEND_QUERY_FAILED' });
    expect(await own.applied('athena')).toEqual(['001_ok']);
    writeFileSync(path.join(dir, '002_broken.sql'), "CREATE TABLE IF NOT EXISTS other_db.t (a string) LOCATION 's3://lake-bucket/t/' TBLPROPERTIES ('table_type' = 'ICEBERG');");
    expect((await migrateAthena(engine, { ledger: own, database: 'other_db', lakeLocation: 's3://lake-bucket/', dir })).applied).toEqual(['002_broken']);
  });

  test('refuses a lake location that is not an s3:// prefix', async () => {
    await expect(migrateAthena(engine, { ledger, database: 'lakehouse', lakeLocation: "s3://bucket/x'; DROP" })).rejects.toThrow(/lakeLocation/);
  });
});

describe('AthenaLake with Iceberg partition statistics', () => {
  test('the estimate is the size of the files of the requested days and columns', async () => {
    const stats = new IcebergPartitionStats(engine);
    const lake = new AthenaLake({ engine, database: 'lakehouse', table: 'events', stats, statsSourceName: 'iceberg-partitions' });
    const files = listLakeFiles(path.join(lakeDir.dir, 'events'));
    const bytesOf = (from: string, to: string) => files.filter((f) => f.day >= from && f.day <= to).reduce((s, f) => s + f.bytes, 0);

    const all = await lake.estimateScan({ from: '2026-02-27', to: '2026-03-02' }, EVENT_COLUMNS);
    expect(all).toEqual({ bytes: bytesOf('2026-03-01', '2026-03-02'), partitions: 2, source: 'iceberg-partitions', partitionsWithoutStats: 0 });
    const some = await lake.estimateScan({ from: '2026-03-01', to: '2026-03-03' }, ['customer_id', 'day']);
    expect(some.bytes).toBe(Math.round(bytesOf('2026-03-01', '2026-03-03') / 9));
  });

  test('statistics are read once per range and reused', async () => {
    const stats = new IcebergPartitionStats(engine);
    const before = emulator.server.callsOf('StartQueryExecution').length;
    await stats.partitionStats('lakehouse', 'events', '2026-03-01', '2026-03-03');
    await stats.partitionStats('lakehouse', 'events', '2026-03-01', '2026-03-03');
    const calls = emulator.server.callsOf('StartQueryExecution').slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input.QueryString).toContain('"lakehouse"."events$partitions"');
  });

  test('partitions() lists each day with its files, rows and bytes', async () => {
    const lake = new AthenaLake({
      engine,
      database: 'lakehouse',
      table: 'events',
      stats: new IcebergPartitionStats(engine),
      tableLocation: 's3://lake-bucket/events/',
      now: () => new Date('2026-03-10T00:00:00Z'),
    });
    const files = listLakeFiles(path.join(lakeDir.dir, 'events'));
    const partitions = await lake.partitions();
    expect(partitions.map((x) => x.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    for (const x of partitions) {
      const own = files.filter((f) => f.day === x.day);
      expect(x).toEqual({
        day: x.day,
        location: `s3://lake-bucket/events/day=${x.day}/`,
        files: own.length,
        bytes: own.reduce((s, f) => s + f.bytes, 0),
        rows: 200,
        createdAt: `${x.day}T00:00:00.000Z`,
      });
    }
  });

  test('scanEvents gives a relation the services can query, with the estimate', async () => {
    const lake = new AthenaLake({ engine, database: 'lakehouse', table: 'events', stats: new IcebergPartitionStats(engine) });
    const scan = await lake.scanEvents({ from: '2026-03-02', to: '2026-03-02' }, { columns: EVENT_COLUMNS });
    expect(scan.partitions).toBe(1);
    expect(scan.estimatedBytes).toBeGreaterThan(0);
    const result = await engine.query({
      label: 'events.count',
      sql: sql`SELECT customer_type, COUNT(*) AS n FROM ${scan.relation} WHERE day BETWEEN ${p.date('2026-03-02')} AND ${p.date('2026-03-02')} GROUP BY 1 ORDER BY 1`,
    });
    expect(result.rows.reduce((s, r) => s + Number(r.n), 0)).toBe(200);
    // Estimated for every column from $partitions; the query reads the customer_type chunks of the day only.
    expect(result.stats.bytesScanned).toBeGreaterThan(0);
    expect(result.stats.bytesScanned).toBeLessThanOrEqual(scan.estimatedBytes);
  });
});
