import { GlueCatalog } from '../../../src/adapters/glue/glue-catalog';
import { GlueJobRuns } from '../../../src/adapters/glue/glue-job-runs';
import type { Catalog, CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord } from '../../../src/ports/catalog';
import type { GlueJobRecord, GlueJobRunRecord } from '../../../src/ports/job-runs';
import { glueContentFromPorts, glueContentFromRecords } from '../../emulators/glue-content';
import { CATALOG_A, CATALOG_B, glueCatalogFixture, glueJobsFixture } from '../../emulators/glue-fixtures';
import { startGlueHarness, type GlueHarness } from './glue-harness';

/**
 * The loader writes port records into the emulator the way Glue writers store
 * them; the Glue adapters must read back exactly the same records. This is what
 * lets the AWS mode serve the embedded mode's catalog and job runs unchanged.
 */
const CATALOG = '000000000000';
const t0 = '2026-01-31T10:00:00.000Z';

const databases: CatalogDatabaseRecord[] = [
  { catalogId: CATALOG, name: 'lake', description: 'Events by day', locationUri: '/data/events', createTime: t0 },
  { catalogId: CATALOG, name: 'warehouse', description: null, locationUri: null, createTime: null },
];

function table(name: string, overrides: Partial<CatalogTableRecord>): CatalogTableRecord {
  return {
    catalogId: CATALOG,
    database: 'warehouse',
    name,
    description: null,
    tableType: 'MANAGED_TABLE',
    format: null,
    location: null,
    owner: null,
    createTime: null,
    updateTime: null,
    columns: [{ name: 'customer_id', type: 'varchar', comment: 'the customer' }],
    partitionKeys: [],
    parameters: {},
    viewText: null,
    ...overrides,
  };
}

const tables: CatalogTableRecord[] = [
  table('events', {
    database: 'lake',
    tableType: 'EXTERNAL_TABLE',
    format: 'parquet',
    location: '/data/events',
    owner: 'lakegate',
    createTime: t0,
    updateTime: '2026-02-01T00:00:00.123Z',
    description: 'Customer and security events',
    partitionKeys: [{ name: 'day', type: 'date', comment: null }],
    parameters: { buckets: '16' },
  }),
  ...(['hudi', 'iceberg', 'delta', 'json', 'csv', 'orc', 'avro'] as const).map((format) =>
    table(`t_${format}`, { database: 'lake', tableType: 'EXTERNAL_TABLE', format, location: `s3://b/${format}/` }),
  ),
  table('customers', { format: null }),
  table('weekly_event_counts', {
    tableType: 'VIRTUAL_VIEW',
    viewText: "SELECT date_trunc('week', day) AS first_day_of_week, count(*) AS total_events\nFROM warehouse.daily_event_counts GROUP BY 1",
    columns: [
      { name: 'first_day_of_week', type: 'date', comment: null },
      { name: 'total_events', type: 'bigint', comment: null },
    ],
    owner: 'analyst',
  }),
];

const partitions: CatalogPartitionRecord[] = ['2026-01-29', '2026-01-30', '2026-01-31'].map((day, i): CatalogPartitionRecord => ({
  values: [day],
  location: i === 1 ? null : `/data/events/day=${day}`,
  createTime: i === 2 ? null : `${day}T03:00:00.000Z`,
  parameters: i === 0 ? {} : { totalSize: String(1000 * i), numRows: String(10 * i), numFiles: '16' },
}));

const jobs: GlueJobRecord[] = [
  { name: 'a_job', workerType: 'G.2X', numberOfWorkers: 12, maxCapacity: null, timeoutMinutes: 600, tags: { remediate: 'false' } },
  { name: 'b_shell', workerType: null, numberOfWorkers: null, maxCapacity: 0.0625, timeoutMinutes: null, tags: {} },
];

const runs: GlueJobRunRecord[] = [
  {
    id: 'jr_2',
    jobName: 'a_job',
    attempt: 1,
    state: 'RUNNING',
    startedOn: '2026-01-31T09:00:00.250Z',
    completedOn: null,
    executionTimeSeconds: 0,
    workerType: 'G.2X',
    numberOfWorkers: 12,
    maxCapacity: 24,
    dpuSeconds: null,
    errorMessage: null,
  },
  {
    id: 'jr_1',
    jobName: 'a_job',
    attempt: 0,
    state: 'FAILED',
    startedOn: '2026-01-30T09:00:00.000Z',
    completedOn: '2026-01-30T17:30:00.000Z',
    executionTimeSeconds: 30600,
    workerType: 'G.2X',
    numberOfWorkers: 12,
    maxCapacity: 24,
    dpuSeconds: 734400,
    errorMessage: 'OutOfMemoryError',
  },
  {
    id: 'jr_s',
    jobName: 'b_shell',
    attempt: 0,
    state: 'SUCCEEDED',
    startedOn: '2026-01-29T00:00:00.000Z',
    completedOn: '2026-01-29T00:01:00.000Z',
    executionTimeSeconds: 60,
    workerType: null,
    numberOfWorkers: null,
    maxCapacity: 0.0625,
    dpuSeconds: null,
    errorMessage: null,
  },
];

const WINDOW = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-31T23:59:59.999Z' };
const now = () => new Date('2026-02-01T00:00:00.000Z');

async function snapshot(catalog: Catalog) {
  const out: { databases: CatalogDatabaseRecord[]; tables: CatalogTableRecord[]; partitions: Record<string, CatalogPartitionRecord[]> } = { databases: [], tables: [], partitions: {} };
  for (const catalogId of catalog.catalogIds()) {
    for (const db of await catalog.listDatabases(catalogId)) {
      out.databases.push(db);
      const page = await catalog.listTables(catalogId, db.name, { limit: 500 });
      out.tables.push(...page.items);
      for (const t of page.items) {
        out.partitions[`${catalogId}/${db.name}/${t.name}`] = (await catalog.listPartitions(catalogId, db.name, t.name, { limit: 500 })).items;
      }
    }
  }
  return out;
}

describe('Glue emulator content from port records', () => {
  let h: GlueHarness;

  beforeAll(async () => {
    const content = glueContentFromRecords(
      { databases, tables, partitions: [{ catalogId: CATALOG, database: 'lake', table: 'events', partitions }], jobs, runs },
      { pageSize: 2, accountId: CATALOG },
    );
    h = await startGlueHarness(content);
  });
  afterAll(() => h.close());

  test('the Glue catalog adapter reads back exactly the records loaded', async () => {
    const catalog = new GlueCatalog({ client: h.client, catalogIds: [CATALOG], pageSize: 3, cacheTtlMs: 0 });
    const got = await snapshot(catalog);
    expect(got.databases).toEqual(databases);
    const byName = (a: CatalogTableRecord, b: CatalogTableRecord) => a.database.localeCompare(b.database) || (a.name < b.name ? -1 : 1);
    expect([...got.tables].sort(byName)).toEqual([...tables].sort(byName));
    expect(got.partitions[`${CATALOG}/lake/events`]).toEqual(partitions);
    // The view went through Athena's Presto View blob.
    const stored = h.emulator.content.catalogs[CATALOG]!.tables.find((t) => t.Name === 'weekly_event_counts')!;
    expect(stored.ViewOriginalText).toMatch(/^\/\* Presto View: /);
  });

  test('the Glue job-runs adapter reads back exactly the jobs and runs loaded', async () => {
    const jobRuns = new GlueJobRuns({ client: h.client, accountId: CATALOG, cacheTtlMs: 0, now });
    expect(await jobRuns.listJobs()).toEqual(jobs);
    expect(await jobRuns.listRuns(WINDOW)).toEqual(runs);
  });
});

describe('Glue emulator content from another adapter pair', () => {
  test('a second emulator loaded from the first serves identical answers', async () => {
    const first = await startGlueHarness({ ...glueCatalogFixture(), ...glueJobsFixture() });
    let second: GlueHarness | undefined;
    try {
      const fixedNow = () => new Date('2026-01-11T00:00:00.000Z');
      const window = { from: '2025-12-01T00:00:00.000Z', to: '2026-01-11T00:00:00.000Z' };
      const catalogA = new GlueCatalog({ client: first.client, catalogIds: [CATALOG_A, CATALOG_B], cacheTtlMs: 0 });
      const jobsA = new GlueJobRuns({ client: first.client, accountId: CATALOG_A, cacheTtlMs: 0, now: fixedNow });
      const content = await glueContentFromPorts(catalogA, jobsA, window, { pageSize: 3, accountId: CATALOG_A });
      second = await startGlueHarness(content);
      const catalogB = new GlueCatalog({ client: second.client, catalogIds: [CATALOG_A, CATALOG_B], cacheTtlMs: 0 });
      const jobsB = new GlueJobRuns({ client: second.client, accountId: CATALOG_A, cacheTtlMs: 0, now: fixedNow });
      const a = await snapshot(catalogA);
      expect(a.tables.length).toBeGreaterThan(10);
      expect(await snapshot(catalogB)).toEqual(a);
      // Jobs known to the port round-trip; the unknown worker type (G.12X) is null in both.
      const jobsOfA = await jobsA.listJobs();
      expect(await jobsB.listJobs()).toEqual(jobsOfA);
      expect(await jobsB.listRuns(window)).toEqual(await jobsA.listRuns(window));
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
