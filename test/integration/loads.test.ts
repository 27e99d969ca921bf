import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DemoProducer } from '../../src/loads/demo-producer';
import { createLogger } from '../../src/observability/logger';
import { addDays, today } from '../../src/util/days';
import { rawDuckDb, type RawDuckDb } from '../helpers/raw-duckdb';
import { cleanupTestData, startTestApp, TEST_KEYS, TEST_SEED, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/**
 * The load workflow over HTTP, on the real server over the embedded stores: files
 * dropped in landing/events/day=D/ reach the lake and the warehouse (loadDays or
 * the scheduler), once, with bad rows quarantined, erased customers kept out, the
 * caches following, and datasetFreshness telling where things stand.
 */
jest.setTimeout(120_000);

let t: TestApp;
let raw: RawDuckDb;
const NEW_DAY = addDays(TEST_SEED.endDay, 1);
const LATE_DAY = addDays(TEST_SEED.endDay, -1);
const FIRST = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));

const FRESHNESS = `query { datasetFreshness { dataset oldestDay newestDay lastLoadedAt lagSeconds pendingDays quarantinedRows days(last: 3) { day landingRows lakeRows warehouseRows consistent } } }`;
const LOAD = `mutation($days: [Date!]!) { loadDays(days: $days) { dataset newestDay pendingDays quarantinedRows days(last: 2) { day lakeRows warehouseRows consistent } } }`;
const REQUEST = `mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id status } }`;
const STATUS = `query($id: ID!) { deletionRequest(id: $id) { status lastError targets { store status recordsDeleted } } }`;

function event(id: string, day: string, customer: { id: string; type: string }, over: Record<string, unknown> = {}) {
  return {
    event_id: id,
    occurred_at: `${day}T12:${String(id.length % 60).padStart(2, '0')}:00.250Z`,
    customer_id: customer.id,
    customer_type: customer.type,
    event_type: 'login',
    source: 'web',
    region: 'eu-west-1',
    severity: 'INFO',
    attributes: { mfa: true, session_id: id },
    ...over,
  };
}

function landingPath(day: string, name: string): string {
  const dir = path.join(t.dataDir, 'landing', 'events', `day=${day}`);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

function dropJsonLines(day: string, name: string, rows: Array<object | string>, gzip = false): void {
  const text = `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;
  writeFileSync(landingPath(day, name), gzip ? gzipSync(text) : text);
}

async function dropParquet(day: string, name: string, rows: ReturnType<typeof event>[]): Promise<void> {
  const values = rows
    .map((r) => `('${r.event_id}', TIMESTAMP '${r.occurred_at.replace('T', ' ').replace('Z', '')}', '${r.customer_id}', '${r.customer_type}', '${r.event_type}', '${r.source}', '${r.region}', '${r.severity}', '${JSON.stringify(r.attributes)}')`)
    .join(', ');
  await raw.all(
    `COPY (SELECT * FROM (VALUES ${values}) v(event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes)) TO '${landingPath(day, name)}' (FORMAT parquet)`,
  );
}

async function customers(n: number, offset = 0): Promise<Array<{ id: string; type: string }>> {
  const rows = await raw.all<{ customer_id: string; customer_type: string }>(
    `SELECT customer_id, any_value(customer_type) AS customer_type FROM events WHERE day = DATE '${TEST_SEED.endDay}' GROUP BY 1 ORDER BY 1 LIMIT ${n} OFFSET ${offset}`,
  );
  return rows.map((r) => ({ id: r.customer_id, type: r.customer_type }));
}

async function lakeCount(day: string, where = 'true'): Promise<number> {
  const [row] = await raw.all<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM events WHERE day = DATE '${day}' AND ${where}`);
  return Number(row?.n ?? 0);
}

/** eventStats per day from both sources, and the events' totalCount of the range. */
async function answers(from: string, to: string): Promise<{ lake: Map<string, number>; warehouse: Map<string, number>; total: number }> {
  const stats = async (source: string) => {
    const r = await t.gql(OPERATIONS.eventStats, { input: { from, to, interval: 'DAY', groupBy: [], source } }, { key: TEST_KEYS.reader });
    expect(r.body.errors).toBeUndefined();
    return new Map<string, number>(r.body.data.eventStats.map((s: any) => [s.periodStart, s.totalEvents]));
  };
  const events = await t.gql(`query($filter: EventFilter!) { events(filter: $filter, first: 1) { totalCount } }`, { filter: { from, to } }, { key: TEST_KEYS.reader });
  expect(events.body.errors).toBeUndefined();
  return { lake: await stats('LAKE'), warehouse: await stats('WAREHOUSE'), total: events.body.data.events.totalCount };
}

async function load(days: string[]) {
  const r = await t.gql(LOAD, { days }, { key: TEST_KEYS.loader });
  expect(r.body.errors).toBeUndefined();
  return r.body.data.loadDays;
}

beforeAll(async () => {
  t = await startTestApp({ env: { LAKEGATE_LOADS_MIN_FILE_AGE_MS: '0', LAKEGATE_GDPR_POLL_INTERVAL_MS: '100', LAKEGATE_GDPR_RETRY_BASE_MS: '100', LAKEGATE_GDPR_RETRY_MAX_MS: '500' } });
  raw = await rawDuckDb(t.dataDir);
});
afterAll(async () => {
  raw?.close();
  await t?.close();
  cleanupTestData();
});

test('JSON Lines and Parquet files of a new day reach the lake and the warehouse, which agree; freshness says so', async () => {
  const [a, b, c] = await customers(3);
  // Twice: the data cache and the response cache (whole answers of repeated queries) both hold the old answer.
  await answers(LATE_DAY, NEW_DAY);
  const cold = await answers(LATE_DAY, NEW_DAY);
  expect(cold.lake.get(NEW_DAY)).toBeUndefined();

  dropJsonLines(NEW_DAY, 'batch-1.jsonl', [event('n1', NEW_DAY, a!), event('n2', NEW_DAY, b!, { attributes: JSON.stringify({ channel: 'email' }) })]);
  dropJsonLines(NEW_DAY, 'batch-2.jsonl.gz', [event('n3', NEW_DAY, c!, { event_type: 'purchase', occurred_at: `${NEW_DAY} 23:59:59` })], true);
  await dropParquet(NEW_DAY, 'batch-3.parquet', [event('n4', NEW_DAY, a!), event('n5', NEW_DAY, b!, { severity: 'HIGH' })]);

  const before = await t.gql(FRESHNESS, {}, { key: TEST_KEYS.reader });
  expect(before.body.errors).toBeUndefined();
  expect(before.body.data.datasetFreshness[0]).toMatchObject({ dataset: 'lake.events', oldestDay: FIRST, newestDay: TEST_SEED.endDay, pendingDays: [NEW_DAY] });
  expect(before.body.data.datasetFreshness[1]).toMatchObject({ dataset: 'warehouse.daily_event_counts', oldestDay: FIRST, newestDay: TEST_SEED.endDay });

  const loaded = await load([NEW_DAY]);
  expect(loaded.map((d: any) => [d.dataset, d.newestDay, d.pendingDays])).toEqual([
    ['lake.events', NEW_DAY, []],
    ['warehouse.daily_event_counts', NEW_DAY, []],
  ]);
  expect(loaded[0].days[0]).toEqual({ day: NEW_DAY, lakeRows: 5, warehouseRows: 5, consistent: true });

  const after = await answers(LATE_DAY, NEW_DAY);
  expect(after.lake.get(NEW_DAY)).toBe(5);
  expect(after.warehouse).toEqual(after.lake);
  expect(after.total).toBe(cold.total + 5);
  expect(await lakeCount(NEW_DAY)).toBe(5);

  // The rows as loaded: attributes given as a JSON string are stored as the object.
  const ev = await t.gql(`query($filter: EventFilter!) { events(filter: $filter, first: 10) { edges { node { id occurredAt severity attributes } } } }`, { filter: { from: NEW_DAY, to: NEW_DAY } }, { key: TEST_KEYS.pii });
  const byId = new Map(ev.body.data.events.edges.map((e: any) => [e.node.id, e.node]));
  expect(byId.get('n2')).toMatchObject({ attributes: { channel: 'email' } });
  expect(byId.get('n3')).toMatchObject({ occurredAt: `${NEW_DAY}T23:59:59.000Z` });
  expect(byId.get('n5')).toMatchObject({ severity: 'HIGH' });

  // Loaded files leave landing.
  expect(existsSync(path.join(t.dataDir, 'landing', 'events', `day=${NEW_DAY}`))).toBe(false);
  const fresh = (await t.gql(FRESHNESS, {}, { key: TEST_KEYS.reader })).body.data.datasetFreshness;
  expect(fresh[0].lastLoadedAt).not.toBeNull();
  expect(fresh[0].lagSeconds).toBeGreaterThan(0);
  expect(fresh[0].days[0]).toEqual({ day: NEW_DAY, landingRows: 5, lakeRows: 5, warehouseRows: 5, consistent: true });

  const metrics = await (await fetch(`${t.origin}/metrics`)).text();
  expect(metrics).toMatch(/^lakegate_load_rows_total\{dataset="lake.events",outcome="added"\} 5$/m);
  expect(metrics).toMatch(/^lakegate_load_seconds_count\{outcome="loaded"\} 1$/m);
  expect(metrics).toMatch(/^lakegate_dataset_lag_seconds\{dataset="lake.events"\} \d+/m);
});

test('the demo producer writes files that load whole', async () => {
  const producer = new DemoProducer({
    landingRoot: path.join(t.dataDir, 'landing', 'events'),
    intervalMs: 1000,
    eventsPerFile: 40,
    customers: async () => (await customers(10, 50)),
    logger: createLogger('silent'),
  });
  const file = (await producer.writeFile())!;
  const day = path.basename(path.dirname(file)).slice('day='.length);
  expect(day).toBe(today());
  const before = await lakeCount(day);
  const quarantined = (await t.gql(FRESHNESS, {}, { key: TEST_KEYS.reader })).body.data.datasetFreshness[0].quarantinedRows;
  await load([day]);
  expect(await lakeCount(day)).toBe(before + 40);
  expect((await t.gql(FRESHNESS, {}, { key: TEST_KEYS.reader })).body.data.datasetFreshness[0].quarantinedRows).toBe(quarantined);
});

test('the same file twice, and the same event ids in two files, are stored once', async () => {
  const [a] = await customers(1, 5);
  const rows = [event('d1', NEW_DAY, a!), event('d2', NEW_DAY, a!)];
  dropJsonLines(NEW_DAY, 'dup-1.jsonl', rows);
  dropJsonLines(NEW_DAY, 'dup-1-copy.jsonl', rows);
  dropJsonLines(NEW_DAY, 'dup-2.jsonl', [event('d2', NEW_DAY, a!), event('d3', NEW_DAY, a!), event('n1', NEW_DAY, a!)]);
  const before = await lakeCount(NEW_DAY);
  await load([NEW_DAY]);
  expect(await lakeCount(NEW_DAY)).toBe(before + 3);
  expect(await lakeCount(NEW_DAY, `event_id IN ('d1', 'd2', 'd3', 'n1')`)).toBe(4);
  // The same file dropped again after its load: nothing new.
  dropJsonLines(NEW_DAY, 'dup-1.jsonl', rows);
  await load([NEW_DAY]);
  expect(await lakeCount(NEW_DAY)).toBe(before + 3);
  const after = await answers(NEW_DAY, NEW_DAY);
  expect(after.warehouse.get(NEW_DAY)).toBe(before + 3);
});

test('a late file for a day two days back reloads that day in the lake and the warehouse', async () => {
  const [a, b] = await customers(2, 10);
  const before = await answers(LATE_DAY, LATE_DAY);
  const lakeBefore = before.lake.get(LATE_DAY)!;
  expect(before.warehouse.get(LATE_DAY)).toBe(lakeBefore);
  dropJsonLines(LATE_DAY, 'late.jsonl', [event('late1', LATE_DAY, a!), event('late2', LATE_DAY, b!), event('late3', LATE_DAY, b!, { event_type: 'logout' })]);
  await load([LATE_DAY]);
  const after = await answers(LATE_DAY, LATE_DAY);
  expect(after.lake.get(LATE_DAY)).toBe(lakeBefore + 3);
  expect(after.warehouse.get(LATE_DAY)).toBe(lakeBefore + 3);
  // Nothing else moved.
  const untouched = await answers(FIRST, addDays(LATE_DAY, -1));
  expect(untouched.warehouse).toEqual(untouched.lake);
});

test('bad rows are quarantined with their reason and counted; the good rows load', async () => {
  const [a] = await customers(1, 20);
  const before = await lakeCount(NEW_DAY);
  const freshBefore = (await t.gql(FRESHNESS, {}, { key: TEST_KEYS.reader })).body.data.datasetFreshness[0].quarantinedRows;
  dropJsonLines(NEW_DAY, 'mixed.jsonl', [
    event('good1', NEW_DAY, a!),
    '{"event_id": "broken", ',
    event('', NEW_DAY, a!),
    event('wrongday', NEW_DAY, a!, { occurred_at: `${LATE_DAY}T10:00:00Z` }),
    event('badts', NEW_DAY, a!, { occurred_at: 'yesterday' }),
    event('badsev', NEW_DAY, a!, { severity: 'SEVERE' }),
    event('good2', NEW_DAY, a!),
  ]);
  await load([NEW_DAY]);
  expect(await lakeCount(NEW_DAY)).toBe(before + 2);
  const quarantine = path.join(t.dataDir, 'quarantine', 'events', `day=${NEW_DAY}`);
  const rejected = readdirSync(quarantine)
    .filter((f) => f.startsWith('mixed.jsonl'))
    .flatMap((f) => readFileSync(path.join(quarantine, f), 'utf8').trim().split('\n'))
    .map((l) => JSON.parse(l));
  expect(rejected.map((r) => r.reason).sort()).toEqual(['bad occurred_at', 'bad severity', 'missing event_id', 'not a JSON object', 'occurred_at outside the partition day']);
  expect(rejected.find((r) => r.reason === 'not a JSON object').raw).toBe('{"event_id": "broken", ');
  const fresh = (await t.gql(FRESHNESS, {}, { key: TEST_KEYS.reader })).body.data.datasetFreshness[0];
  expect(fresh.quarantinedRows).toBe(freshBefore + 5);
});

test('an erased customer is kept out: waiting landing rows are erased, later ones never loaded', async () => {
  const [subject, other] = await customers(2, 30);
  // Waiting in landing when the erasure runs.
  dropJsonLines(NEW_DAY, 'waiting.jsonl', [event('w-subject', NEW_DAY, subject!), event('w-other', NEW_DAY, other!)]);
  const requested = await t.gql(REQUEST, { input: { customerId: subject!.id, reason: 'ticket 99' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id = requested.body.data.requestDeletion.id;
  let status: any;
  for (let i = 0; i < 600 && status?.status !== 'COMPLETED'; i++) {
    status = (await t.gql(STATUS, { id }, { key: TEST_KEYS.gdpr })).body.data.deletionRequest;
    if (status.status !== 'COMPLETED') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toMatchObject({ status: 'COMPLETED', lastError: null });
  expect(status.targets.find((x: any) => x.store === 'landing')).toMatchObject({ status: 'COMPLETED', recordsDeleted: 1 });
  const waiting = readFileSync(landingPath(NEW_DAY, 'waiting.jsonl'), 'utf8');
  expect(waiting).not.toContain(subject!.id);
  expect(waiting).toContain('w-other');

  // Arriving afterwards (late data of an erased customer).
  dropJsonLines(NEW_DAY, 'after.jsonl', [event('a-subject', NEW_DAY, subject!), event('a-other', NEW_DAY, other!)]);
  await load([NEW_DAY]);
  expect(await lakeCount(NEW_DAY, `customer_id = '${subject!.id}'`)).toBe(0);
  expect(await lakeCount(NEW_DAY, `event_id IN ('w-other', 'a-other')`)).toBe(2);
  const stats = await answers(NEW_DAY, NEW_DAY);
  expect(stats.warehouse.get(NEW_DAY)).toBe(stats.lake.get(NEW_DAY));
});

test('the scheduler loads today without being asked', async () => {
  const scheduled = await startTestApp({ env: { LAKEGATE_LOADS_MIN_FILE_AGE_MS: '0', LAKEGATE_LOADS_INTERVAL_MS: '200' } });
  try {
    const day = today();
    const [a] = await customers(1, 40);
    const dir = path.join(scheduled.dataDir, 'landing', 'events', `day=${day}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'live.jsonl'), `${JSON.stringify(event('live1', day, a!, { occurred_at: new Date().toISOString() }))}\n`);
    let fresh: any;
    for (let i = 0; i < 100 && !(fresh?.newestDay === day && fresh.pendingDays.length === 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      fresh = (await scheduled.gql(FRESHNESS, {}, { key: TEST_KEYS.reader })).body.data.datasetFreshness[0];
    }
    expect(fresh).toMatchObject({ newestDay: day, pendingDays: [] });
    expect(fresh.lagSeconds).toBeLessThan(60);
    expect(fresh.days[0]).toMatchObject({ day, lakeRows: 1, warehouseRows: 1, consistent: true });
  } finally {
    await scheduled.close();
  }
});

test('while a load swaps a day in, every query sees the whole old day or the whole new one', async () => {
  const uncached = await startTestApp({ env: { LAKEGATE_LOADS_MIN_FILE_AGE_MS: '0', LAKEGATE_CACHE_BACKEND: 'off', LAKEGATE_LOADS_SCHEDULER: 'false' } });
  try {
    const day = addDays(TEST_SEED.endDay, -5);
    const count = async () => {
      const r = await uncached.gql(`query($filter: EventFilter!) { events(filter: $filter, first: 1) { totalCount } }`, { filter: { from: day, to: day } }, { key: TEST_KEYS.reader });
      expect(r.body.errors).toBeUndefined();
      return r.body.data.events.totalCount as number;
    };
    const before = await count();
    const many = await customers(64);
    const rows = Array.from({ length: 640 }, (_, i) => event(`swap-${i}`, day, many[i % many.length]!));
    const dir = path.join(uncached.dataDir, 'landing', 'events', `day=${day}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'swap.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const seen = new Set<number>();
    let loading = true;
    const reader = (async () => {
      while (loading) seen.add(await count());
    })();
    const loaded = await uncached.gql(LOAD, { days: [day] }, { key: TEST_KEYS.loader });
    loading = false;
    await reader;
    expect(loaded.body.errors).toBeUndefined();
    seen.add(await count());
    expect([...seen].sort((a, b) => a - b)).toEqual(seen.size === 1 ? [before + 640] : [before, before + 640]);
  } finally {
    await uncached.close();
  }
});

test('loadDays needs loads:write and valid days', async () => {
  const forbidden = await t.gql(LOAD, { days: [NEW_DAY] }, { key: TEST_KEYS.reader });
  expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const future = await t.gql(LOAD, { days: ['2999-01-01'] }, { key: TEST_KEYS.loader });
  expect(future.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('in the future') });
  const none = await t.gql(LOAD, { days: [] }, { key: TEST_KEYS.loader });
  expect(none.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const many = await t.gql(LOAD, { days: Array.from({ length: 40 }, (_, i) => addDays(FIRST, i)) }, { key: TEST_KEYS.loader });
  expect(many.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('at most 31') });
  const badLast = await t.gql(`query { datasetFreshness { days(last: 0) { day } } }`, {}, { key: TEST_KEYS.reader });
  expect(badLast.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});
