import { DuckDbWarehouse } from '../../../src/adapters/duckdb/warehouse';
import { sql } from '../../../src/ports/sql';
import { generateJobRuns, JOB_SPECS } from '../../../src/seed/job-runs';
import { addDays } from '../../../src/util/days';
import { cleanupDuckDbFixtures, duckDbFixture, openEmbeddedSql, type DuckDbFixture, type EmbeddedSql } from '../../helpers/duckdb-fixture';

describe('EmbeddedJobRuns', () => {
  let fixture: DuckDbFixture;
  let ports: EmbeddedSql;

  beforeAll(async () => {
    fixture = await duckDbFixture();
    ports = openEmbeddedSql(fixture.dataDir);
  });
  afterAll(async () => {
    await ports.close();
    await cleanupDuckDbFixtures();
  });

  it('lists the seeded jobs with worker settings and tags', async () => {
    const jobs = await ports.jobRuns.listJobs();
    expect(jobs.map((j) => j.name)).toEqual(JOB_SPECS.map((j) => j.name).sort());
    const copy = jobs.find((j) => j.name === 'warehouse-copy-events')!;
    expect(copy).toMatchObject({ workerType: 'G.2X', numberOfWorkers: 20, timeoutMinutes: 180, tags: { remediate: 'false' } });
    const legacy = jobs.find((j) => j.name === 'legacy-etl-nightly')!;
    expect(legacy).toMatchObject({ workerType: 'Standard', numberOfWorkers: null, maxCapacity: 10 });
  });

  it('lists the runs started inside a window, newest first, optionally for some jobs', async () => {
    const from = `${addDays(fixture.seed.endDay, -6)}T00:00:00.000Z`;
    const to = `${fixture.seed.endDay}T23:59:59.999Z`;
    const runs = await ports.jobRuns.listRuns({ from, to });
    expect(runs.length).toBeGreaterThan(20);
    expect(runs.every((r) => r.startedOn >= from && r.startedOn <= to)).toBe(true);
    expect(runs.map((r) => r.startedOn)).toEqual([...runs.map((r) => r.startedOn)].sort().reverse());
    const expected = generateJobRuns(fixture.seed.startDay, fixture.seed.endDay, fixture.seed.randomSeed).filter((r) => r.startedOn >= from && r.startedOn <= to);
    expect(new Set(runs.map((r) => r.id))).toEqual(new Set(expected.map((r) => r.id)));
    const one = runs.find((r) => r.id === expected[0]!.id)!;
    expect(one).toEqual(expected[0]);

    const some = await ports.jobRuns.listRuns({ from, to, jobNames: ['customers-dim-load', "x' OR '1'='1"] });
    expect(some.length).toBe(7);
    expect(some.every((r) => r.jobName === 'customers-dim-load')).toBe(true);
    expect(await ports.jobRuns.listRuns({ from, to, jobNames: [] })).toEqual([]);
  });

  it('names the warehouse tables of the warehouse schema', async () => {
    const warehouse = new DuckDbWarehouse(ports.engine);
    const { rows } = await ports.engine.query({ label: 'test.warehouse', sql: sql`SELECT COUNT(*) AS n FROM ${warehouse.table('customers')}` });
    expect(rows[0]!.n).toBe(fixture.seed.customers);
    const daily = await ports.engine.query({ label: 'test.warehouse', sql: sql`SELECT CAST(SUM(total_events) AS BIGINT) AS n FROM ${warehouse.table('daily_event_counts')}` });
    expect(daily.rows[0]!.n).toBe(fixture.seed.events);
  });
});

describe('generateJobRuns (demo defaults: 180 days)', () => {
  const runs = generateJobRuns('2025-08-05', '2026-01-31', 42);

  it('covers at least 500 runs over at least 10 jobs and every worker type', () => {
    expect(runs.length).toBeGreaterThanOrEqual(500);
    expect(new Set(runs.map((r) => r.jobName)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(runs.map((r) => r.workerType))).toEqual(new Set(['G.1X', 'G.2X', 'G.4X', 'G.8X', 'Z.2X', 'G.025X', 'Standard']));
  });

  it('has failures, timeouts, stops, retries and runs over the thresholds', () => {
    const count = (f: (r: (typeof runs)[number]) => boolean) => runs.filter(f).length;
    expect(count((r) => r.state === 'FAILED')).toBeGreaterThan(10);
    expect(count((r) => r.state === 'TIMEOUT')).toBeGreaterThan(3);
    expect(count((r) => r.state === 'STOPPED')).toBeGreaterThan(3);
    expect(count((r) => r.attempt > 0)).toBeGreaterThan(5);
    expect(count((r) => (r.numberOfWorkers ?? 0) > 10)).toBeGreaterThan(100);
    expect(count((r) => r.executionTimeSeconds > 480 * 60)).toBeGreaterThan(3);
    expect(count((r) => r.dpuSeconds !== null)).toBeGreaterThan(100);
    expect(JOB_SPECS.filter((j) => j.tags.remediate === 'false').length).toBeGreaterThanOrEqual(2);
  });

  it('keeps every run consistent: ends after it starts, inside the period, unique ids', () => {
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    for (const r of runs) {
      expect(r.id).toMatch(/^jr_[0-9a-f]{64}$/);
      expect(r.startedOn >= '2025-08-05T00:00:00.000Z').toBe(true);
      if (r.completedOn === null) {
        expect(r.state).toBe('RUNNING');
      } else {
        expect(Date.parse(r.completedOn)).toBeGreaterThanOrEqual(Date.parse(r.startedOn) + r.executionTimeSeconds * 1000);
        expect(r.completedOn < '2026-02-01T00:00:00.000Z').toBe(true);
      }
      if (r.state === 'FAILED' || r.state === 'TIMEOUT') expect(r.errorMessage).toBeTruthy();
    }
    // Retries follow a failed attempt of the same schedule slot.
    for (const retry of runs.filter((r) => r.attempt > 0)) {
      const before = runs.filter((r) => r.jobName === retry.jobName && r.startedOn < retry.startedOn).pop()!;
      expect(before.state).toBe('FAILED');
      expect(before.attempt).toBe(retry.attempt - 1);
    }
  });

  it('is deterministic from the seed', () => {
    expect(generateJobRuns('2025-08-05', '2026-01-31', 42)).toEqual(runs);
    expect(generateJobRuns('2025-08-05', '2026-01-31', 43)).not.toEqual(runs);
  });
});
