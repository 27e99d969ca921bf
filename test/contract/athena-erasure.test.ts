import { statSync } from 'node:fs';
import path from 'node:path';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { p, raw, sql } from '../../src/ports/sql';
import { customerBucket } from '../../src/util/hash';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { listLakeFiles } from '../emulators/athena-redshift-duckdb';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * Why the events table is Iceberg (migrations/athena/003): a subject's rows can be
 * deleted through SQL alone. DELETE cannot take execution parameters on Athena, so
 * the engine writes the checked literals into the text; the emulator rewrites only
 * the files holding the subject, as DELETE + OPTIMIZE + VACUUM leave them on S3.
 */
const lakeDir = tempDir('athena-erasure');
let emulator: AthenaEmulator;
let engine: AthenaEngine;
const BUCKETS = 4;

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(400, '2026-04-01', 4, 8), BUCKETS);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir });
  engine = athenaEngineFor(emulator.endpoint);
});

afterAll(async () => {
  await engine.close();
  await emulator.close();
  lakeDir.remove();
});

const EVENTS = raw('"lake"."events"');
const count = async (customer: string) =>
  (await engine.query({ label: 'test.count', sql: sql`SELECT COUNT(*) AS n FROM ${EVENTS} WHERE day BETWEEN ${p.date('2026-04-01')} AND ${p.date('2026-04-04')} AND customer_id = ${p.str(customer)}` }))
    .rows[0]!.n;

test("DELETE + OPTIMIZE + VACUUM remove one subject's rows and rewrite only the files holding them", async () => {
  const dir = path.join(lakeDir.dir, 'events');
  const before = new Map(listLakeFiles(dir).map((f) => [f.path, statSync(f.path).ino]));
  const subjectBucket = customerBucket('c-3', BUCKETS);
  expect(await count('c-3')).toBe(50);
  const others = await count('c-4');

  const erase = await engine.query({ label: 'gdpr.athena.delete', sql: sql`DELETE FROM ${EVENTS} WHERE customer_id = ${p.str('c-3')}` });
  const start = emulator.server.callsOf('StartQueryExecution').at(-1)!;
  expect(start.input.QueryString).toBe(`DELETE FROM "lake"."events" WHERE customer_id = 'c-3'`);
  expect(start.input.ExecutionParameters).toBeUndefined();
  expect(erase.rows).toEqual([]);
  await engine.query({ label: 'gdpr.athena.optimize', sql: sql`OPTIMIZE ${EVENTS} REWRITE DATA USING BIN_PACK WHERE day BETWEEN ${p.date('2026-04-01')} AND ${p.date('2026-04-04')}` });
  await engine.query({ label: 'gdpr.athena.vacuum', sql: sql`VACUUM ${EVENTS}` });

  expect(await count('c-3')).toBe(0);
  expect(await count('c-4')).toBe(others);
  for (const file of listLakeFiles(dir)) {
    const touched = statSync(file.path).ino !== before.get(file.path);
    expect({ file: path.basename(file.path), touched }).toEqual({ file: path.basename(file.path), touched: file.bucket === subjectBucket });
  }
});
