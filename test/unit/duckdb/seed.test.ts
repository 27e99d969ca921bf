import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbDatabase } from '../../../src/adapters/duckdb/database';
import { DuckDbEngine } from '../../../src/adapters/duckdb/engine';
import { DuckDbLake } from '../../../src/adapters/duckdb/lake';
import { eventsDir } from '../../../src/adapters/duckdb/layout';
import { readDataManifest, readSeedManifest, updateDataManifest } from '../../../src/adapters/duckdb/manifest';
import type { StoredDecision } from '../../../src/ports/decision-store';
import { sql } from '../../../src/ports/sql';
import { decisionBodyHash } from '../../../src/services/decisions/decision-hash';
import { SEVERITIES } from '../../../src/seed/events';
import { createSeedProgressReporter } from '../../../src/seed/progress';
import { ensureSeeded, isSeeded, seedEmbedded } from '../../../src/seed/seed-embedded';
import type { SeedOptions, SeedProgressEvent } from '../../../src/seed/options';
import { customerBucket } from '../../../src/util/hash';
import { CollectingDecisionStore } from '../../helpers/duckdb-fixture';

const SMALL = { events: 20_000, days: 30, customers: 200, decisions: 300, randomSeed: 11, buckets: 16, endDay: '2026-01-31', duckdb: { threads: 2, memoryLimit: '1GB' } };
/** For the tests that seed several times: 16 files each. */
const TINY = { events: 2_000, days: 4, customers: 30, decisions: 20, randomSeed: 5, buckets: 4 };

/** Everything a seed produced that must not depend on when or where it ran. */
async function fingerprint(dataDir: string): Promise<Record<string, unknown>> {
  const db = DuckDbDatabase.forDataDir(dataDir);
  const engine = new DuckDbEngine(db);
  const lake = new DuckDbLake(engine, { dataDir, buckets: 1 });
  try {
    const scan = await lake.scanEvents({ from: '2000-01-01', to: '2100-01-01' });
    const q = async (text: ReturnType<typeof sql>) => (await engine.query({ label: 'test.fingerprint', sql: text })).rows;
    return {
      lake: await q(sql`SELECT COUNT(*) AS n, SUM(hash(event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes) % 1000000007) AS h FROM ${scan.relation}`),
      daily: await q(sql`SELECT COUNT(*) AS n, SUM(hash(day, customer_id, customer_type, event_type, total_events) % 1000000007) AS h FROM warehouse.daily_event_counts`),
      customers: await q(sql`SELECT COUNT(*) AS n, SUM(hash(customer_id, customer_type, country, name, email, created_at) % 1000000007) AS h FROM warehouse.customers`),
      runs: await q(sql`SELECT COUNT(*) AS n, SUM(hash(run_id, state, started_on, completed_on, execution_time_seconds, number_of_workers, dpu_seconds) % 1000000007) AS h FROM ops.glue_job_runs`),
      files: (await lake.partitions()).map((part) => [part.day, part.files]),
    };
  } finally {
    await db.close();
  }
}

describe('seedEmbedded (small scale)', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-seed-'));
    dirs.push(dir);
    return dir;
  };
  let dataDir: string;
  let store: CollectingDecisionStore;
  let progress: SeedProgressEvent[];
  let result: Awaited<ReturnType<typeof seedEmbedded>>;
  let ports: { db: DuckDbDatabase; engine: DuckDbEngine; lake: DuckDbLake };

  const options = (dir: string, extra: Partial<SeedOptions> = {}): SeedOptions => ({ dataDir: dir, decisionStore: new CollectingDecisionStore().asStore(), ...SMALL, ...extra });

  beforeAll(async () => {
    dataDir = newDir();
    store = new CollectingDecisionStore();
    progress = [];
    result = await seedEmbedded({ ...options(dataDir), decisionStore: store.asStore(), onProgress: (e) => progress.push(e) });
    const db = DuckDbDatabase.forDataDir(dataDir);
    const engine = new DuckDbEngine(db);
    ports = { db, engine, lake: new DuckDbLake(engine, { dataDir, buckets: 16 }) };
  });
  afterAll(async () => {
    await ports?.db.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (text: ReturnType<typeof sql>) => (await ports.engine.query({ label: 'test.seed', sql: text })).rows;

  it('writes lakegate.json last with what was seeded', async () => {
    const manifest = (await readSeedManifest(dataDir))!;
    expect(manifest).toMatchObject({ version: 1, events: 20_000, customers: 200, decisions: 300, days: 30, startDay: '2026-01-02', endDay: '2026-01-31', buckets: 16, randomSeed: 11 });
    expect(manifest.jobs).toBeGreaterThanOrEqual(10);
    expect(manifest.files).toBe(30 * 16);
    expect(manifest.bytes).toBeGreaterThan(0);
    expect(result.manifest).toEqual(manifest);
    expect(Object.keys(result.timings)).toEqual(['prepare', 'customers', 'events', 'warehouse', 'jobRuns', 'catalog', 'decisions', 'finalize']);
    expect(readdirSync(dataDir).sort()).toEqual(['events', 'lakegate.json', 'warehouse.duckdb']);
  });

  it('reports progress per phase, in order, each finished once', () => {
    const finished = progress.filter((e) => e.finished).map((e) => e.phase);
    expect(finished).toEqual(['prepare', 'customers', 'events', 'warehouse', 'jobRuns', 'catalog', 'decisions', 'finalize']);
    const events = progress.filter((e) => e.phase === 'events' && !e.finished).map((e) => e.done);
    expect(events).toEqual([...events].sort((a, b) => a - b));
    expect(progress.find((e) => e.phase === 'events' && e.finished)!.done).toBe(20_000);
  });

  it('generates customers with ids, the four types, countries, names and emails', async () => {
    const [summary] = await rows(sql`SELECT COUNT(*) AS n, MIN(customer_id) AS lo, MAX(customer_id) AS hi, COUNT(DISTINCT customer_type) AS types,
      COUNT(DISTINCT country) AS countries, COUNT(*) FILTER (WHERE email LIKE '%@example.com' AND name LIKE '% %') AS named FROM warehouse.customers`);
    expect(summary).toEqual({ n: 200, lo: 'cus_000001', hi: 'cus_000200', types: 4, countries: expect.any(Number), named: 200 });
    expect(summary!.countries as number).toBeGreaterThan(5);
    const types = await rows(sql`SELECT DISTINCT customer_type FROM warehouse.customers ORDER BY 1`);
    expect(types.map((r) => r.customer_type)).toEqual(['Enterprise', 'Partner', 'Reseller', 'SMB']);
  });

  it('writes every event into the file of its day and customer bucket, sorted by customer_id, occurred_at', async () => {
    const scan = await ports.lake.scanEvents({ from: '2026-01-02', to: '2026-01-31' });
    const [check] = await rows(sql`WITH x AS (
        SELECT filename, day, customer_id, occurred_at, CAST(occurred_at AS DATE) AS occurred_day,
               lag(customer_id) OVER w AS prev_customer, lag(occurred_at) OVER w AS prev_at
        FROM read_parquet(${{ kind: 'raw', text: `'${eventsDir(dataDir)}/*/*.parquet'` }}, filename = true, file_row_number = true, hive_partitioning = true)
        WINDOW w AS (PARTITION BY filename ORDER BY file_row_number))
      SELECT COUNT(*) AS n,
             COUNT(*) FILTER (WHERE prev_customer > customer_id OR (prev_customer = customer_id AND prev_at > occurred_at)) AS unsorted,
             COUNT(*) FILTER (WHERE CAST(occurred_day AS VARCHAR) <> CAST(day AS VARCHAR)) AS wrong_day
      FROM x`);
    expect(check).toEqual({ n: 20_000, unsorted: 0, wrong_day: 0 });
    const placement = await rows(sql`SELECT DISTINCT customer_id, CAST(regexp_extract(filename, 'bucket-(\\d+)', 1) AS INTEGER) AS bucket
      FROM read_parquet(${{ kind: 'raw', text: `'${eventsDir(dataDir)}/*/*.parquet'` }}, filename = true)`);
    expect(placement.length).toBeGreaterThan(100);
    for (const r of placement) expect(r.bucket).toBe(customerBucket(String(r.customer_id), 16));
    const [counts] = await rows(sql`SELECT COUNT(*) AS n, COUNT(DISTINCT event_type) AS types, COUNT(DISTINCT severity) AS severities, COUNT(DISTINCT source) AS sources,
      COUNT(DISTINCT region) AS regions, COUNT(DISTINCT event_id) AS ids, COUNT(*) FILTER (WHERE json_valid(attributes)) AS json FROM ${scan.relation}`);
    expect(counts).toEqual({ n: 20_000, types: 8, severities: SEVERITIES.length, sources: 5, regions: 5, ids: 20_000, json: 20_000 });
  });

  it('makes customer activity skewed', async () => {
    const [skew] = await rows(sql`WITH per AS (SELECT customer_id, SUM(total_events) AS n FROM warehouse.daily_event_counts GROUP BY 1)
      SELECT MAX(n) AS top, CAST(MEDIAN(n) AS DOUBLE) AS median FROM per`);
    expect(Number(skew!.top)).toBeGreaterThan(5 * Number(skew!.median));
  });

  it('gives the same counts from the lake and from the warehouse, per day and in the weekly view', async () => {
    const scan = await ports.lake.scanEvents({ from: '2026-01-02', to: '2026-01-31' });
    const fromLake = await rows(sql`SELECT day, customer_type, event_type, COUNT(*) AS total FROM ${scan.relation} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
    const fromWarehouse = await rows(sql`SELECT day, customer_type, event_type, CAST(SUM(total_events) AS BIGINT) AS total FROM warehouse.daily_event_counts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
    expect(fromWarehouse).toEqual(fromLake);
    const weeklyLake = await rows(sql`SELECT CAST(date_trunc('week', day) AS DATE) AS w, customer_type, event_type, COUNT(*) AS total FROM ${scan.relation}
      WHERE customer_type NOT IN ('Reseller') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
    const weeklyView = await rows(sql`SELECT first_day_of_week AS w, customer_type, event_type, total_events AS total FROM warehouse.weekly_event_counts ORDER BY 1, 2, 3`);
    expect(weeklyView).toEqual(weeklyLake);
    expect(weeklyView.every((r) => new Date(`${String(r.w)}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
  });

  it('seeds Glue job runs inside the period, with failures, retries and threshold breaches', async () => {
    const [runs] = await rows(sql`SELECT COUNT(*) AS n, COUNT(DISTINCT job_name) AS jobs, MIN(started_on) AS first, MAX(started_on) AS last,
      COUNT(*) FILTER (WHERE state = 'FAILED') AS failed, COUNT(*) FILTER (WHERE attempt > 0) AS retries,
      COUNT(*) FILTER (WHERE number_of_workers > 10) AS big FROM ops.glue_job_runs`);
    expect(Number(runs!.n)).toBeGreaterThan(100);
    expect(runs!.jobs).toBeGreaterThanOrEqual(10);
    expect(String(runs!.first) >= '2026-01-02').toBe(true);
    expect(String(runs!.last) < '2026-02-01').toBe(true);
    expect(Number(runs!.big)).toBeGreaterThan(0);
    expect(Number(runs!.failed) + Number(runs!.retries)).toBeGreaterThan(0);
  });

  it('writes 1-3 decisions per transaction through the DecisionStore, with valid body hashes', () => {
    const decisions: StoredDecision[] = store.decisions;
    expect(decisions).toHaveLength(300);
    expect(new Set(decisions.map((d) => d.id)).size).toBe(300);
    const perTxn = new Map<string, StoredDecision[]>();
    for (const d of decisions) perTxn.set(d.transactionId, [...(perTxn.get(d.transactionId) ?? []), d]);
    expect([...perTxn.values()].every((list) => list.length >= 1 && list.length <= 3)).toBe(true);
    expect(new Set([...perTxn.values()].map((l) => l.length))).toEqual(new Set([1, 2, 3]));
    for (const d of decisions) {
      expect(d.bodyHash).toBe(decisionBodyHash(d));
      expect(d.schemaVersion).toBe(1);
      expect(d.riskScore).toBeGreaterThanOrEqual(0);
      expect(d.riskScore).toBeLessThanOrEqual(1);
      expect(d.amount.value).toMatch(d.amount.currency === 'JPY' ? /^\d+$/ : /^\d+\.\d{2}$/);
      expect(['EUR', 'USD', 'GBP', 'SEK', 'JPY']).toContain(d.amount.currency);
      expect(d.decidedAt >= '2026-01-02T00:00:00.000Z' && d.decidedAt < '2026-02-01T00:00:00.000Z').toBe(true);
      expect(d.recordedAt > d.decidedAt).toBe(true);
      expect(d.customerId).toMatch(/^cus_000(0\d\d|1\d\d|200)$/);
      expect(d.checks.length).toBe(3);
    }
    expect(new Set(decisions.map((d) => d.kind))).toEqual(new Set(['CREDIT', 'FRAUD', 'AML']));
    expect(new Set(decisions.map((d) => d.outcome))).toEqual(new Set(['APPROVED', 'REJECTED', 'REFERRED']));
  });

  it('is deterministic: the same seed gives the same data, another seed other data', async () => {
    const [a, b, c] = [newDir(), newDir(), newDir()];
    const [storeA, storeB] = [new CollectingDecisionStore(), new CollectingDecisionStore()];
    await seedEmbedded({ ...options(a, TINY), decisionStore: storeA.asStore() });
    await seedEmbedded({ ...options(b, TINY), decisionStore: storeB.asStore() });
    await seedEmbedded(options(c, { ...TINY, randomSeed: 6 }));
    const fpA = await fingerprint(a);
    expect(await fingerprint(b)).toEqual(fpA);
    const fpC = await fingerprint(c);
    expect(fpC).not.toEqual(fpA);
    expect(fpC.lake).not.toEqual(fpA.lake);
    expect(storeB.decisions).toEqual(storeA.decisions);
    expect((await readSeedManifest(a))!.files).toBe(16);
  });

  it('replaces a previous seed completely and keeps foreign manifest keys', async () => {
    const dir = newDir();
    await seedEmbedded(options(dir, TINY));
    await updateDataManifest(dir, (m) => ({ ...m, subjectHashKeyDev: 'kept' }));
    await seedEmbedded(options(dir, { ...TINY, days: 3, events: 500, endDay: '2026-03-31' }));
    expect(readdirSync(eventsDir(dir)).sort()).toEqual(['day=2026-03-29', 'day=2026-03-30', 'day=2026-03-31']);
    const manifest = await readDataManifest(dir);
    expect(manifest).toMatchObject({ subjectHashKeyDev: 'kept', seed: { events: 500, days: 3 } });
    const fp = await fingerprint(dir);
    expect(fp.lake).toEqual([{ n: 500, h: expect.any(Number) }]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.seed-'))).toEqual([]);
  });

  it('detects a half-seeded directory and seeds it again', async () => {
    const dir = newDir();
    const failing = new CollectingDecisionStore().asStore();
    failing.putMany = async () => {
      throw new Error('decision store down');
    };
    await expect(seedEmbedded(options(dir, { ...TINY, decisionStore: failing }))).rejects.toThrow('decision store down');
    expect(await isSeeded(dir)).toBeNull();
    expect(readdirSync(dir).filter((n) => n.startsWith('.seed-'))).toEqual([]);
    const first = await ensureSeeded(options(dir, TINY));
    expect(first.seeded).toBe(true);
    const second = await ensureSeeded(options(dir, TINY));
    expect(second).toEqual({ seeded: false, manifest: first.manifest });
    // A seed section removed (as if the last write never happened): seeded again.
    await updateDataManifest(dir, ({ seed: _seed, ...rest }) => rest);
    expect((await ensureSeeded(options(dir, TINY))).seeded).toBe(true);
    expect(existsSync(path.join(dir, 'warehouse.duckdb'))).toBe(true);
  });

  it('refuses out-of-range options with a message naming them', async () => {
    await expect(seedEmbedded(options(newDir(), { events: 50_000_001 }))).rejects.toThrow(/events must be an integer in \[0, 50000000\]/);
    await expect(seedEmbedded(options(newDir(), { endDay: '2026-02-30' }))).rejects.toThrow(/endDay/);
  });
});

describe('seed progress reporter', () => {
  const sink = () => {
    const chunks: string[] = [];
    const stream = { write: (s: string) => (chunks.push(s), true), isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream } as unknown as NodeJS.WriteStream;
    return { stream, text: () => chunks.join('') };
  };
  const events: SeedProgressEvent[] = [
    { phase: 'events', done: 0, total: 100, unit: 'events', finished: false, ms: 0 },
    { phase: 'events', done: 30, total: 100, unit: 'events', finished: false, ms: 10 },
    { phase: 'events', done: 55, total: 100, unit: 'events', finished: false, ms: 20 },
    { phase: 'events', done: 60, total: 100, unit: 'events', finished: false, ms: 30 },
    { phase: 'events', done: 100, total: 100, unit: 'events', finished: true, ms: 1500 },
  ];

  it('prints a line per quarter and when a phase is done, without a terminal', () => {
    const { stream, text } = sink();
    const reporter = createSeedProgressReporter(stream, false);
    events.forEach(reporter.onProgress);
    reporter.stop();
    expect(text().trim().split('\n')).toEqual(['seed: events 25% (30/100 events)', 'seed: events 50% (55/100 events)', 'seed: events done (100 events) in 1.5 s']);
  });

  it('draws a bar on a terminal', () => {
    const { stream, text } = sink();
    const reporter = createSeedProgressReporter(stream, true);
    events.forEach(reporter.onProgress);
    reporter.stop();
    expect(text()).toContain('events');
    expect(text()).toContain('100%');
  });
});
