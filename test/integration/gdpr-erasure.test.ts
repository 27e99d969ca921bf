import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredDecision } from '../../src/ports/decision-store';
import { generateDecisions } from '../../src/seed/decisions';
import { addDays } from '../../src/util/days';
import { subjectHash } from '../../src/util/hash';
import { rawDuckDb, type RawDuckDb } from '../helpers/raw-duckdb';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { cleanupTestData, startTestApp, TEST_KEYS, TEST_SEED, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/**
 * GDPR erasure end to end, on the real server over the embedded stores with a
 * real Redis cache: a customer with decisions, events on many days, warehouse
 * rows and warm cache entries is erased through requestDeletion; afterwards no
 * query returns them (cached ones included), every other customer's counts are
 * unchanged, the audit record holds no raw id, and the lake files rewritten are
 * only the customer's bucket files. Also: idempotency under 20 concurrent
 * identical mutations (one request, one execution).
 */
jest.setTimeout(240_000);

let redis: RedisServer;
let t: TestApp;
let raw: RawDuckDb;
const START = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const END = TEST_SEED.endDay;
const decisions: StoredDecision[] = [
  ...generateDecisions({ decisions: TEST_SEED.decisions, customers: TEST_SEED.customers, startDay: START, endDay: TEST_SEED.endDay, randomSeed: TEST_SEED.randomSeed }),
].flat();

const QUERY_REQUEST = `query($id: ID!) { deletionRequest(id: $id) {
  id subjectType subjectHash status reason requestedBy requestedAt dueBy overdue startedAt completedAt verifiedAt attempts nextAttemptAt lastError
  targets { store status recordsDeleted filesRewritten bytesRewritten error startedAt completedAt } } }`;
const REQUEST = `mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id status subjectHash requestedBy dueBy requestedAt overdue } }`;
const statuses = (r: GraphQLResult) => (r.body.extensions?.cache?.reads ?? []).map((c: any) => c.status);

async function waitForStatus(id: string, status: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const { body } = await t.gql(QUERY_REQUEST, { id }, { key: TEST_KEYS.gdpr });
    expect(body.errors).toBeUndefined();
    last = body.data.deletionRequest;
    if (last?.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`request ${id} did not reach ${status}: ${JSON.stringify(last)}`);
}

async function perCustomerCounts(): Promise<Map<string, number>> {
  const rows = await raw.all<{ customer_id: string; n: number }>('SELECT customer_id, CAST(COUNT(*) AS INTEGER) AS n FROM events GROUP BY 1');
  return new Map(rows.map((r) => [r.customer_id, Number(r.n)]));
}

async function ledgerItems(): Promise<Record<string, unknown>[]> {
  const out = await t.app.backends.dynamo.doc.send(new ScanCommand({ TableName: t.config.aws.dynamodb.deletionLedgerTable, ConsistentRead: true }));
  return out.Items ?? [];
}

beforeAll(async () => {
  redis = await startRedisServer();
  t = await startTestApp({
    env: { REDIS_URL: redis.url, LAKEGATE_CACHE_PREFIX: 'gdpr:', LAKEGATE_GDPR_POLL_INTERVAL_MS: '100', LAKEGATE_GDPR_RETRY_BASE_MS: '100', LAKEGATE_GDPR_RETRY_MAX_MS: '500' },
  });
  raw = await rawDuckDb(t.dataDir);
});
afterAll(async () => {
  raw?.close();
  await t?.close();
  await redis?.stop();
  cleanupTestData();
});

/** The customer with the most decisions among those with events on at least 10 days. */
async function pickSubject(exclude: string[] = []): Promise<string> {
  const days = await raw.all<{ customer_id: string; days: number }>('SELECT customer_id, CAST(COUNT(DISTINCT day) AS INTEGER) AS days FROM events GROUP BY 1');
  const active = new Set(days.filter((d) => Number(d.days) >= 10).map((d) => d.customer_id));
  const counts = new Map<string, number>();
  for (const d of decisions) if (active.has(d.customerId) && !exclude.includes(d.customerId)) counts.set(d.customerId, (counts.get(d.customerId) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

test('a customer is erased from decisions, lake, warehouse and cache, verified, and nothing else changes', async () => {
  const subject = await pickSubject();
  const subjectDecisions = decisions.filter((d) => d.customerId === subject);
  const before = await perCustomerCounts();
  const subjectEvents = before.get(subject)!;
  const [{ n: warehouseRows }] = await raw.all<{ n: number }>(
    `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM (SELECT 1 FROM read_parquet('${t.dataDir}/events/day=*/*.parquet', hive_partitioning = true) WHERE customer_id = '${subject}' GROUP BY day, event_type)`,
  );
  const subjectDays = (await raw.all<{ n: number }>(`SELECT CAST(COUNT(DISTINCT day) AS INTEGER) AS n FROM events WHERE customer_id = '${subject}'`))[0]!.n;
  expect(subjectDecisions.length).toBeGreaterThan(0);
  expect(subjectDays).toBeGreaterThanOrEqual(10);

  // Warm the cache with reads that hold the subject (and totals that count it).
  const reads = {
    events: [OPERATIONS.events, { filter: { from: START, to: END, customerId: subject }, first: 500 }],
    lakeByCustomer: [OPERATIONS.eventStats, { input: { from: START, to: END, interval: 'MONTH', groupBy: ['CUSTOMER'], source: 'LAKE' } }],
    warehouseByCustomer: [OPERATIONS.eventStats, { input: { from: START, to: END, interval: 'MONTH', groupBy: ['CUSTOMER'], source: 'WAREHOUSE' } }],
    warehouseTotals: [OPERATIONS.eventStats, { input: { from: START, to: END, interval: 'WEEK', groupBy: ['EVENT_TYPE'], source: 'WAREHOUSE' } }],
    lakeTotals: [OPERATIONS.eventStats, { input: { from: START, to: END, interval: 'WEEK', groupBy: [], source: 'LAKE' } }],
    customerDecisions: [OPERATIONS.customerDecisions, { customerId: subject, first: 100 }],
    decision: [OPERATIONS.decision, { id: subjectDecisions[0]!.id }],
  } as const;
  const read = (name: keyof typeof reads) => t.gql(reads[name][0], reads[name][1] as Record<string, unknown>, { key: TEST_KEYS.pii });
  const warm: Record<string, GraphQLResult> = {};
  for (const name of Object.keys(reads) as Array<keyof typeof reads>) {
    await read(name);
    warm[name] = await read(name);
    expect(warm[name]!.body.errors).toBeUndefined();
  }
  // Repeated, the cache-only reads are answered whole from the response cache: the erasure must end that too.
  for (const name of ['events', 'lakeByCustomer', 'warehouseByCustomer', 'warehouseTotals', 'lakeTotals'] as const) {
    let served = false;
    for (let i = 0; i < 20 && !served; i++) {
      const r = await read(name);
      served = r.body.extensions?.cache?.response === 'hit';
      if (served) expect(JSON.stringify(r.body.data)).toBe(JSON.stringify(warm[name]!.body.data));
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect([name, served]).toEqual([name, true]);
  }
  expect(warm.events!.body.data.events.totalCount).toBe(subjectEvents);
  expect(statuses(warm.events!)).toContain('hit');
  expect(statuses(warm.warehouseByCustomer!)).toEqual(['hit']);
  expect(statuses(warm.lakeTotals!)).toEqual(['hit']);
  expect(warm.customerDecisions!.body.data.customerDecisions.totalCount).toBe(subjectDecisions.length);
  expect(warm.decision!.body.data.decision.customer.id).toBe(subject);
  const byCustomer = (r: GraphQLResult) => new Map<string, number>(r.body.data.eventStats.map((s: any) => [s.customerId, s.totalEvents]));
  expect(byCustomer(warm.lakeByCustomer!).get(subject)).toBe(subjectEvents);
  expect(byCustomer(warm.warehouseByCustomer!).get(subject)).toBe(subjectEvents);

  // Erase.
  const requested = await t.gql(REQUEST, { input: { customerId: subject, reason: 'customer asked (ticket 4711)', idempotencyKey: 'erase-it-1' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const created = requested.body.data.requestDeletion;
  expect(created).toMatchObject({ requestedBy: 'gdpr', subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/), overdue: false });
  expect(['PENDING', 'RUNNING', 'COMPLETED']).toContain(created.status);
  expect(Date.parse(created.dueBy) - Date.parse(created.requestedAt)).toBe(30 * 86_400_000);
  expect(JSON.stringify(requested.body)).not.toContain(subject);

  const done = await waitForStatus(created.id, 'COMPLETED');
  expect(done.verifiedAt).not.toBeNull();
  expect(done.completedAt).not.toBeNull();
  expect(done.lastError).toBeNull();
  expect(done.reason).toBe('customer asked (ticket 4711)');
  const target = (store: string) => done.targets.find((x: any) => x.store === store);
  expect(done.targets.map((x: any) => x.store)).toEqual(['decisions', 'landing', 'lake', 'warehouse', 'cache']);
  for (const x of done.targets) expect(x).toMatchObject({ status: 'COMPLETED', error: null });
  expect(target('decisions').recordsDeleted).toBe(subjectDecisions.length);
  expect(target('lake').recordsDeleted).toBe(subjectEvents);
  // One file per day holds the customer (its bucket): exactly those were rewritten.
  expect(target('lake').filesRewritten).toBe(subjectDays);
  expect(target('lake').bytesRewritten).toBeGreaterThan(0);
  expect(target('warehouse').recordsDeleted).toBe(warehouseRows + 1); // daily rows + the customer row

  // Nothing of the subject anywhere; the cached reads answer without them.
  const after = await perCustomerCounts();
  expect(after.has(subject)).toBe(false);
  for (const [customerId, n] of before) if (customerId !== subject) expect([customerId, after.get(customerId)]).toEqual([customerId, n]);
  for (const name of Object.keys(reads) as Array<keyof typeof reads>) {
    const r = await read(name);
    expect(r.body.errors).toBeUndefined();
    expect(statuses(r)).not.toContain('hit');
    expect(r.body.extensions?.cache?.response).toBeUndefined();
    expect([name, JSON.stringify(r.body.data).includes(subject)]).toEqual([name, false]);
  }
  expect((await read('events')).body.data.events.totalCount).toBe(0);
  const lakeStats = byCustomer(await read('lakeByCustomer'));
  const warehouseStats = byCustomer(await read('warehouseByCustomer'));
  expect(lakeStats).toEqual(warehouseStats);
  for (const [customerId, n] of before) if (customerId !== subject) expect(lakeStats.get(customerId)).toBe(n);
  const totals = await read('lakeTotals');
  const sum = (r: GraphQLResult) => r.body.data.eventStats.reduce((a: number, s: any) => a + s.totalEvents, 0);
  expect(sum(totals)).toBe(sum(warm.lakeTotals!) - subjectEvents);
  expect((await read('decision')).body.data.decision).toBeNull();

  // The audit record holds the keyed hash, never the raw id.
  const items = await ledgerItems();
  expect(items.length).toBeGreaterThan(0);
  expect(JSON.stringify(items)).not.toContain(subject);
  const record = items.find((i) => i.id === created.id)!;
  expect(record.subjectId).toBeUndefined();
  expect(record.subjectHash).toBe(subjectHash(t.app.backends.gdpr.subjectHashKey, subject));
  expect(done.subjectHash).toBe(record.subjectHash);

  // The same key again: the same (completed) request, no new execution.
  const again = await t.gql(REQUEST, { input: { customerId: subject, idempotencyKey: 'erase-it-1' } }, { key: TEST_KEYS.gdpr });
  expect(again.body.data.requestDeletion).toMatchObject({ id: created.id, status: 'COMPLETED' });
});

test('20 concurrent identical mutations: one request, executed once', async () => {
  const subject = await pickSubject(); // the first test's subject has no events left
  const input = { customerId: subject, idempotencyKey: `concurrent-${subject}` };
  const results = await Promise.all(Array.from({ length: 20 }, () => t.gql(REQUEST, { input }, { key: TEST_KEYS.gdpr })));
  for (const r of results) expect(r.body.errors).toBeUndefined();
  const ids = new Set(results.map((r) => r.body.data.requestDeletion.id));
  expect(ids.size).toBe(1);
  const [id] = [...ids];
  const done = await waitForStatus(id!, 'COMPLETED');
  expect(done.attempts).toBe(1);
  const expectedDecisions = decisions.filter((d) => d.customerId === subject).length;
  expect(done.targets.find((x: any) => x.store === 'decisions').recordsDeleted).toBe(expectedDecisions);
  const requests = (await ledgerItems()).filter((i) => i.itemType === 'request' && i.subjectHash === done.subjectHash);
  expect(requests.map((i) => i.id)).toEqual([id]);
  const listed = await t.gql(`{ deletionRequests(status: COMPLETED, first: 10) { totalCount edges { node { id } } } }`, {}, { key: TEST_KEYS.gdpr });
  expect(listed.body.data.deletionRequests.edges.map((e: any) => e.node.id)).toContain(id);
  expect(listed.body.data.deletionRequests.totalCount).toBe(2);
});

test('with Redis down the cache step fails (the request is FAILED naming the cache) and the retry completes once Redis is back', async () => {
  const subject = await pickSubject();
  await redis.kill();
  let id = '';
  try {
    const requested = await t.gql(REQUEST, { input: { customerId: subject, idempotencyKey: 'redis-down' } }, { key: TEST_KEYS.gdpr });
    expect(requested.body.errors).toBeUndefined();
    id = requested.body.data.requestDeletion.id;
    const failed = await waitForStatus(id, 'FAILED');
    expect(failed.lastError).toMatch(/^cache: /);
    expect(failed.nextAttemptAt).not.toBeNull();
    expect(failed.verifiedAt).toBeNull();
    const byStore = Object.fromEntries(failed.targets.map((x: any) => [x.store, x.status]));
    expect(byStore).toEqual({ decisions: 'COMPLETED', landing: 'COMPLETED', lake: 'COMPLETED', warehouse: 'COMPLETED', cache: 'FAILED' });
    expect(failed.lastError).not.toContain(subject);
  } finally {
    await redis.start();
  }
  const done = await waitForStatus(id, 'COMPLETED');
  expect(done.attempts).toBeGreaterThanOrEqual(2);
  expect(done.lastError).toBeNull();
  expect(done.targets.every((x: any) => x.status === 'COMPLETED')).toBe(true);
  expect((await perCustomerCounts()).has(subject)).toBe(false);

  // What an operator alerts on: settled requests by outcome, and the open ones once the executor is idle.
  const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const text = await (await fetch(`${t.origin}/metrics`)).text();
  expect(metric(text, 'lakegate_gdpr_requests_settled_total{outcome="completed"}')).toBe(3);
  expect(metric(text, 'lakegate_gdpr_requests_settled_total{outcome="failed"}')).toBeGreaterThanOrEqual(1);
  expect(metric(text, 'lakegate_gdpr_pass_seconds_count')).toBeGreaterThanOrEqual(4);
  const deadline = Date.now() + 10_000;
  let open = NaN;
  while (Date.now() < deadline && open !== 0) {
    open = metric(await (await fetch(`${t.origin}/metrics`)).text(), 'lakegate_gdpr_open_requests');
    if (open !== 0) await new Promise((r) => setTimeout(r, 100));
  }
  expect(open).toBe(0);
});
