import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { migrateAthena } from '../../src/adapters/athena/athena-migrations';
import { createAwsLoadStores, type AwsLoadStores } from '../../src/adapters/aws-loads';
import { migrateRedshift } from '../../src/adapters/redshift-data/redshift-migrations';
import { createS3Client, S3Objects } from '../../src/adapters/s3';
import type { RedshiftDataEngine } from '../../src/adapters/redshift-data/redshift-engine';
import { readAwsConfig } from '../../src/config/aws';
import type { MigrationLedger } from '../../src/ports/migration-ledger';
import type { LakeLoadContext, LandingFile } from '../../src/ports/loads';
import { p, raw, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { tempDir } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';
import { startRedshiftDataEmulator, type RedshiftDataEmulator } from '../emulators/redshift-data-emulator';
import { redshiftEngineFor } from '../emulators/redshift-test-engine';
import { startS3Emulator, type S3Emulator } from '../emulators/s3-emulator';
import { applyProcessEnv } from '../helpers/aws-endpoints';

/**
 * The load workflow's AWS stores against the local endpoints, through the real SDK
 * v3 clients over HTTP: landing files on S3 (ListObjectsV2, the endpoint from
 * AWS_ENDPOINT_URL_S3), the lake step in Athena (MERGE INTO the Iceberg table,
 * quarantine INSERTs), the warehouse step as Athena UNLOAD + Redshift
 * BatchExecuteStatement (DELETE + COPY ... FORMAT AS PARQUET). The three emulators
 * map s3://<bucket>/<key> to the same directory, so COPY reads what UNLOAD wrote and
 * S3 lists what the test dropped. Every statement goes through the Athena
 * emulator's grammar checks, so a statement Athena would refuse fails here too.
 */
jest.setTimeout(120_000);

class MemoryLedger implements MigrationLedger {
  private readonly versions = new Map<string, string[]>();
  async applied(store: string): Promise<string[]> {
    return [...(this.versions.get(store) ?? [])];
  }
  async record(store: string, version: string): Promise<void> {
    this.versions.set(store, [...(this.versions.get(store) ?? []), version]);
  }
}

const DAY = '2026-12-03';
const LAKE = 's3://lake-bucket/';
const data = tempDir('aws-loads');
let athena: AthenaEmulator;
let redshift: RedshiftDataEmulator;
let s3: S3Emulator;
let athenaEngine: AthenaEngine;
let redshiftEngine: RedshiftDataEngine;
let stores: AwsLoadStores;
let restoreEnv: () => void = () => undefined;

beforeAll(async () => {
  athena = await startAthenaEmulator({ dataDir: data.dir });
  redshift = await startRedshiftDataEmulator({ s3Root: data.dir });
  s3 = await startS3Emulator({ dataDir: data.dir });
  // The S3 client resolves its endpoint the standard way (AWS_ENDPOINT_URL_S3), like in production.
  restoreEnv = applyProcessEnv({ AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local' });
  athenaEngine = athenaEngineFor(athena.endpoint);
  redshiftEngine = redshiftEngineFor(redshift.endpoint);
  const ledger = new MemoryLedger();
  await migrateAthena(athenaEngine, { ledger, database: 'lake', lakeLocation: LAKE });
  await migrateRedshift(redshiftEngine, { ledger });
  const config = readAwsConfig(
    {
      LAKEGATE_MODE: 'aws',
      LAKEGATE_ATHENA_OUTPUT_LOCATION: 's3://results-bucket/athena/',
      LAKEGATE_ATHENA_LAKE_LOCATION: LAKE,
      LAKEGATE_ATHENA_EXPORT_LOCATION: 's3://export-bucket/lakegate/exports',
      LAKEGATE_REDSHIFT_COPY_ROLE_ARN: 'arn:aws:iam::123456789012:role/lakegate-copy',
      LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'lakegate-test',
      LAKEGATE_REDSHIFT_DATABASE: 'dev',
      LAKEGATE_GLUE_CATALOG_IDS: '123456789012',
      LAKEGATE_S3_FORCE_PATH_STYLE: 'true',
    },
    'aws',
  );
  stores = createAwsLoadStores(config, { athena: athenaEngine, redshift: redshiftEngine });
});

afterAll(async () => {
  await stores?.close();
  await athenaEngine?.close();
  await redshiftEngine?.close();
  await s3?.close();
  await redshift?.close();
  await athena?.close();
  restoreEnv();
  data.remove();
});

// --- landing files ----------------------------------------------------------

interface Row {
  event_id: string | null;
  occurred_at: string | null;
  customer_id: string | null;
  customer_type?: string | null;
  event_type?: string | null;
  severity?: string | null;
  attributes?: string | null;
}

const event = (id: string, customer: string, at: string, extra: Partial<Row> = {}): Row => ({
  event_id: id,
  occurred_at: at,
  customer_id: customer,
  customer_type: 'SMB',
  event_type: 'login',
  severity: 'INFO',
  attributes: '{"n":1}',
  ...extra,
});

async function dropParquet(day: string, name: string, rows: Row[]): Promise<void> {
  const dir = path.join(data.dir, 'landing', 'events', `day=${day}`);
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(`SET TimeZone = 'UTC'`);
    const q = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
    const values = rows.map((r) => `(${q(r.event_id)}, CAST(${q(r.occurred_at)} AS TIMESTAMP), ${q(r.customer_id)}, ${q(r.customer_type)}, ${q(r.event_type)}, 'web', 'eu-west-1', ${q(r.severity)}, ${q(r.attributes)})`);
    await c.run(
      `COPY (SELECT * FROM (VALUES ${values.join(', ')}) v(event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes)) TO '${path.join(dir, name)}' (FORMAT parquet)`,
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

function dropJsonLines(day: string, name: string, lines: Array<Record<string, unknown> | string>): void {
  const dir = path.join(data.dir, 'landing', 'events_jsonl', `day=${day}`);
  mkdirSync(dir, { recursive: true });
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify({ source: 'app', region: 'eu-west-1', ...l }))).join('\n') + '\n';
  writeFileSync(path.join(dir, name), name.endsWith('.gz') ? gzipSync(text) : text);
}

const noErasure: LakeLoadContext = { erasedSubjects: async () => new Set() };

async function landingFiles(day: string): Promise<LandingFile[]> {
  return (await stores.landing.list({ from: day, to: day })).get(day) ?? [];
}

async function quarantineRows(day: string): Promise<Array<{ reason: string; file: string; event_id: string | null; line: string | null; customer_id: string | null }>> {
  const { rows } = await athenaEngine.query({
    label: 'test.quarantine',
    sql: sql`SELECT reason, file, event_id, line, customer_id FROM "lake"."events_quarantine" WHERE day = ${p.date(day)} ORDER BY file, reason, event_id`,
  });
  return rows as any;
}

async function lakeIds(day: string): Promise<string[]> {
  const { rows } = await athenaEngine.query({ label: 'test.lakeIds', sql: sql`SELECT event_id FROM "lake"."events" WHERE day = ${p.date(day)} ORDER BY event_id` });
  return rows.map((r) => String(r.event_id));
}

const startQueries = () => athena.server.callsOf('StartQueryExecution').map((c) => String(c.input.QueryString));

// --- the tests --------------------------------------------------------------

describe('S3 landing zone', () => {
  test('lists the Parquet and JSON Lines prefixes per day, with ETag versions, oldest day first', async () => {
    await dropParquet('2026-12-01', 'batch-0001.parquet', [event('x-1', 'c-1', '2026-12-01 10:00:00')]);
    dropJsonLines('2026-12-02', 'batch-0002.jsonl', [{ ...event('x-2', 'c-1', '2026-12-02T10:00:00Z') }]);
    dropJsonLines('2026-12-02', 'batch-0003.jsonl.gz', [{ ...event('x-3', 'c-1', '2026-12-02T11:00:00Z') }]);
    // Not data: hidden files, other extensions, the other format's file under a prefix, nested keys.
    writeFileSync(path.join(data.dir, 'landing', 'events', 'day=2026-12-01', '_SUCCESS'), '');
    writeFileSync(path.join(data.dir, 'landing', 'events_jsonl', 'day=2026-12-02', 'notes.txt'), 'x');
    writeFileSync(path.join(data.dir, 'landing', 'events_jsonl', 'day=2026-12-02', 'stray.parquet'), 'x');

    const all = await stores.landing.list();
    expect([...all.keys()]).toEqual(['2026-12-01', '2026-12-02']);
    expect(all.get('2026-12-01')!.map((f) => [f.name, f.format])).toEqual([['day=2026-12-01/batch-0001.parquet', 'parquet']]);
    expect(all.get('2026-12-02')!.map((f) => [f.name, f.format])).toEqual([
      ['day=2026-12-02/batch-0002.jsonl', 'jsonl'],
      ['day=2026-12-02/batch-0003.jsonl.gz', 'jsonl.gz'],
    ]);
    const file = all.get('2026-12-02')![0]!;
    expect(file.version).toMatch(/^[0-9a-f]{32}$/);
    expect(file.bytes).toBeGreaterThan(0);
    expect(Date.parse(file.modifiedAt)).not.toBeNaN();
    expect(stores.landing.uriOf(file)).toBe('s3://lake-bucket/landing/events_jsonl/day=2026-12-02/batch-0002.jsonl');

    const ranged = await stores.landing.list({ from: '2026-12-02', to: '2026-12-02' });
    expect([...ranged.keys()]).toEqual(['2026-12-02']);
    // A ranged listing starts at the first day (StartAfter) on each prefix.
    const listCalls = s3.calls.filter((c) => c.query['start-after']);
    expect(listCalls.map((c) => [c.bucket, c.query.prefix, c.query['start-after']])).toEqual([
      ['lake-bucket', 'landing/events/', 'landing/events/day=2026-12-02'],
      ['lake-bucket', 'landing/events_jsonl/', 'landing/events_jsonl/day=2026-12-02'],
    ]);
    await expect(stores.landing.markLoaded('2026-12-02', ranged.get('2026-12-02')!)).resolves.toBeUndefined();
  });

  test('pages through ListObjectsV2 with ContinuationToken', async () => {
    const client = createS3Client({ forcePathStyle: true });
    try {
      const paged = await new S3Objects(client, 2).list('s3://lake-bucket/landing/events_jsonl/');
      expect(paged.map((e) => e.name)).toEqual(['day=2026-12-02/batch-0002.jsonl', 'day=2026-12-02/batch-0003.jsonl.gz', 'day=2026-12-02/notes.txt', 'day=2026-12-02/stray.parquet']);
      expect(s3.calls.filter((c) => c.query['continuation-token']).length).toBeGreaterThanOrEqual(1);
      expect(await new S3Objects(client).any('s3://lake-bucket/landing/nothing-here/')).toBe(false);
    } finally {
      client.destroy();
    }
  });

  test('a rewritten file is a new version', async () => {
    const before = (await landingFiles('2026-12-02'))[0]!;
    dropJsonLines('2026-12-02', 'batch-0002.jsonl', [{ ...event('x-2', 'c-1', '2026-12-02T10:00:00Z') }, { ...event('x-4', 'c-1', '2026-12-02T12:00:00Z') }]);
    const after = (await landingFiles('2026-12-02'))[0]!;
    expect(after.name).toBe(before.name);
    expect(after.version).not.toBe(before.version);
  });
});

describe('Athena lake step', () => {
  const bad = [
    'not json at all',
    '[1, 2, 3]',
    { ...event('', 'c-2', '2026-12-03T08:00:00Z') },
    { ...event('b-ts', 'c-2', 'yesterday-ish') },
    { ...event('b-day', 'c-2', '2026-12-04T00:00:01Z') },
    { ...event('b-sev', 'c-2', '2026-12-03T08:00:00Z'), severity: 'LOUD' },
    { ...event('b-attr', 'c-2', '2026-12-03T08:00:00Z'), attributes: [1, 2] },
    { ...event('b-cust', '', '2026-12-03T08:00:00Z') },
  ];

  test('adds valid rows once, quarantines the others with their reason, counts everything', async () => {
    await dropParquet(DAY, 'a.parquet', [event('e-1', 'c-1', '2026-12-03 09:00:00'), event('e-2', 'c-1', '2026-12-03 09:30:00'), event('e-3', 'c-2', '2026-12-03 10:00:00')]);
    dropJsonLines(DAY, 'b.jsonl', [
      // e-2 again (also in a.parquet): stored once.
      { ...event('e-2', 'c-1', '2026-12-03T09:30:00Z') },
      // An offset is converted to UTC; attributes may be an object or a string holding one.
      { ...event('e-4', 'c-2', '2026-12-03T12:00:00+02:00'), attributes: { ip: '203.0.113.1', n: 2 } },
      { ...event('e-5', 'c-3', '2026-12-03 23:59:59.999'), attributes: '{"k":"v"}' },
      '',
      ...bad,
    ]);
    dropJsonLines(DAY, 'c.jsonl.gz', [{ ...event('e-6', 'c-3', '2026-12-03T13:00:00Z') }, { ...event('e-6', 'c-3', '2026-12-03T13:00:00Z') }]);
    const files = await landingFiles(DAY);
    expect(files.map((f) => f.format)).toEqual(['parquet', 'jsonl', 'jsonl.gz']);

    const load = await stores.lake.loadDay(DAY, files, noErasure);
    expect(load).toMatchObject({ landingRows: 3 + 3 + bad.length + 2, added: 6, duplicates: 2, quarantined: bad.length, erased: 0, lakeRows: 6, newestEventAt: '2026-12-03T23:59:59.999Z' });
    expect(load.quarantineReasons).toEqual({
      'not a JSON object': 2,
      'missing event_id': 1,
      'bad occurred_at': 1,
      'occurred_at outside the partition day': 1,
      'bad severity': 1,
      'bad attributes': 1,
      'missing customer_id': 1,
    });
    expect(load.filesWritten).toBeGreaterThan(0);
    expect(load.bytesWritten).toBeGreaterThan(0);
    expect(await lakeIds(DAY)).toEqual(['e-1', 'e-2', 'e-3', 'e-4', 'e-5', 'e-6']);

    const { rows } = await athenaEngine.query({
      label: 'test.normalized',
      sql: sql`SELECT event_id, occurred_at, attributes FROM "lake"."events" WHERE day = ${p.date(DAY)} AND event_id IN ('e-4', 'e-5') ORDER BY event_id`,
    });
    expect(rows).toEqual([
      { event_id: 'e-4', occurred_at: '2026-12-03T10:00:00.000Z', attributes: '{"ip":"203.0.113.1","n":2}' },
      { event_id: 'e-5', occurred_at: '2026-12-03T23:59:59.999Z', attributes: '{"k":"v"}' },
    ]);

    const quarantined = await quarantineRows(DAY);
    expect(quarantined).toHaveLength(bad.length);
    expect(new Set(quarantined.map((q) => q.file))).toEqual(new Set(['s3://lake-bucket/landing/events_jsonl/day=2026-12-03/b.jsonl']));
    expect(quarantined.find((q) => q.line === 'not json at all')).toMatchObject({ reason: 'not a JSON object', event_id: null });
    expect(quarantined.find((q) => q.event_id === 'b-day')).toMatchObject({ reason: 'occurred_at outside the partition day' });
  });

  test('the same files again: nothing added, the quarantine not doubled', async () => {
    const files = await landingFiles(DAY);
    const again = await stores.lake.loadDay(DAY, files, noErasure);
    expect(again).toMatchObject({ added: 0, duplicates: 8, quarantined: bad.length, lakeRows: 6, filesWritten: 0 });
    expect(await quarantineRows(DAY)).toHaveLength(bad.length);
    expect(await lakeIds(DAY)).toEqual(['e-1', 'e-2', 'e-3', 'e-4', 'e-5', 'e-6']);
  });

  test('only the files given are read ("$path"): a file landing meanwhile waits for the next load', async () => {
    dropJsonLines(DAY, 'd.jsonl', [{ ...event('e-7', 'c-1', '2026-12-03T14:00:00Z') }]);
    const taken = (await landingFiles(DAY)).filter((f) => f.name.endsWith('c.jsonl.gz'));
    dropJsonLines(DAY, 'e.jsonl', [{ ...event('e-8', 'c-1', '2026-12-03T15:00:00Z') }]);
    const load = await stores.lake.loadDay(DAY, taken, noErasure);
    expect(load).toMatchObject({ landingRows: 2, added: 0, duplicates: 2 });
    expect(await lakeIds(DAY)).not.toContain('e-7');
    const merge = startQueries().filter((q) => q.startsWith('MERGE INTO')).pop()!;
    expect(merge).toContain(`"$path" IN ('s3://lake-bucket/landing/events_jsonl/day=2026-12-03/c.jsonl.gz')`);
    expect(merge).not.toContain('events_landing" WHERE'); // no Parquet file taken: the Parquet table is not read
  });

  test("an erased customer's rows are neither loaded nor quarantined", async () => {
    dropJsonLines(DAY, 'f.jsonl', [
      { ...event('g-1', 'c-gone', '2026-12-03T16:00:00Z') },
      { ...event('g-2', 'c-gone', 'not a time') },
      { ...event('g-3', 'c-4', '2026-12-03T16:00:00Z') },
    ]);
    const files = (await landingFiles(DAY)).filter((f) => f.name.endsWith('/f.jsonl'));
    const asked: string[][] = [];
    const load = await stores.lake.loadDay(DAY, files, { erasedSubjects: async (ids) => (asked.push([...ids].sort()), new Set(ids.filter((id) => id === 'c-gone'))) });
    expect(asked).toEqual([['c-4', 'c-gone']]);
    expect(load).toMatchObject({ landingRows: 3, erased: 2, added: 1, quarantined: 0, duplicates: 0 });
    expect(await lakeIds(DAY)).toContain('g-3');
    expect(await lakeIds(DAY)).not.toContain('g-1');
    expect((await quarantineRows(DAY)).some((q) => q.customer_id === 'c-gone')).toBe(false);
  });

  test('dayRows counts the Iceberg table per day', async () => {
    expect(await stores.lake.dayRows({ from: '2026-11-30', to: '2026-12-05' })).toEqual(new Map([[DAY, 7]]));
  });
});

describe('Redshift warehouse step', () => {
  const batches = () => redshift.server.callsOf('BatchExecuteStatement').map((c) => c.input.Sqls as string[]);

  test('replaces the day from the lake in one batch (DELETE + COPY); twice counts once', async () => {
    const first = await stores.warehouse.loadDay(DAY);
    const second = await stores.warehouse.loadDay(DAY);
    expect(first).toEqual(second);
    expect(first.events).toBe(7);
    expect(await stores.warehouse.dayRows({ from: '2026-11-30', to: '2026-12-05' })).toEqual(await stores.lake.dayRows({ from: '2026-11-30', to: '2026-12-05' }));

    const { rows } = await redshiftEngine.query({
      label: 'test.dailyCounts',
      sql: sql`SELECT customer_id, event_type, total_events FROM "warehouse"."daily_event_counts" WHERE day = ${p.date(DAY)} ORDER BY customer_id`,
    });
    expect(rows).toEqual([
      { customer_id: 'c-1', event_type: 'login', total_events: 2 },
      { customer_id: 'c-2', event_type: 'login', total_events: 2 },
      { customer_id: 'c-3', event_type: 'login', total_events: 2 },
      { customer_id: 'c-4', event_type: 'login', total_events: 1 },
    ]);

    const sent = batches().slice(-2);
    const unloads = startQueries().filter((q) => q.startsWith('UNLOAD'));
    expect(unloads).toHaveLength(2);
    const prefixes = unloads.map((q) => /TO '([^']+)'/.exec(q)![1]!);
    expect(prefixes[0]).not.toBe(prefixes[1]); // UNLOAD needs an empty prefix: a fresh one per run
    expect(prefixes[0]).toMatch(/^s3:\/\/export-bucket\/lakegate\/exports\/daily_event_counts\/day=2026-12-03\/\d{8}T\d{9}Z-[0-9a-f]{8}\/$/);
    expect(unloads[0]).toMatch(/WITH \(format = 'PARQUET', compression = 'SNAPPY'\)$/);
    expect(sent).toEqual(
      prefixes.map((prefix) => [
        `DELETE FROM "warehouse"."daily_event_counts" WHERE day = '2026-12-03'`,
        `COPY "warehouse"."daily_event_counts" FROM '${prefix}' IAM_ROLE 'arn:aws:iam::123456789012:role/lakegate-copy' FORMAT AS PARQUET`,
      ]),
    );
    // DescribeStatement answered with the sub-statements, as the Data API does.
    const batch = [...redshift.statements.values()].filter((s) => s.subStatements).pop()!;
    expect(batch.subStatements!.map((s) => [s.id, s.status])).toEqual([
      [`${batch.id}:1`, 'FINISHED'],
      [`${batch.id}:2`, 'FINISHED'],
    ]);
  });

  test('a day without events: the batch is the DELETE alone, the day empties', async () => {
    const empty = await stores.warehouse.loadDay('2026-12-05');
    expect(empty).toEqual({ rows: 0, events: 0 });
    expect(batches().pop()).toEqual([`DELETE FROM "warehouse"."daily_event_counts" WHERE day = '2026-12-05'`]);
  });

  test('a batch whose COPY fails rolls its DELETE back (one transaction)', async () => {
    const before = await stores.warehouse.dayRows({ from: DAY, to: DAY });
    const missing = 's3://export-bucket/lakegate/exports/daily_event_counts/day=2026-12-03/never-unloaded/';
    await expect(
      redshiftEngine.batch({
        label: 'test.failingBatch',
        statements: [
          sql`DELETE FROM "warehouse"."daily_event_counts" WHERE day = '2026-12-03'`,
          sql`COPY "warehouse"."daily_event_counts" FROM ${raw(`'${missing}'`)} IAM_ROLE 'arn:aws:iam::123456789012:role/lakegate-copy' FORMAT AS PARQUET`,
        ],
      }),
    ).rejects.toMatchObject({ code: 'BACKEND_QUERY_FAILED' });
    expect(await stores.warehouse.dayRows({ from: DAY, to: DAY })).toEqual(before);
    const batch = [...redshift.statements.values()].filter((s) => s.subStatements).pop()!;
    expect(batch.status).toBe('FAILED');
    expect(batch.subStatements!.map((s) => s.status)).toEqual(['FINISHED', 'FAILED']);
    expect(batch.subStatements![1]!.error).toMatch(/prefix .* does not exist/);
  });

  test('a batch refuses parameters: BatchExecuteStatement takes none', async () => {
    await expect(redshiftEngine.batch({ label: 'test.params', statements: [sql`DELETE FROM "warehouse"."daily_event_counts" WHERE day = ${p.date(DAY)}`] })).rejects.toThrow(/takes no parameters/);
  });
});

test('every Athena statement the stores sent was accepted and succeeded', () => {
  const executions = [...athena.executions.values()];
  const failed = executions.filter((e) => e.state !== 'SUCCEEDED').map((e) => `${e.reason}: ${e.query.slice(0, 200)}`);
  expect(failed).toEqual([]);
  const kinds = new Set(executions.map((e) => /^\s*(\w+)/.exec(e.query)![1]!.toUpperCase()));
  expect([...kinds].sort()).toEqual(expect.arrayContaining(['CREATE', 'DELETE', 'INSERT', 'MERGE', 'UNLOAD', 'WITH']));
});
