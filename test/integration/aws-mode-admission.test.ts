import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listLakeFiles } from '../emulators/athena-redshift-duckdb';
import { applyProcessEnv, startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { cleanupTestData, seededTemplate, startTestApp, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/**
 * Cost-aware admission on Athena, through GraphQL: before a lake query runs, its
 * bytes are estimated from the Iceberg table's partition statistics
 * ($partitions, cached per day); above LAKEGATE_MAX_SCAN_BYTES the request is
 * refused with QUERY_TOO_EXPENSIVE and the estimate, and Athena never sees the
 * query itself.
 */
jest.setTimeout(180_000);

let endpoints: AwsEndpoints;
let app: TestApp;
let appDir: string;
let restoreEnv: () => void = () => undefined;
/** Bytes of the lake's files per day. */
const dayBytes = new Map<string, number>();
let maxScanBytes = 0;

const bytesOf = (from: string, to: string) => [...dayBytes].filter(([day]) => day >= from && day <= to).reduce((sum, [, bytes]) => sum + bytes, 0);
const MONTH = { from: '2026-01-02', to: '2026-01-31' };
const TWO_DAYS = { from: '2026-01-20', to: '2026-01-21' };

beforeAll(async () => {
  const template = await seededTemplate();
  for (const file of listLakeFiles(path.join(template, 'events'))) dayBytes.set(file.day, (dayBytes.get(file.day) ?? 0) + file.bytes);
  // Room for about three days of the lake: a month is refused, two days pass.
  maxScanBytes = Math.round(bytesOf('2026-01-20', '2026-01-22') * 1.05);
  endpoints = await startAwsEndpoints({ dataDir: template });
  restoreEnv = applyProcessEnv(Object.fromEntries(Object.entries(endpoints.env).filter(([k]) => k.startsWith('AWS_'))));
  appDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-aws-admission-'));
  app = await startTestApp({ dataDir: appDir, env: { ...endpoints.env, LAKEGATE_CACHE_BACKEND: 'off', LAKEGATE_MAX_SCAN_BYTES: String(maxScanBytes) } });
});

afterAll(async () => {
  await app?.close();
  await endpoints?.close();
  restoreEnv();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  cleanupTestData();
});

const starts = () => endpoints.athena.server.callsOf('StartQueryExecution').map((c) => String(c.input.QueryString));
const isStatsQuery = (q: string) => q.includes('$partitions');

test('a month of events is refused before Athena runs it, with the estimate in extensions', async () => {
  const before = starts().length;
  const { body } = await app.gql(OPERATIONS.events, { filter: MONTH, first: 10 });
  expect(body.data).toBeNull();
  expect(body.errors).toHaveLength(1);
  const error = body.errors![0]!;
  expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', maxScanBytes, partitions: 30 });
  // The estimate is the size of the month's files (every column is read).
  expect(error.extensions!.estimatedBytes).toBe(bytesOf(MONTH.from, MONTH.to));
  expect(error.extensions!.estimatedBytes).toBeGreaterThan(maxScanBytes);
  expect(error.message).toMatch(/^this query would scan about .* more than the .* allowed \(LAKEGATE_MAX_SCAN_BYTES\); narrow the date range or filter by customerId$/);
  // Only the statistics were read: one $partitions query, never the events query.
  const sent = starts().slice(before);
  expect(sent.length).toBeGreaterThanOrEqual(1);
  expect(sent.every(isStatsQuery)).toBe(true);
  // The statistics query is accounted like any other Athena query.
  const statsQuery = body.extensions!.cost.queries.find((q: any) => q.label === 'lake.partitionStats');
  expect(statsQuery).toMatchObject({ engine: 'athena' });
});

test('eventStats over the lake is refused alike; the warehouse answers the same question', async () => {
  const before = starts().length;
  const lake = await app.gql(OPERATIONS.eventStats, { input: { ...MONTH, interval: 'WEEK', source: 'LAKE' } });
  expect(lake.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', maxScanBytes });
  expect(lake.body.errors![0]!.extensions!.estimatedBytes).toBeGreaterThan(maxScanBytes);
  expect(lake.body.errors![0]!.message).toMatch(/use source: WAREHOUSE or a shorter range/);
  expect(starts().slice(before).filter((q) => !isStatsQuery(q))).toEqual([]);
  const warehouse = await app.gql(OPERATIONS.eventStats, { input: { ...MONTH, interval: 'WEEK', source: 'WAREHOUSE' } });
  expect(warehouse.body.errors).toBeUndefined();
  expect(warehouse.body.data.eventStats.length).toBeGreaterThan(0);
});

test('a small range passes and runs on Athena; its statistics come from the per-day cache', async () => {
  const before = starts().length;
  const { body } = await app.gql(OPERATIONS.events, { filter: TWO_DAYS, first: 10 });
  expect(body.errors).toBeUndefined();
  expect(body.data.events.edges).toHaveLength(10);
  const sent = starts().slice(before);
  // The days were read with the month above: no $partitions query, just the page and the count.
  expect(sent.filter(isStatsQuery)).toEqual([]);
  expect(sent).toHaveLength(2);
  const page = body.extensions!.cost.queries.find((q: any) => q.label === 'events.page');
  expect(page).toMatchObject({ engine: 'athena', partitions: 2 });
  expect(page.bytesScanned).toBeLessThanOrEqual(maxScanBytes);
});

test('one customer over the month passes: Athena prunes to its customer bucket, and the estimate says so', async () => {
  const { body } = await app.gql(OPERATIONS.events, { filter: { ...MONTH, customerId: 'cus_000042' }, first: 500 });
  expect(body.errors).toBeUndefined();
  expect(body.data.events.totalCount).toBeGreaterThan(0);
  expect(body.data.events.edges.every((e: any) => e.node.customerId === 'cus_000042')).toBe(true);
});

test('statistics are read per day: a range reaching new days queries only those days, once', async () => {
  const before = starts().length;
  const ranges = [
    { from: '2026-01-01', to: '2026-01-03' }, // 2026-01-01 holds no data: cached as empty after this
    { from: '2026-01-01', to: '2026-01-02' },
    { from: '2025-12-30', to: '2026-01-02' },
  ];
  for (const filter of ranges) {
    const { body } = await app.gql(OPERATIONS.events, { filter, first: 5 });
    expect(body.errors).toBeUndefined();
  }
  const stats = starts().slice(before).filter(isStatsQuery);
  expect(stats).toHaveLength(2);
  const params = endpoints.athena.server
    .callsOf('StartQueryExecution')
    .slice(-50)
    .filter((c) => isStatsQuery(c.input.QueryString))
    .slice(-2)
    .map((c) => c.input.ExecutionParameters);
  // Only the unknown days: 2026-01-01 first, then 2025-12-30..31.
  expect(params).toEqual([
    ["DATE '2026-01-01'", "DATE '2026-01-01'"],
    ["DATE '2025-12-30'", "DATE '2025-12-31'"],
  ]);
});
