import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { p, sql } from '../../src/ports/sql';
import { applyProcessEnv, startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { cleanupTestData, seededTemplate, startTestApp, TEST_KEYS, type TestApp } from '../helpers/test-app';

/**
 * What a load changes in LAKEGATE_MODE=aws, beyond the rows (issue 15):
 *
 * - item 4: Athena result reuse answers an identical query from an earlier result
 *   without looking at the data. With LAKEGATE_ATHENA_RESULT_REUSE on (and
 *   lakegate's own cache off, so reuse is the only cache), a query repeated after a
 *   load must not be answered from a result computed before it.
 * - item 5: the admission estimate of a cold day used to be a `$partitions` query,
 *   which Trino answers by planning every file of the snapshot. The load records the
 *   day's size in the load ledger; a process that never saw the day estimates it
 *   from there, with no Athena query, and asks `$partitions` only for the days the
 *   ledger has not seen. The emulator accounts a metadata query as the manifests of
 *   the whole snapshot, which the cost extension reports.
 */
jest.setTimeout(240_000);

const SEEDED_DAY = '2026-01-20';
const NEW_DAY = '2026-02-03';
const KEY = 'lake-changes-test-subject-hash-key-0123456789';
let endpoints: AwsEndpoints;
let loader: TestApp;
const dirs: string[] = [];
let restoreEnv: () => void = () => undefined;

const env = () => ({
  ...endpoints.env,
  LAKEGATE_SUBJECT_HASH_KEY: KEY,
  LAKEGATE_CACHE_BACKEND: 'off',
  LAKEGATE_ATHENA_RESULT_REUSE: 'true',
  LAKEGATE_GDPR_EXECUTOR: 'false',
});
const appDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-lake-changes-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  endpoints = await startAwsEndpoints({ dataDir: await seededTemplate() });
  restoreEnv = applyProcessEnv(Object.fromEntries(Object.entries(endpoints.env).filter(([k]) => k.startsWith('AWS_'))));
  loader = await startTestApp({ dataDir: appDir(), env: env() });
});
afterAll(async () => {
  await loader?.close();
  await endpoints?.close();
  restoreEnv();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  cleanupTestData();
});

/** A Parquet landing file under s3://<lake>/landing/events/day=D/ (the emulators map it to the work directory). */
async function land(day: string, name: string, ids: string[]): Promise<void> {
  const dir = path.join(endpoints.workDir, 'landing', 'events', `day=${day}`);
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const values = ids.map((id, i) => `('${id}', TIMESTAMP '${day} 12:00:0${i}', 'cus_000001', 'SMB', 'login', 'web', 'eu-west-1', 'INFO', '{}')`);
    await c.run(
      `COPY (SELECT * FROM (VALUES ${values.join(', ')}) v(event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes)) TO '${path.join(dir, name)}' (FORMAT parquet)`,
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

const STATS = `query($input: EventStatsInput!) { eventStats(input: $input) { periodStart totalEvents } }`;
async function dayTotal(app: TestApp, day: string): Promise<{ total: number; queries: any[] }> {
  const r = await app.gql(STATS, { input: { from: day, to: day, interval: 'DAY', groupBy: [], source: 'LAKE' } }, { key: TEST_KEYS.reader });
  expect(r.body.errors).toBeUndefined();
  return { total: r.body.data.eventStats.reduce((s: number, x: any) => s + x.totalEvents, 0), queries: r.body.extensions!.cost.queries };
}
async function loadDays(days: string[]): Promise<void> {
  const r = await loader.gql(`mutation($days: [Date!]!) { loadDays(days: $days) { dataset } }`, { days }, { key: TEST_KEYS.loader });
  expect(r.body.errors).toBeUndefined();
}
const starts = () => endpoints.athena.server.callsOf('StartQueryExecution').map((c) => String(c.input.QueryString));

test('item 4: with result reuse on, a repeated query is reused until a load changes the day, and never answered from before the load after it', async () => {
  const first = await dayTotal(loader, SEEDED_DAY);
  const again = await dayTotal(loader, SEEDED_DAY);
  expect(again.total).toBe(first.total);
  const lakeQuery = (queries: any[]) => queries.find((q) => q.label === 'eventStats.lake');
  expect(lakeQuery(first.queries).costUsd).toBeGreaterThan(0);
  expect(lakeQuery(again.queries)).toMatchObject({ bytesScanned: 0, costUsd: 0 }); // reused

  await land(SEEDED_DAY, 'late-1.parquet', ['evt_late_1', 'evt_late_2', 'evt_late_3']);
  await loadDays([SEEDED_DAY]);

  const after = await dayTotal(loader, SEEDED_DAY);
  expect(after.total).toBe(first.total + 3);
  expect(lakeQuery(after.queries).costUsd).toBeGreaterThan(0);
  const start = endpoints.athena.server.callsOf('StartQueryExecution').filter((c) => String(c.input.QueryString).includes('total_events')).at(-1)!.input;
  expect(start.ResultReuseConfiguration).toBeUndefined(); // reuse is off for a minute after a change
});

test('item 5: a process that never saw a loaded day estimates it from the load ledger, with no $partitions query; only a day the ledger has not seen costs one', async () => {
  await land(NEW_DAY, 'new-1.parquet', ['evt_new_1', 'evt_new_2']);
  await loadDays([NEW_DAY]);
  // What the load recorded is the day's real size (Iceberg $partitions, as the emulator keeps it from the files).
  const record = await loader.app.backends.loads!.ledger.get(NEW_DAY);
  const { rows } = await loader.app.backends.lake.engine.query({
    label: 'test.partitions',
    sql: sql`SELECT SUM(total_size) AS bytes, SUM(file_count) AS files FROM "lake"."events$partitions" WHERE "partition".day = ${p.date(NEW_DAY)}`,
  });
  expect(record).toMatchObject({ state: 'LOADED', lakeRows: 2, lakeBytes: Number(rows[0]!.bytes), lakeFiles: Number(rows[0]!.files), lakePartitions: 1 });

  // Another API process: its statistics cache is cold.
  const reader = await startTestApp({ dataDir: appDir(), env: { ...env(), LAKEGATE_LOADS_SCHEDULER: 'false' } });
  try {
    const before = starts().length;
    const loaded = await dayTotal(reader, NEW_DAY);
    expect(loaded.total).toBe(2);
    expect(starts().slice(before).filter((q) => q.includes('$partitions'))).toEqual([]);
    expect(loaded.queries.filter((q: any) => q.label === 'lake.partitionStats')).toEqual([]);

    // A seeded day the loads never wrote: one $partitions query for it, accounted as the manifests of the whole snapshot.
    const seeded = await dayTotal(reader, '2026-01-19');
    const stats = seeded.queries.filter((q: any) => q.label === 'lake.partitionStats');
    expect(stats).toHaveLength(1);
    const execution = [...endpoints.athena.executions.values()].filter((e) => e.query.includes('$partitions')).at(-1)!;
    expect(stats[0].bytesScanned).toBe(execution.scannedBytes);
    expect(stats[0].bytesScanned).toBeGreaterThan(0);
    expect(execution.parameters).toEqual(["DATE '2026-01-19'", "DATE '2026-01-19'"]);
  } finally {
    await reader.close();
  }
});
