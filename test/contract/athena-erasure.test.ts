import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { AppError } from '../../src/errors/app-error';
import { p, raw, sql } from '../../src/ports/sql';
import { customerBucket } from '../../src/util/hash';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { listLakeFiles } from '../emulators/athena-redshift-duckdb';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * Why the events table is Iceberg (migrations/athena/003): a subject's rows can be
 * deleted through SQL alone; and what it takes for their bytes to leave S3 (issue
 * 15, item 6: the emulator used to rewrite files at DELETE, so nothing below could
 * fail). On Iceberg, DELETE writes delete files and leaves the data files; OPTIMIZE
 * rewrites a data file only past the table's thresholds; the old files stay while a
 * snapshot references them, and VACUUM deletes them once those snapshots are older
 * than the snapshot age — and only with s3:DeleteObject. DELETE cannot take
 * execution parameters on Athena, so the engine writes the checked literals into the
 * text.
 */
const lakeDir = tempDir('athena-erasure');
let emulator: AthenaEmulator;
let engine: AthenaEngine;
const BUCKETS = 4;
const SNAPSHOT_AGE_MS = 1500;
const FIRST = '2026-04-01';
const LAST = '2026-04-04';

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(400, FIRST, 4, 8), BUCKETS);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir, snapshotMaxAgeMs: SNAPSHOT_AGE_MS });
  engine = athenaEngineFor(emulator.endpoint);
});

afterAll(async () => {
  await engine.close();
  await emulator.close();
  lakeDir.remove();
});

const EVENTS = raw('"lake"."events"');
const dir = () => path.join(lakeDir.dir, 'events');
const run = (label: string, statement: ReturnType<typeof sql>) => engine.query({ label, sql: statement });
const count = async (customer: string) =>
  (await run('test.count', sql`SELECT COUNT(*) AS n FROM ${EVENTS} WHERE day BETWEEN ${p.date(FIRST)} AND ${p.date(LAST)} AND customer_id = ${p.str(customer)}`)).rows[0]!.n;
const files = async () => (await run('test.files', sql`SELECT content, file_path FROM "lake"."events$files" ORDER BY file_path`)).rows.map((r) => ({ content: Number(r.content), path: String(r.file_path) }));
const optimize = () => run('gdpr.athena.optimize', sql`OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day BETWEEN ${p.date(FIRST)} AND ${p.date(LAST)}`);
const vacuum = () => run('gdpr.athena.vacuum', sql`VACUUM lake.events`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inodes = () => new Map(listLakeFiles(dir()).map((f) => [f.path, statSync(f.path).ino]));
const bucketFiles = (bucket: number) => listLakeFiles(dir()).filter((f) => f.bucket === bucket && path.basename(f.path).startsWith('bucket-'));

describe('one subject, DELETE -> OPTIMIZE -> VACUUM -> VACUUM', () => {
  const subject = 'c-3';
  const subjectBucket = customerBucket(subject, BUCKETS);
  let original: Map<string, number>;
  let subjectFiles: string[];

  beforeAll(() => {
    original = inodes();
    subjectFiles = bucketFiles(subjectBucket).map((f) => f.path);
  });

  test('DELETE writes position-delete files: the rows are gone for readers, the data files stay on disk as they were', async () => {
    expect(await count(subject)).toBe(50);
    const others = await count('c-4');
    await run('gdpr.athena.delete', sql`DELETE FROM ${EVENTS} WHERE customer_id = ${p.str(subject)}`);
    const start = emulator.server.callsOf('StartQueryExecution').at(-1)!;
    expect(start.input.QueryString).toBe(`DELETE FROM "lake"."events" WHERE customer_id = '${subject}'`);
    expect(start.input.ExecutionParameters).toBeUndefined();

    expect(await count(subject)).toBe(0);
    expect(await count('c-4')).toBe(others);
    expect(inodes()).toEqual(original);
    const deletes = (await files()).filter((f) => f.content === 1);
    expect(deletes).toHaveLength(subjectFiles.length);
    for (const d of deletes) expect(d.path).toMatch(new RegExp(`^s3://lakegate-local-lake/events/day=2026-04-0\\d/delete-[0-9a-f-]+\\.parquet$`));
  });

  test("OPTIMIZE with Athena's default data-file threshold (5) rewrites nothing; with both thresholds 1 it rewrites exactly the subject's files", async () => {
    await optimize();
    expect((await files()).filter((f) => f.content === 1)).toHaveLength(subjectFiles.length);
    expect(inodes()).toEqual(original);

    // migrations/athena/006.
    await run('migrate', sql`ALTER TABLE lake.events SET TBLPROPERTIES ('optimize_rewrite_delete_file_threshold' = '1', 'optimize_rewrite_data_file_threshold' = '1')`);
    await optimize();
    const current = await files();
    expect(current.filter((f) => f.content === 1)).toEqual([]);
    const referenced = new Set(current.map((f) => f.path));
    for (const file of subjectFiles) expect(referenced.has(`s3://lakegate-local-lake/events/${path.relative(dir(), file)}`)).toBe(false);
    expect(current.filter((f) => /optimize-/.test(f.path))).toHaveLength(subjectFiles.length);
    expect(await count(subject)).toBe(0);
    // The old files are still on S3: the snapshots before OPTIMIZE reference them.
    for (const file of subjectFiles) expect(existsSync(file)).toBe(true);
  });

  test('VACUUM deletes them only once the snapshots that reference them are older than the snapshot age; nothing else is touched', async () => {
    await vacuum();
    for (const file of subjectFiles) expect(existsSync(file)).toBe(true);
    await pause(SNAPSHOT_AGE_MS + 100);
    await vacuum();
    for (const file of subjectFiles) expect(existsSync(file)).toBe(false);
    expect(listLakeFiles(dir()).some((f) => path.basename(f.path).startsWith('delete-'))).toBe(false);
    for (const [file, ino] of original) {
      if (subjectFiles.includes(file)) continue;
      expect({ file, ino: statSync(file).ino }).toEqual({ file, ino });
    }
    expect(await count(subject)).toBe(0);
  });

  test('$partitions counts the files of the current snapshot as they are on disk', async () => {
    const { rows } = await run('test.partitions', sql`SELECT "partition".day AS day, SUM(file_count) AS files, SUM(total_size) AS bytes, SUM(record_count) AS records FROM "lake"."events$partitions" GROUP BY 1 ORDER BY 1`);
    const onDisk = listLakeFiles(dir());
    for (const row of rows) {
      const own = onDisk.filter((f) => f.day === row.day);
      expect({ day: row.day, files: Number(row.files), bytes: Number(row.bytes) }).toEqual({ day: row.day, files: own.length, bytes: own.reduce((s, f) => s + f.bytes, 0) });
    }
    expect(rows.reduce((s, r) => s + Number(r.records), 0)).toBe(350);
  });
});

test('without s3:DeleteObject, VACUUM succeeds and deletes nothing; with it back, the next VACUUM removes the files', async () => {
  const subject = 'c-5';
  const held = bucketFiles(customerBucket(subject, BUCKETS)).map((f) => f.path);
  expect(held.length).toBeGreaterThan(0);
  await run('gdpr.athena.delete', sql`DELETE FROM ${EVENTS} WHERE customer_id = ${p.str(subject)}`);
  await optimize();
  emulator.denyS3DeleteObject(true);
  try {
    await pause(SNAPSHOT_AGE_MS + 100);
    await vacuum();
    await vacuum();
    for (const file of held) expect(existsSync(file)).toBe(true);
  } finally {
    emulator.denyS3DeleteObject(false);
  }
  await vacuum();
  for (const file of held) expect(existsSync(file)).toBe(false);
});

test('OPTIMIZE refuses a predicate on a column that is not an identity partition column; VACUUM refuses double quotes', async () => {
  const refused = async (statement: ReturnType<typeof sql>) => {
    try {
      await run('test.refused', statement);
    } catch (error) {
      if (error instanceof AppError) return error.message;
      throw error;
    }
    throw new Error('expected Athena to refuse the statement');
  };
  expect(await refused(sql`OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE customer_id = ${p.str('c-1')}`)).toMatch(/OPTIMIZE can only filter on identity partition columns of events \(day\); '[^']+' is not one/);
  expect(await refused(sql`OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day = ${p.date(FIRST)} AND severity = ${p.str('info')}`)).toMatch(/is not one/);
  expect(await refused(sql`VACUUM "lake"."events"`)).toMatch(/mismatched input/);
});

test('bytes scanned are the column chunks a query reads, in the files its day and customer filters keep, not whole files', async () => {
  const bytes = async (statement: ReturnType<typeof sql>) => (await run('test.bytes', statement)).stats.bytesScanned;
  // A day whose customers sit in every bucket file (written to the table's directory: an append).
  const day = '2026-04-10';
  await writeLakeEvents(lakeDir.dir, generateEvents(80, day, 1, 8), BUCKETS);
  const customers = ['c-1'];
  const files = listLakeFiles(dir()).filter((f) => f.day === day);
  expect(files.length).toBeGreaterThan(1);
  const all = await bytes(sql`SELECT * FROM ${EVENTS} WHERE day = ${p.date(day)}`);
  const oneColumn = await bytes(sql`SELECT event_type FROM ${EVENTS} WHERE day = ${p.date(day)}`);
  const oneCustomer = await bytes(sql`SELECT * FROM ${EVENTS} WHERE day = ${p.date(day)} AND customer_id = ${p.str(customers[0]!)}`);
  expect(all).toBeGreaterThan(0);
  expect(all).toBeLessThan(files.reduce((s, f) => s + f.bytes, 0)); // column chunks, without footers and headers
  expect(oneColumn).toBeLessThan(all);
  expect(oneCustomer).toBeGreaterThan(0);
  expect(oneCustomer).toBeLessThan(all); // the other buckets' files cannot hold the customer (min/max)
});
