import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { rawDuckDb, type RawDuckDb } from '../helpers/raw-duckdb';
import { cleanupTestData, dataDirCopy, startTestApp, TEST_API_KEYS, TEST_KEYS, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { DECISION_FIELDS, decisionInput, OPERATIONS } from './contract-operations';

/**
 * Tenants (issue 10): a principal bound to customers sees only them, in every
 * domain and through every path a query can take (nested fields, aliases,
 * fragments, cursors made by another tenant, the data cache and the response
 * cache), with no existence leak; eventBenchmark compares a tenant with its peers
 * and equals the same computation done here from the warehouse's rows.
 */
jest.setTimeout(180_000);

const KEY_A = 'tenant-a-key-000000000000001';
const KEY_B = 'tenant-b-key-000000000000002';
const KEY_A_WRITE = 'tenant-a-writer-00000000003';
const RANGE = { from: '2026-01-05', to: '2026-01-25' };

interface WarehouseRows {
  customers: Array<{ customer_id: string; customer_type: string }>;
  counts: Array<{ day: string; customer_id: string; event_type: string; total_events: number }>;
}

let dataDir: string;
let warehouse: WarehouseRows;
let A: string;
let B: string;
let t: TestApp;
let raw: RawDuckDb;

/** The warehouse's rows, read before lakegate opens the file (DuckDB locks it). */
async function readWarehouse(dir: string): Promise<WarehouseRows> {
  const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const all = async <T>(text: string) => (await connection.runAndReadAll(text)).getRowObjectsJson() as unknown as T[];
  try {
    return {
      customers: await all('SELECT customer_id, customer_type FROM warehouse.warehouse.customers'),
      counts: (await all<{ day: string; customer_id: string; event_type: string; total_events: string | number }>(
        'SELECT CAST(day AS VARCHAR) AS day, customer_id, event_type, total_events FROM warehouse.warehouse.daily_event_counts',
      )).map((r) => ({ ...r, total_events: Number(r.total_events) })),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function keysWithTenants(): string {
  return JSON.stringify([
    ...(JSON.parse(TEST_API_KEYS) as unknown[]),
    { id: 'tenant-a', key: KEY_A, scopes: ['events:read', 'decisions:read'], customerIds: [A] },
    { id: 'tenant-b', key: KEY_B, scopes: ['events:read', 'decisions:read'], customerIds: [B] },
    { id: 'tenant-a-writer', key: KEY_A_WRITE, scopes: ['decisions:read', 'decisions:write'], customerIds: [A] },
  ]);
}

beforeAll(async () => {
  dataDir = await dataDirCopy();
  warehouse = await readWarehouse(dataDir);
  // Two customers of one type, both with events in the range (the busiest ones).
  const totals = new Map<string, number>();
  for (const r of warehouse.counts) if (r.day >= RANGE.from && r.day <= RANGE.to) totals.set(r.customer_id, (totals.get(r.customer_id) ?? 0) + r.total_events);
  const typeOf = new Map(warehouse.customers.map((c) => [c.customer_id, c.customer_type]));
  const busiest = [...totals].sort((x, y) => y[1] - x[1]).map(([id]) => id);
  A = busiest[0]!;
  B = busiest.find((id) => id !== A && typeOf.get(id) === typeOf.get(A))!;
  t = await startTestApp({ dataDir, env: { LAKEGATE_API_KEYS: keysWithTenants() } });
  raw = await rawDuckDb(dataDir);
  // Both customers get decisions of their own (the seed's may not name them).
  for (const [customerId, tag] of [[A, 'a'], [B, 'b']] as const) {
    for (const n of [1, 2]) {
      const input = decisionInput({ id: `dec_tenant_${tag}_${n}`, transactionId: `txn_tenant_${tag}_${n}`, customerId });
      ok(await t.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer }));
    }
  }
});
afterAll(async () => {
  raw?.close();
  await t?.close();
  cleanupTestData();
});

const ok = <T>(r: GraphQLResult<T>): T => {
  expect(r.body.errors).toBeUndefined();
  return r.body.data!;
};

async function decisionsOf(customerId: string): Promise<Array<{ id: string; transactionId: string; customerId: string }>> {
  const data = ok(await t.gql(OPERATIONS.customerDecisions, { customerId, first: 50 }, { key: TEST_KEYS.reader }));
  return data.customerDecisions.edges.map((e: any) => e.node);
}

test('events: a tenant lists only its own events (nested customer included); another customer is an empty page, not an error', async () => {
  const mine = ok(await t.gql(OPERATIONS.events, { filter: RANGE, first: 100 }, { key: KEY_A }));
  const expected = ok(await t.gql(OPERATIONS.events, { filter: { ...RANGE, customerId: A }, first: 100 }, { key: TEST_KEYS.reader }));
  expect(mine.events.totalCount).toBeGreaterThan(0);
  expect(mine.events.totalCount).toBe(expected.events.totalCount);
  expect(mine.events.edges.map((e: any) => e.node.id)).toEqual(expected.events.edges.map((e: any) => e.node.id));
  expect(new Set(mine.events.edges.map((e: any) => e.node.customerId))).toEqual(new Set([A]));
  expect(new Set(mine.events.edges.map((e: any) => e.node.customer?.id))).toEqual(new Set([A]));

  const theirs = ok(await t.gql(OPERATIONS.events, { filter: { ...RANGE, customerId: B }, first: 10 }, { key: KEY_A }));
  expect(theirs.events).toMatchObject({ totalCount: 0, edges: [] });
});

test('eventStats, warehouse and lake: a tenant counts only its own rows (a CUSTOMER_TYPE group is its own rows), equal to SQL over the lake', async () => {
  const rows = await raw.all<{ period_start: string; customer_type: string; event_type: string; n: string }>(`
    SELECT CAST(date_trunc('week', day) AS DATE)::VARCHAR AS period_start, customer_type, event_type, COUNT(*)::VARCHAR AS n
    FROM events WHERE day BETWEEN DATE '${RANGE.from}' AND DATE '${RANGE.to}' AND customer_id = '${A}' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
  const expected = rows.map((r) => ({ periodStart: r.period_start, customerType: r.customer_type, eventType: r.event_type, customerId: null, totalEvents: Number(r.n) }));
  expect(expected.length).toBeGreaterThan(0);
  for (const source of ['WAREHOUSE', 'LAKE']) {
    const data = ok(await t.gql(OPERATIONS.eventStats, { input: { ...RANGE, interval: 'WEEK', groupBy: ['CUSTOMER_TYPE', 'EVENT_TYPE'], source } }, { key: KEY_A }));
    expect(data.eventStats).toEqual(expected);
    // Grouped by customer: only the tenant's own customer appears.
    const byCustomer = ok(await t.gql(OPERATIONS.eventStats, { input: { ...RANGE, interval: 'MONTH', groupBy: ['CUSTOMER'], source } }, { key: KEY_A }));
    expect(new Set(byCustomer.eventStats.map((s: any) => s.customerId))).toEqual(new Set([A]));
  }
});

test('decisions: another customer\'s decision is null, its transaction empty, its listing empty (totalCount 0); the tenant\'s own are served with their customer', async () => {
  const [own] = await decisionsOf(A);
  const [other] = await decisionsOf(B);
  expect(own && other).toBeTruthy();

  expect(ok(await t.gql(OPERATIONS.decision, { id: other!.id }, { key: KEY_A })).decision).toBeNull();
  expect(ok(await t.gql(OPERATIONS.decision, { id: own!.id }, { key: KEY_A })).decision).toMatchObject({ id: own!.id, customerId: A, customer: { id: A } });
  expect(ok(await t.gql(OPERATIONS.decisionsByTransaction, { transactionId: other!.transactionId }, { key: KEY_A })).decisionsByTransaction).toEqual([]);
  expect(ok(await t.gql(OPERATIONS.decisionsByTransaction, { transactionId: own!.transactionId }, { key: KEY_A })).decisionsByTransaction.map((d: any) => d.customerId)).toContain(A);
  const listing = ok(await t.gql(OPERATIONS.customerDecisions, { customerId: B, first: 10 }, { key: KEY_A }));
  expect(listing.customerDecisions).toMatchObject({ totalCount: 0, edges: [] });
});

test('aliases and fragments in one document: every path to another customer answers as if it did not exist', async () => {
  const [own] = await decisionsOf(A);
  const [other] = await decisionsOf(B);
  const document = `
    fragment D on Decision { ${DECISION_FIELDS} }
    query Mixed($a: ID!, $b: ID!, $own: ID!, $other: ID!, $from: Date!, $to: Date!) {
      mine: customerDecisions(customerId: $a, first: 5) { totalCount edges { node { ...D } } }
      theirs: customerDecisions(customerId: $b, first: 5) { totalCount edges { node { ...D } } }
      ownById: decision(id: $own) { ...D }
      otherById: decision(id: $other) { ...D }
      otherEvents: events(filter: { from: $from, to: $to, customerId: $b }, first: 5) { totalCount edges { node { id customer { id } } } }
      allEvents: events(filter: { from: $from, to: $to }, first: 50) { edges { node { customerId customer { id name } } } }
    }`;
  const data = ok(await t.gql(document, { a: A, b: B, own: own!.id, other: other!.id, ...RANGE }, { key: KEY_A }));
  expect(data.mine.totalCount).toBeGreaterThan(0);
  expect(data.theirs).toEqual({ totalCount: 0, edges: [] });
  expect(data.ownById.customerId).toBe(A);
  expect(data.otherById).toBeNull();
  expect(data.otherEvents).toEqual({ totalCount: 0, edges: [] });
  expect(new Set(data.allEvents.edges.map((e: any) => e.node.customer.id))).toEqual(new Set([A]));
  expect(JSON.stringify(data)).not.toContain(B);
});

test('a cursor made by another tenant is refused (it belongs to another query), never a page of their data', async () => {
  const theirs = ok(await t.gql(OPERATIONS.events, { filter: RANGE, first: 2 }, { key: KEY_B }));
  const cursor = theirs.events.pageInfo.endCursor as string;
  expect(theirs.events.edges[0].node.customerId).toBe(B);
  const reused = await t.gql(OPERATIONS.events, { filter: RANGE, first: 2, after: cursor }, { key: KEY_A });
  expect(reused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(reused.body.data ?? null)).not.toContain(B);

  const [other] = await decisionsOf(B);
  expect(other).toBeTruthy();
  const theirDecisions = ok(await t.gql(OPERATIONS.customerDecisions, { customerId: B, first: 1 }, { key: KEY_B }));
  const decisionCursor = theirDecisions.customerDecisions.pageInfo.endCursor as string;
  const reusedDecisions = ok(await t.gql(OPERATIONS.customerDecisions, { customerId: B, first: 1, after: decisionCursor }, { key: KEY_A }));
  expect(reusedDecisions.customerDecisions.edges).toEqual([]);
});

test('the data cache and the response cache: two tenants issuing the same query never share an entry', async () => {
  const query = `query SameForBoth($input: EventStatsInput!) { eventStats(input: $input) { periodStart eventType totalEvents } }`;
  const input = { from: '2026-01-12', to: '2026-01-18', interval: 'DAY', groupBy: ['EVENT_TYPE'], source: 'LAKE' };
  const statuses = (r: GraphQLResult) => (r.body.extensions?.cache?.reads ?? []).map((c: any) => c.status);
  const a1 = await t.gql(query, { input }, { key: KEY_A });
  const a2 = await t.gql(query, { input }, { key: KEY_A });
  expect(ok(a2)).toEqual(ok(a1));
  expect(a2.body.extensions?.cache?.response === 'hit' || statuses(a2).every((s: string) => s === 'hit')).toBe(true);
  // Same text, same variables, same scopes: tenant B gets its own entry (a miss), and its own numbers.
  const b1 = await t.gql(query, { input }, { key: KEY_B });
  expect(b1.body.extensions?.cache?.response).toBeUndefined();
  expect(statuses(b1)).toEqual(['miss']);
  expect(ok(b1)).not.toEqual(ok(a1));
  const sum = (r: GraphQLResult) => ok(r).eventStats.reduce((n: number, s: any) => n + s.totalEvents, 0);
  const [own] = await raw.all<{ n: string }>(`SELECT COUNT(*)::VARCHAR AS n FROM events WHERE day BETWEEN DATE '${input.from}' AND DATE '${input.to}' AND customer_id = '${B}'`);
  expect(sum(b1)).toBe(Number(own!.n));
  // And an unrestricted reader's entry is a third one.
  const reader = await t.gql(query, { input }, { key: TEST_KEYS.reader });
  expect(statuses(reader)).toEqual(['miss']);
  expect(sum(reader)).toBeGreaterThan(sum(b1));
});

test('recordDecision: a tenant writer may record for its own customer only (FORBIDDEN naming the argument otherwise)', async () => {
  const refused = await t.gql(OPERATIONS.recordDecision, { input: decisionInput({ id: 'dec_tenant_other_1', transactionId: 'txn_tenant_other_1', customerId: B }) }, { key: KEY_A_WRITE });
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(refused.body.errors?.[0]?.message).toMatch(/input\.customerId/);
  expect(ok(await t.gql(OPERATIONS.decision, { id: 'dec_tenant_other_1' }, { key: TEST_KEYS.reader })).decision).toBeNull();
  const recorded = await t.gql(OPERATIONS.recordDecision, { input: decisionInput({ id: 'dec_tenant_own_1', transactionId: 'txn_tenant_own_1', customerId: A }) }, { key: KEY_A_WRITE });
  expect(ok(recorded).recordDecision).toMatchObject({ id: 'dec_tenant_own_1', customerId: A });
});

test('datasetFreshness: a tenant\'s day counts are its own rows in the lake and the warehouse', async () => {
  const query = `{ datasetFreshness { dataset newestDay quarantinedRows days(last: 5) { day landingRows lakeRows warehouseRows consistent } } }`;
  const data = ok(await t.gql(query, {}, { key: KEY_A }));
  const lake = data.datasetFreshness.find((d: any) => d.dataset === 'lake.events');
  const days: string[] = lake.days.map((d: any) => d.day);
  const rows = await raw.all<{ day: string; n: string }>(
    `SELECT CAST(day AS VARCHAR) AS day, COUNT(*)::VARCHAR AS n FROM events WHERE customer_id = '${A}' AND day BETWEEN DATE '${days.at(-1)}' AND DATE '${days[0]}' GROUP BY 1`,
  );
  const expected = new Map(rows.map((r) => [r.day, Number(r.n)]));
  expect(lake.quarantinedRows).toBe(0);
  for (const d of lake.days) expect(d).toMatchObject({ landingRows: 0, lakeRows: expected.get(d.day) ?? 0, warehouseRows: expected.get(d.day) ?? 0, consistent: true });
  const everyone = ok(await t.gql(query, {}, { key: TEST_KEYS.reader }));
  const total = everyone.datasetFreshness.find((d: any) => d.dataset === 'lake.events').days.reduce((n: number, d: any) => n + d.lakeRows, 0);
  expect(total).toBeGreaterThan(lake.days.reduce((n: number, d: any) => n + d.lakeRows, 0));
});

test('platform scopes are never a tenant\'s: catalog, cost and GDPR answer FORBIDDEN to a tenant key', async () => {
  const r = await t.gql(`{ costReport(from: "2026-01-01T00:00:00Z", to: "2026-01-31T00:00:00Z") { totalCostUsd } }`, {}, { key: KEY_A });
  expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const g = await t.gql(`{ deletionRequests(first: 1) { totalCount } }`, {}, { key: KEY_A });
  expect(g.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

/** The peer benchmark computed here, in JS, from the warehouse's rows (peers without events count 0). */
function expectedBenchmark(customerId: string, from: string, to: string, minPeers: number) {
  const typeOf = new Map(warehouse.customers.map((c) => [c.customer_id, c.customer_type]));
  const type = typeOf.get(customerId)!;
  const peers = warehouse.customers.filter((c) => c.customer_type === type && c.customer_id !== customerId).map((c) => c.customer_id);
  const weekOf = (day: string) => {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    return d.toISOString().slice(0, 10);
  };
  const counts = new Map<string, number>(); // period|type|customer
  const cells = new Set<string>();
  const members = new Set([...peers, customerId]);
  for (const r of warehouse.counts) {
    if (r.day < from || r.day > to || !members.has(r.customer_id)) continue;
    const cell = `${weekOf(r.day)}|${r.event_type}`;
    cells.add(cell);
    counts.set(`${cell}|${r.customer_id}`, (counts.get(`${cell}|${r.customer_id}`) ?? 0) + r.total_events);
  }
  const percentile = (sorted: number[], q: number) => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  if (peers.length < minPeers) return [];
  return [...cells].sort().map((cell) => {
    const [periodStart, eventType] = cell.split('|') as [string, string];
    const values = peers.map((p) => counts.get(`${cell}|${p}`) ?? 0).sort((x, y) => x - y);
    return {
      periodStart,
      eventType,
      customerType: type,
      ownEvents: counts.get(`${cell}|${customerId}`) ?? 0,
      peers: peers.length,
      peerP25: percentile(values, 0.25),
      peerMedian: percentile(values, 0.5),
      peerP75: percentile(values, 0.75),
    };
  });
}

const BENCHMARK = `query Benchmark($input: EventBenchmarkInput!) { eventBenchmark(input: $input) { periodStart eventType customerType ownEvents peers peerP25 peerMedian peerP75 } }`;

test('eventBenchmark: a tenant beside its peers, equal to the computation from the warehouse rows, in one warehouse query', async () => {
  const expected = expectedBenchmark(A, RANGE.from, RANGE.to, 10);
  expect(expected.length).toBeGreaterThan(0);
  expect(expected[0]!.peers).toBeGreaterThanOrEqual(10);
  const r = await t.gql(BENCHMARK, { input: { ...RANGE, interval: 'WEEK' } }, { key: KEY_A });
  const got = ok(r).eventBenchmark;
  expect(got.length).toBe(expected.length);
  got.forEach((row: any, i: number) => {
    const want = expected[i]!;
    expect({ ...row, peerP25: undefined, peerMedian: undefined, peerP75: undefined }).toEqual({ ...want, peerP25: undefined, peerMedian: undefined, peerP75: undefined });
    expect(row.peerP25).toBeCloseTo(want.peerP25, 9);
    expect(row.peerMedian).toBeCloseTo(want.peerMedian, 9);
    expect(row.peerP75).toBeCloseTo(want.peerP75, 9);
  });
  expect((r.body.extensions?.cost?.queries ?? []).map((q: any) => q.label)).toEqual(['eventBenchmark']);
  // eventTypes narrows; another tenant's customer is an empty answer; an unbound reader names the customer.
  const logins = ok(await t.gql(BENCHMARK, { input: { ...RANGE, interval: 'WEEK', eventTypes: ['login'] } }, { key: KEY_A })).eventBenchmark;
  expect(logins).toEqual(got.filter((row: any) => row.eventType === 'login'));
  expect(ok(await t.gql(BENCHMARK, { input: { ...RANGE, customerId: B } }, { key: KEY_A })).eventBenchmark).toEqual([]);
  expect(ok(await t.gql(BENCHMARK, { input: { ...RANGE, customerId: A } }, { key: TEST_KEYS.reader })).eventBenchmark).toEqual(got);
  const unnamed = await t.gql(BENCHMARK, { input: RANGE }, { key: TEST_KEYS.reader });
  expect(unnamed.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(unnamed.body.errors?.[0]?.message).toMatch(/input\.customerId/);
});

test('eventBenchmark: a peer group below LAKEGATE_BENCHMARK_MIN_PEERS is absent, never revealed', async () => {
  const peers = expectedBenchmark(A, RANGE.from, RANGE.to, 0)[0]!.peers;
  const small = await startTestApp({ env: { LAKEGATE_API_KEYS: keysWithTenants(), LAKEGATE_BENCHMARK_MIN_PEERS: String(peers + 1) } });
  try {
    expect(ok(await small.gql(BENCHMARK, { input: { ...RANGE, customerId: A } }, { key: TEST_KEYS.reader })).eventBenchmark).toEqual([]);
  } finally {
    await small.close();
  }
  expect(expectedBenchmark(A, RANGE.from, RANGE.to, peers).length).toBeGreaterThan(0);
});
