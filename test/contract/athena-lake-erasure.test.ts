import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { AthenaLakeErasure } from '../../src/adapters/athena/athena-lake-erasure';
import type { ObjectPresence } from '../../src/adapters/s3/s3-objects';
import { AppError } from '../../src/errors/app-error';
import type { SqlEngine } from '../../src/ports/sql-engine';
import { p, raw, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * Issue 15, item 2: "If the permission [s3:DeleteObject] is not present, the VACUUM
 * query will succeed, but the files will not be deleted." AthenaLakeErasure must
 * prove physical removal: it records the data files that held the subject (Iceberg's
 * "$path") before the DELETE and the delete files after it, keeps them through the
 * snapshot wait (recordPending -> the deletion ledger -> pendingObjects on resume),
 * and after the last VACUUM asks S3 for every one of them; any left fails the step,
 * naming s3:DeleteObject on the table's prefix under LAKEGATE_ATHENA_LAKE_LOCATION.
 *
 * The emulator's lake location is a prefixed one (s3://acme-lake/lakegate/), as a
 * deployment's; the S3 check here maps those URIs to the emulator's files.
 */
const LAKE = 's3://acme-lake/lakegate/';
const lakeDir = tempDir('athena-lake-erasure');
let emulator: AthenaEmulator;
let engine: AthenaEngine;

/** S3 as the emulator's files are: s3://acme-lake/lakegate/events/<key> is <dataDir>/events/<key>. */
const asked: string[][] = [];
const objects: ObjectPresence = {
  async present(uris) {
    asked.push([...uris]);
    return uris.filter((uri) => existsSync(path.join(lakeDir.dir, uri.slice(LAKE.length))));
  },
};

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(400, '2026-05-01', 4, 8), 4);
  // Snapshots expire at once: one VACUUM after OPTIMIZE removes the old files (with the permission).
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir, lakeLocation: LAKE, snapshotMaxAgeMs: 0 });
  engine = athenaEngineFor(emulator.endpoint);
  await engine.query({ label: 'migrate', sql: sql`ALTER TABLE lake.events SET TBLPROPERTIES ('optimize_rewrite_delete_file_threshold' = '1', 'optimize_rewrite_data_file_threshold' = '1')` });
});

afterAll(async () => {
  await engine?.close();
  await emulator?.close();
  lakeDir.remove();
});

const erasure = (snapshotWaitMs = 0) => new AthenaLakeErasure(engine, { database: 'lake', table: 'events', snapshotWaitMs, objects, lakeLocation: LAKE });
const countOf = async (customer: string) =>
  Number((await engine.query({ label: 'test.count', sql: sql`SELECT COUNT(*) AS n FROM ${raw('"lake"."events"')} WHERE customer_id = ${p.str(customer)}` })).rows[0]!.n);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the erasure to fail');
}

test('the files that held the subject are recorded (data files before the DELETE, delete files after it), then confirmed gone from S3', async () => {
  const recorded: Array<Map<string, readonly string[]>> = [];
  const outcome = await erasure().erase(['c-1'], { recordPending: async (objects) => void recorded.push(new Map(objects)) });
  expect(outcome.resumeAt).toBeUndefined();
  expect(await countOf('c-1')).toBe(0);
  expect(recorded).toHaveLength(2);
  const data = recorded[0]!.get('c-1')!;
  const deletes = recorded[1]!.get('c-1')!;
  expect(data.length).toBe(1); // c-1's events are all on one day, in one bucket file
  for (const uri of data) expect(uri).toMatch(/^s3:\/\/acme-lake\/lakegate\/events\/day=2026-05-0\d\/bucket-\d\d\.parquet$/);
  expect(deletes.length).toBe(1);
  for (const uri of deletes) expect(uri).toMatch(/^s3:\/\/acme-lake\/lakegate\/events\/day=2026-05-0\d\/delete-[0-9a-f-]+\.parquet$/);
  expect(outcome.subjects.get('c-1')).toMatchObject({ recordsDeleted: 50, filesRewritten: 1, bytesRewritten: expect.any(Number) });
  // The last VACUUM ran: S3 was asked for every recorded file, and none is left.
  expect(new Set(asked.at(-1))).toEqual(new Set([...data, ...deletes]));
  for (const uri of [...data, ...deletes]) expect(existsSync(path.join(lakeDir.dir, uri.slice(LAKE.length)))).toBe(false);
});

test('without s3:DeleteObject, VACUUM succeeds and the step fails, naming the permission on the configured prefix; with it back, the retry completes', async () => {
  emulator.denyS3DeleteObject(true);
  const pending: string[] = [];
  try {
    const error = await failure(erasure().erase(['c-2'], { recordPending: async (objects) => void pending.push(...(objects.get('c-2') ?? [])) }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/^VACUUM succeeded but \d+ of the \d+ data and delete files that held the erased subjects are still on S3 \(e\.g\. s3:\/\/acme-lake\/lakegate\/events\/day=/);
    expect(error.message).toContain('Grant lakegate\'s role s3:DeleteObject on arn:aws:s3:::acme-lake/lakegate/events/*');
    expect(error.details).toMatchObject({ backend: 's3', action: 's3:DeleteObject', resources: ['arn:aws:s3:::acme-lake/lakegate/events/*'] });
    expect(error.message).not.toContain('c-2');
    expect(await countOf('c-2')).toBe(0);
  } finally {
    emulator.denyS3DeleteObject(false);
  }
  // The retry finds no rows (they are gone for readers), runs VACUUM again and checks what the first run recorded.
  const retry = await erasure().erase(['c-2'], { pendingObjects: pending });
  expect(retry.totals.recordsDeleted).toBe(0);
  for (const uri of pending) expect(existsSync(path.join(lakeDir.dir, uri.slice(LAKE.length)))).toBe(false);
});

test('with a snapshot wait, the first pass asks to resume and checks nothing; the resumed pass checks what the first one recorded', async () => {
  const pending: string[] = [];
  const before = asked.length;
  emulator.denyS3DeleteObject(true);
  try {
    const first = await erasure(60_000).erase(['c-3'], { recordPending: async (objects) => void pending.push(...(objects.get('c-3') ?? [])) });
    expect(first.resumeAt).toEqual(expect.any(String));
    expect(asked.length).toBe(before);
    // Files recorded a day ago and still on S3 fail the resumed pass.
    const error = await failure(erasure(60_000).erase(['c-3'], { resuming: true, pendingObjects: pending }));
    expect(error.message).toMatch(/s3:DeleteObject/);
  } finally {
    emulator.denyS3DeleteObject(false);
  }
  const resumed = await erasure(60_000).erase(['c-3'], { resuming: true, pendingObjects: pending });
  expect(resumed.resumeAt).toBeUndefined();
  expect(new Set(asked.at(-1))).toEqual(new Set(pending));
});

test('a first pass that failed after its DELETE (OPTIMIZE refused): the retry finds no rows, optimizes the days of the files it recorded, and confirms them gone', async () => {
  let refuse = true;
  const flaky: SqlEngine = {
    name: 'athena',
    capabilities: () => engine.capabilities(),
    ping: () => engine.ping(),
    close: async () => undefined,
    query: (q) => {
      if (q.label === 'gdpr.athena.optimize' && refuse) {
        refuse = false;
        return Promise.reject(new Error('OPTIMIZE failed (simulated)'));
      }
      return engine.query(q);
    },
  };
  const pending: string[] = [];
  const erasing = new AthenaLakeErasure(flaky, { database: 'lake', table: 'events', snapshotWaitMs: 0, objects, lakeLocation: LAKE });
  await expect(erasing.erase(['c-4'], { recordPending: async (o) => void pending.push(...(o.get('c-4') ?? [])) })).rejects.toThrow(/simulated/);
  expect(await countOf('c-4')).toBe(0);
  expect(pending.length).toBeGreaterThan(0);
  for (const uri of pending) expect(existsSync(path.join(lakeDir.dir, uri.slice(LAKE.length)))).toBe(true);
  const retry = await erasing.erase(['c-4'], { pendingObjects: pending });
  expect(retry.totals.recordsDeleted).toBe(0);
  for (const uri of pending) expect(existsSync(path.join(lakeDir.dir, uri.slice(LAKE.length)))).toBe(false);
});
