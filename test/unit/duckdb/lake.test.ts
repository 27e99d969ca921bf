import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bucketFileName, dayDir } from '../../../src/adapters/duckdb/layout';
import { EVENT_COLUMNS } from '../../../src/ports/lake';
import { p, sql } from '../../../src/ports/sql';
import { addDays } from '../../../src/util/days';
import { customerBucket } from '../../../src/util/hash';
import { cleanupDuckDbFixtures, duckDbFixture, openEmbeddedSql, type DuckDbFixture, type EmbeddedSql } from '../../helpers/duckdb-fixture';

describe('DuckDbLake', () => {
  let fixture: DuckDbFixture;
  let sqlPorts: EmbeddedSql;

  beforeAll(async () => {
    fixture = await duckDbFixture();
    sqlPorts = openEmbeddedSql(fixture.dataDir);
  });
  afterAll(async () => {
    await sqlPorts.close();
    await cleanupDuckDbFixtures();
  });

  const end = () => fixture.seed.endDay;

  it('lists one partition per seeded day, oldest first, with files and bytes', async () => {
    const partitions = await sqlPorts.lake.partitions();
    expect(partitions).toHaveLength(fixture.seed.days);
    expect(partitions[0]!.day).toBe(fixture.seed.startDay);
    expect(partitions[partitions.length - 1]!.day).toBe(end());
    expect(partitions.map((x) => x.day)).toEqual([...partitions.map((x) => x.day)].sort());
    for (const part of partitions) {
      expect(part.files).toBeGreaterThan(0);
      expect(part.files).toBeLessThanOrEqual(fixture.seed.buckets);
      expect(part.bytes).toBeGreaterThan(0);
      expect(part.location).toBe(`file://${dayDir(fixture.dataDir, part.day)}/`);
      expect(Number.isNaN(Date.parse(part.createdAt))).toBe(false);
    }
  });

  it('scans only the files of the days in range', async () => {
    const day = addDays(end(), -3);
    const scan = await sqlPorts.lake.scanEvents({ from: day, to: day });
    expect(scan.partitions).toBe(1);
    const files = await sqlPorts.lake.files({ from: day, to: day });
    expect(files.every((f) => f.day === day)).toBe(true);
    expect(scan.files).toBe(files.length);
    const { rows } = await sqlPorts.engine.query({
      label: 'test.scan',
      sql: sql`SELECT COUNT(*) AS n, MIN(day) AS lo, MAX(day) AS hi FROM ${scan.relation}`,
    });
    expect(rows[0]).toMatchObject({ lo: day, hi: day });
    const { rows: expected } = await sqlPorts.engine.query({ label: 'test.expected', sql: sql`SELECT CAST(SUM(total_events) AS BIGINT) AS n FROM warehouse.daily_event_counts WHERE day = ${p.date(day)}` });
    expect(rows[0]!.n).toBe(expected[0]!.n);
  });

  it('restricts a scan to the buckets of the given customers', async () => {
    const range = { from: fixture.seed.startDay, to: end() };
    const { rows: top } = await sqlPorts.engine.query({
      label: 'test.top',
      sql: sql`SELECT customer_id, CAST(SUM(total_events) AS BIGINT) AS n FROM warehouse.daily_event_counts GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2`,
    });
    const ids = top.map((r) => String(r.customer_id));
    const buckets = new Set(ids.map((id) => customerBucket(id, fixture.seed.buckets)));
    const all = await sqlPorts.lake.scanEvents(range);
    const pruned = await sqlPorts.lake.scanEvents(range, { customerIds: ids });
    expect(pruned.files).toBeGreaterThan(0);
    expect(pruned.files!).toBeLessThan(all.files!);
    expect((await sqlPorts.lake.files(range, ids)).every((f) => buckets.has(f.bucket))).toBe(true);
    expect(pruned.estimatedBytes).toBeLessThan(all.estimatedBytes);
    // The pruned relation still holds every event of those customers.
    for (const [i, id] of ids.entries()) {
      const { rows } = await sqlPorts.engine.query({ label: 'test.pruned', sql: sql`SELECT COUNT(*) AS n FROM ${pruned.relation} WHERE customer_id = ${p.str(id)}` });
      expect(rows[0]!.n).toBe(top[i]!.n);
    }
  });

  it('estimates bytes from Parquet metadata, growing with days and columns', async () => {
    const oneDay = await sqlPorts.lake.estimateScan({ from: end(), to: end() }, ['customer_id']);
    const tenDays = await sqlPorts.lake.estimateScan({ from: addDays(end(), -9), to: end() }, ['customer_id']);
    const allColumns = await sqlPorts.lake.estimateScan({ from: addDays(end(), -9), to: end() }, EVENT_COLUMNS);
    expect(oneDay).toMatchObject({ partitions: 1, source: 'parquet-metadata' });
    expect(oneDay.bytes).toBeGreaterThan(0);
    expect(tenDays.partitions).toBe(10);
    expect(tenDays.bytes).toBeGreaterThan(5 * oneDay.bytes);
    expect(tenDays.bytes).toBeLessThan(20 * oneDay.bytes);
    expect(allColumns.bytes).toBeGreaterThan(3 * tenDays.bytes);
    const files = await sqlPorts.lake.files({ from: addDays(end(), -9), to: end() });
    expect(allColumns.bytes).toBeLessThanOrEqual(files.reduce((sum, f) => sum + f.bytes, 0));
    const scan = await sqlPorts.lake.scanEvents({ from: addDays(end(), -9), to: end() }, { columns: ['customer_id'] });
    expect(scan.estimatedBytes).toBe(tenDays.bytes);
  });

  it('gives an empty relation with the event columns for a range without data', async () => {
    const scan = await sqlPorts.lake.scanEvents({ from: '2001-01-01', to: '2001-01-31' });
    expect(scan).toMatchObject({ partitions: 0, files: 0, estimatedBytes: 0 });
    const result = await sqlPorts.engine.query({ label: 'test.empty', sql: sql`SELECT * FROM ${scan.relation} WHERE day BETWEEN ${p.date('2001-01-01')} AND ${p.date('2001-01-31')}` });
    expect(result.rows).toEqual([]);
    expect(result.columns.map((c) => c.name).sort()).toEqual([...EVENT_COLUMNS].sort());
    const real = await sqlPorts.engine.query({ label: 'test.real', sql: sql`SELECT * FROM ${(await sqlPorts.lake.scanEvents({ from: end(), to: end() })).relation} LIMIT 1` });
    expect(real.columns).toEqual(result.columns);
  });

  it('sees a new day partition without refresh, and rewritten files after refresh()', async () => {
    const before = await sqlPorts.lake.partitions();
    const newDay = addDays(end(), 1);
    mkdirSync(dayDir(fixture.dataDir, newDay), { recursive: true });
    const source = (await sqlPorts.lake.files({ from: end(), to: end() }))[0]!;
    cpSync(source.path, path.join(dayDir(fixture.dataDir, newDay), bucketFileName(source.bucket)));
    const after = await sqlPorts.lake.partitions();
    expect(after).toHaveLength(before.length + 1);
    expect(after[after.length - 1]!.day).toBe(newDay);

    rmSync(path.join(dayDir(fixture.dataDir, newDay), bucketFileName(source.bucket)));
    await sqlPorts.lake.refresh();
    expect(await sqlPorts.lake.partitions()).toHaveLength(before.length);
  });
});
