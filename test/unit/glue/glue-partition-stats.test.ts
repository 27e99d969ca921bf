import { GluePartitionStats } from '../../../src/adapters/glue/glue-partition-stats';
import { isAppError } from '../../../src/errors/app-error';
import { newQueryScope, runInQueryScope } from '../../../src/observability/query-accounting';
import { CATALOG_A, glueCatalogFixture } from '../../emulators/glue-fixtures';
import type { GluePartitionSeed } from '../../emulators/glue-model';
import { startGlueHarness, type GlueHarness } from './glue-harness';

describe('GluePartitionStats', () => {
  let h: GlueHarness;

  beforeAll(async () => {
    const content = glueCatalogFixture();
    const lake = content.catalogs[CATALOG_A]!;
    // A table partitioned by day and bucket: a day's size is the sum of its buckets.
    lake.tables.push({
      DatabaseName: 'lake',
      Name: 'bucketed',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [
        { Name: 'day', Type: 'date' },
        { Name: 'bucket', Type: 'int' },
      ],
      StorageDescriptor: { Columns: [{ Name: 'x', Type: 'string' }] },
    });
    const bucketed: GluePartitionSeed[] = [];
    for (const day of ['2026-02-01', '2026-02-02']) {
      for (let bucket = 0; bucket < 4; bucket++) {
        bucketed.push({
          DatabaseName: 'lake',
          TableName: 'bucketed',
          Values: [day, String(bucket)],
          CreationTime: new Date(`${day}T0${bucket}:00:00.000Z`),
          Parameters: { totalSize: String(100 + bucket), numRows: '10', numFiles: '1' },
          StorageDescriptor: { Location: `s3://b/bucketed/day=${day}/bucket=${bucket}/` },
        });
      }
    }
    // One bucket of 02-02 without row counts: the day's rows are then unknown.
    bucketed[7]!.Parameters = { totalSize: '50', numFiles: '1' };
    lake.partitions!.push(...bucketed);
    lake.tables.push({ DatabaseName: 'lake', Name: 'no_day', PartitionKeys: [{ Name: 'region', Type: 'string' }] });
    h = await startGlueHarness({ ...content, pageSize: 2 });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.server.calls.length = 0;
  });

  const stats = (options: { cacheTtlMs?: number; dayKey?: string } = {}) =>
    new GluePartitionStats({ client: h.client, catalogId: CATALOG_A, partitionPageSize: 3, cacheTtlMs: 0, ...options });

  test('reads each day of the range from partition parameters (Hive keys and crawler keys)', async () => {
    const result = await stats().partitionStats('lake', 'events', '2026-01-01', '2026-01-10');
    const at = (day: string) => ({ day, location: `s3://lake-bucket/events/day=${day}/`, createdAt: `${day}T02:00:00.000Z` });
    expect(result).toEqual([
      { ...at('2026-01-01'), bytes: 1_000_000, rows: 1000, files: 16 },
      { ...at('2026-01-02'), bytes: 2_000_000, rows: 2000 },
      { ...at('2026-01-03'), bytes: 3_000_000, rows: 3000, files: 16 },
      // 01-04 has no partition: absent.
      { ...at('2026-01-05'), bytes: 4_000_000, rows: 4000 },
      { ...at('2026-01-06'), bytes: 5_000_000, rows: 5000, files: 16 },
      { ...at('2026-01-07'), bytes: 6_000_000, rows: 6000 },
      { ...at('2026-01-08'), bytes: 7_000_000, rows: 7000, files: 16 },
      { ...at('2026-01-09'), bytes: 0, hasStats: false },
      { ...at('2026-01-10'), bytes: 9_000_000, rows: 9000, files: 16 },
    ]);
    const calls = h.emulator.server.callsOf('GetPartitions');
    expect(calls.length).toBeGreaterThan(1); // pages of 2 were followed
    expect(calls.every((c) => c.input.Expression === "day >= '2026-01-01' AND day <= '2026-01-10'" && c.input.CatalogId === CATALOG_A)).toBe(true);
  });

  test('a range with no partitions is empty; a single day uses equality', async () => {
    expect(await stats().partitionStats('lake', 'events', '2025-06-01', '2025-06-30')).toEqual([]);
    expect(await stats().partitionStats('lake', 'events', '2026-01-04', '2026-01-04')).toEqual([]);
    expect(await stats().partitionStats('lake', 'events', '2026-01-03', '2026-01-03')).toEqual([
      { day: '2026-01-03', bytes: 3_000_000, rows: 3000, files: 16, location: 's3://lake-bucket/events/day=2026-01-03/', createdAt: '2026-01-03T02:00:00.000Z' },
    ]);
    expect(h.emulator.server.callsOf('GetPartitions').at(-1)!.input.Expression).toBe("day = '2026-01-03'");
    expect(await stats().partitionStats('lake', 'events', '2026-01-05', '2026-01-01')).toEqual([]);
  });

  test('days are cached: a repeated range makes no call, a wider one reads only the new days', async () => {
    const cached = stats({ cacheTtlMs: 60_000 });
    const first = await cached.partitionStats('lake', 'events', '2026-01-05', '2026-01-08');
    const before = h.emulator.server.callsOf('GetPartitions').length;
    expect(await cached.partitionStats('lake', 'events', '2026-01-05', '2026-01-08')).toEqual(first);
    expect(await cached.partitionStats('lake', 'events', '2026-01-06', '2026-01-07')).toEqual(first.slice(1, 3));
    expect(h.emulator.server.callsOf('GetPartitions').length).toBe(before);
    const wider = await cached.partitionStats('lake', 'events', '2026-01-05', '2026-01-10');
    expect(wider.map((d) => d.day)).toEqual(['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10']);
    const expressions = h.emulator.server.callsOf('GetPartitions').slice(before).map((c) => c.input.Expression);
    expect(new Set(expressions)).toEqual(new Set(["day >= '2026-01-09' AND day <= '2026-01-10'"]));
  });

  test('sums the partitions of a day under further partition keys', async () => {
    expect(await stats().partitionStats('lake', 'bucketed', '2026-01-31', '2026-02-03')).toEqual([
      // Several partitions a day: no single location; the earliest creation time.
      { day: '2026-02-01', bytes: 100 + 101 + 102 + 103, rows: 40, files: 4, createdAt: '2026-02-01T00:00:00.000Z' },
      { day: '2026-02-02', bytes: 100 + 101 + 102 + 50, files: 4, createdAt: '2026-02-02T00:00:00.000Z' },
    ]);
  });

  test('a missing table or a table without the day key is a clear error', async () => {
    for (const [table, text] of [
      ['nope', 'is not in Glue catalog'],
      ['no_day', 'has no partition key "day"'],
    ] as const) {
      const error = await stats()
        .partitionStats('lake', table, '2026-01-01', '2026-01-02')
        .catch((e: unknown) => e);
      expect(isAppError(error) && error.code).toBe('BACKEND_UNAVAILABLE');
      expect((error as Error).message).toContain(text);
    }
  });

  test('says whether absent days hold no data (configured)', () => {
    expect(stats().listsEveryPartition).toBe(false);
    expect(new GluePartitionStats({ client: h.client, catalogId: CATALOG_A, listsEveryPartition: true }).listsEveryPartition).toBe(true);
  });

  test('bad days are BAD_USER_INPUT', async () => {
    const error = await stats()
      .partitionStats('lake', 'events', '2026-02-30', '2026-03-01')
      .catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('BAD_USER_INPUT');
  });

  test('calls are accounted, and throttling is retried', async () => {
    h.emulator.injectFault({ operation: 'GetPartitions', times: 1, error: { type: 'ThrottlingException', message: 'Rate exceeded' } });
    const scope = newQueryScope('req');
    const result = await runInQueryScope(scope, () => stats().partitionStats('lake', 'events', '2026-01-01', '2026-01-02'));
    expect(result.map((d) => d.bytes)).toEqual([1_000_000, 2_000_000]);
    expect(scope.queries.map((q) => q.label)).toEqual(['glue.GetTable', 'glue.GetPartitions']);
    expect(scope.queries[1]!.rows).toBe(2);
  });
});
