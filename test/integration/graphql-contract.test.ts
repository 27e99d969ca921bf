import type { StoredDecision } from '../../src/ports/decision-store';
import { generateDecisions } from '../../src/seed/decisions';
import { addDays } from '../../src/util/days';
import { rawDuckDb, type RawDuckDb } from '../helpers/raw-duckdb';
import { cleanupTestData, startTestApp, TEST_KEYS, TEST_SEED, type TestApp } from '../helpers/test-app';
import { decisionInput, OPERATIONS, WEEKLY_DATASET } from './contract-operations';

/**
 * The public contract over HTTP against a real server on the embedded stores:
 * every query and field of DESIGN.md, checked against what the seed generated
 * (decisions) and against DuckDB reading the same Parquet files directly (events).
 */
jest.setTimeout(120_000);

let t: TestApp;
let raw: RawDuckDb;
const START_DAY = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const generated: StoredDecision[] = [
  ...generateDecisions({ decisions: TEST_SEED.decisions, customers: TEST_SEED.customers, startDay: START_DAY, endDay: TEST_SEED.endDay, randomSeed: TEST_SEED.randomSeed }),
].flat();

beforeAll(async () => {
  t = await startTestApp();
  raw = await rawDuckDb(t.dataDir);
});
afterAll(async () => {
  raw?.close();
  await t?.close();
  cleanupTestData();
});

const strip = ({ bodyHash: _h, ...d }: StoredDecision) => d;
const newestFirst = (a: StoredDecision, b: StoredDecision) => (a.decidedAt === b.decidedAt ? (a.id < b.id ? 1 : -1) : a.decidedAt < b.decidedAt ? 1 : -1);

describe('decisions', () => {
  test('decision(id) returns the stored decision with every field, and its customer', async () => {
    const expected = generated[17]!;
    const { body } = await t.gql(OPERATIONS.decision, { id: expected.id }, { key: TEST_KEYS.pii });
    expect(body.errors).toBeUndefined();
    const { customer, ...decision } = body.data.decision;
    expect(decision).toEqual(strip(expected));
    expect(customer).toMatchObject({ id: expected.customerId, piiMasked: false });
    expect(customer.email).toMatch(/@/);
    expect(['Enterprise', 'SMB', 'Reseller', 'Partner']).toContain(customer.customerType);
  });

  test('decision(id) of an unknown id is null', async () => {
    const { body } = await t.gql(OPERATIONS.decision, { id: 'dec_does_not_exist' });
    expect(body.errors).toBeUndefined();
    expect(body.data.decision).toBeNull();
  });

  test('decisionsByTransaction lists every decision of the transaction, oldest first', async () => {
    const byTxn = new Map<string, StoredDecision[]>();
    for (const d of generated) byTxn.set(d.transactionId, [...(byTxn.get(d.transactionId) ?? []), d]);
    const [txn, decisions] = [...byTxn.entries()].find(([, ds]) => ds.length >= 2)!;
    const { body } = await t.gql(OPERATIONS.decisionsByTransaction, { transactionId: txn });
    expect(body.errors).toBeUndefined();
    const ids = body.data.decisionsByTransaction.map((d: { id: string }) => d.id);
    const expected = [...decisions].sort((a, b) => (a.decidedAt === b.decidedAt ? (a.id < b.id ? -1 : 1) : a.decidedAt < b.decidedAt ? -1 : 1));
    expect(ids).toEqual(expected.map((d) => d.id));
  });

  test('customerDecisions pages newest first through every decision, without gaps or repeats', async () => {
    const counts = new Map<string, number>();
    for (const d of generated) counts.set(d.customerId, (counts.get(d.customerId) ?? 0) + 1);
    const customerId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const expected = generated.filter((d) => d.customerId === customerId).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(3);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body }: { body: any } = await t.gql(OPERATIONS.customerDecisions, { customerId, first: 2, after });
      expect(body.errors).toBeUndefined();
      const c: any = body.data.customerDecisions;
      expect(c.totalCount).toBe(expected.length);
      expect(c.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...c.edges.map((e: { node: { id: string } }) => e.node.id));
      pages++;
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected.map((d) => d.id));
    expect(pages).toBe(Math.ceil(expected.length / 2));
  });

  test('customerDecisions honours from/to (inclusive)', async () => {
    const customerId = generated[0]!.customerId;
    const all = generated.filter((d) => d.customerId === customerId).sort(newestFirst);
    const from = all[all.length - 1]!.decidedAt;
    const to = all[0]!.decidedAt;
    const { body } = await t.gql(OPERATIONS.customerDecisions, { customerId, from, to, first: 500 });
    expect(body.data.customerDecisions.edges.map((e: any) => e.node.id)).toEqual(all.map((d) => d.id));
    const narrow = await t.gql(OPERATIONS.customerDecisions, { customerId, from: to, to, first: 500 });
    expect(narrow.body.data.customerDecisions.edges.map((e: any) => e.node.id)).toEqual(all.filter((d) => d.decidedAt === to).map((d) => d.id));
  });

  test('personal data is masked without pii:read', async () => {
    const { body } = await t.gql(OPERATIONS.decision, { id: generated[3]!.id }, { key: TEST_KEYS.reader });
    expect(body.data.decision.customer).toMatchObject({ name: '***', email: '***', piiMasked: true });
    const anonymous = await t.gql(OPERATIONS.decision, { id: generated[3]!.id });
    expect(anonymous.body.data.decision.customer).toMatchObject({ name: '***', email: '***', piiMasked: true });
  });
});

describe('recordDecision', () => {
  const input = decisionInput({ id: 'dec_contract_0001', transactionId: 'txn_contract_0001', customerId: 'cus_000042' });

  test('writes the decision, visible at once to decision, decisionsByTransaction and customerDecisions', async () => {
    const { body } = await t.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer });
    expect(body.errors).toBeUndefined();
    const { customer, recordedAt, ...written } = body.data.recordDecision;
    expect(written).toEqual(input);
    expect(Date.parse(recordedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(customer.id).toBe('cus_000042');

    const byId = await t.gql(OPERATIONS.decision, { id: input.id }, { key: TEST_KEYS.writer });
    expect(byId.body.data.decision.recordedAt).toBe(recordedAt);
    const byTxn = await t.gql(OPERATIONS.decisionsByTransaction, { transactionId: input.transactionId }, { key: TEST_KEYS.writer });
    expect(byTxn.body.data.decisionsByTransaction.map((d: any) => d.id)).toEqual([input.id]);
    const byCustomer = await t.gql(OPERATIONS.customerDecisions, { customerId: input.customerId, from: input.decidedAt, to: input.decidedAt }, { key: TEST_KEYS.writer });
    expect(byCustomer.body.data.customerDecisions.edges.map((e: any) => e.node.id)).toContain(input.id);
  });

  test('the same id and body returns the stored decision; another body is BAD_USER_INPUT naming input.id', async () => {
    const first = await t.gql(OPERATIONS.recordDecision, { input: { ...input, id: 'dec_contract_0002' } }, { key: TEST_KEYS.writer });
    const again = await t.gql(OPERATIONS.recordDecision, { input: { ...input, id: 'dec_contract_0002' } }, { key: TEST_KEYS.writer });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data.recordDecision.recordedAt).toBe(first.body.data.recordDecision.recordedAt);

    const changed = await t.gql(OPERATIONS.recordDecision, { input: { ...input, id: 'dec_contract_0002', riskScore: 0.43 } }, { key: TEST_KEYS.writer });
    expect(changed.body.data).toBeNull();
    expect(changed.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(changed.body.errors![0]!.message).toMatch(/^input\.id: decision "dec_contract_0002" was already recorded with a different body/);
    const stored = await t.gql(OPERATIONS.decision, { id: 'dec_contract_0002' }, { key: TEST_KEYS.writer });
    expect(stored.body.data.decision.riskScore).toBe(0.42);
  });

  test('concurrent identical writes store one decision', async () => {
    const id = 'dec_contract_race';
    const results = await Promise.all(Array.from({ length: 10 }, () => t.gql(OPERATIONS.recordDecision, { input: { ...input, id } }, { key: TEST_KEYS.writer })));
    for (const r of results) expect(r.body.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.body.data.recordDecision.recordedAt)).size).toBe(1);
  });
});

describe('events', () => {
  const filter = { from: '2026-01-20', to: '2026-01-22' };

  test('events of a range, newest first, paged without gaps; totalCount matches the lake', async () => {
    const [{ n }] = await raw.all<{ n: string }>(`SELECT COUNT(*) AS n FROM events WHERE day BETWEEN '2026-01-20' AND '2026-01-22'`);
    const seen: Array<{ id: string; occurredAt: string }> = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { body }: { body: any } = await t.gql(OPERATIONS.events, { filter, first: 500, after });
      expect(body.errors).toBeUndefined();
      expect(body.data.events.totalCount).toBe(Number(n));
      seen.push(...body.data.events.edges.map((e: any) => e.node));
      if (!body.data.events.pageInfo.hasNextPage) break;
      after = body.data.events.pageInfo.endCursor;
    }
    expect(seen.length).toBe(Number(n));
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1]!.occurredAt >= seen[i]!.occurredAt).toBe(true);
  });

  test('every field of Event matches the Parquet row', async () => {
    const { body } = await t.gql(OPERATIONS.events, { filter, first: 5 }, { key: TEST_KEYS.pii });
    expect(body.errors).toBeUndefined();
    for (const { node } of body.data.events.edges) {
      const [row] = await raw.all<any>(`SELECT *, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS iso FROM events WHERE event_id = '${node.id}'`);
      expect(node).toMatchObject({
        occurredAt: row.iso,
        day: String(row.day),
        customerId: row.customer_id,
        customerType: row.customer_type,
        eventType: row.event_type,
        source: row.source,
        region: row.region,
        severity: row.severity,
        attributes: JSON.parse(row.attributes),
      });
      expect(node.customer).toMatchObject({ id: row.customer_id, piiMasked: false });
    }
  });

  test('filters: customerId, eventTypes, customerTypes', async () => {
    const [{ customer_id, event_type, customer_type }] = await raw.all<any>(`SELECT customer_id, event_type, customer_type FROM events WHERE day = '2026-01-21' LIMIT 1`);
    const byCustomer = await t.gql(OPERATIONS.events, { filter: { ...filter, customerId: customer_id }, first: 500 });
    const [{ n }] = await raw.all<{ n: string }>(`SELECT COUNT(*) AS n FROM events WHERE day BETWEEN '2026-01-20' AND '2026-01-22' AND customer_id = '${customer_id}'`);
    expect(byCustomer.body.data.events.edges.length).toBe(Number(n));
    expect(byCustomer.body.data.events.edges.every((e: any) => e.node.customerId === customer_id)).toBe(true);
    // Only the customer's bucket files are read: 1 of 16 per day.
    const pageQuery = byCustomer.body.extensions!.cost.queries.find((q: any) => q.label === 'events.page');
    expect(pageQuery.files).toBe(3);

    const typed = await t.gql(OPERATIONS.events, { filter: { ...filter, eventTypes: [event_type], customerTypes: [customer_type] }, first: 500 });
    const [{ m }] = await raw.all<{ m: string }>(
      `SELECT COUNT(*) AS m FROM events WHERE day BETWEEN '2026-01-20' AND '2026-01-22' AND event_type = '${event_type}' AND customer_type = '${customer_type}'`,
    );
    expect(typed.body.data.events.totalCount).toBe(Number(m));
    expect(typed.body.data.events.edges.every((e: any) => e.node.eventType === event_type && e.node.customerType === customer_type)).toBe(true);
  });

  test('only the partitions in range are read (extensions.cost)', async () => {
    const one = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-21', to: '2026-01-21' }, first: 1 });
    const q = one.body.extensions!.cost.queries.find((x: any) => x.label === 'events.page');
    expect(q).toMatchObject({ engine: 'duckdb', partitions: 1, files: 16 });
    expect(q.bytesScanned).toBeGreaterThan(0);
    expect(one.body.extensions!.cost.total.queries).toBeGreaterThanOrEqual(1);
  });

  test('Event.customer is batched: one warehouse query for a page of 200 events', async () => {
    const { body } = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-02', to: '2026-01-31' }, first: 200 });
    expect(body.errors).toBeUndefined();
    const customers = new Set(body.data.events.edges.map((e: any) => e.node.customerId));
    expect(customers.size).toBeGreaterThan(20);
    const customerQueries = body.extensions!.cost.queries.filter((q: any) => q.label === 'customers.byIds');
    expect(customerQueries).toHaveLength(1);
    expect(customerQueries[0].rows).toBe(customers.size);
  });
});

describe('eventStats', () => {
  test('the weekly dataset: WAREHOUSE and LAKE give the same numbers, equal to SQL over the Parquet files', async () => {
    const warehouse = await t.gql(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'WAREHOUSE' } });
    const lake = await t.gql(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'LAKE' } });
    expect(warehouse.body.errors).toBeUndefined();
    expect(lake.body.errors).toBeUndefined();
    expect(lake.body.data.eventStats).toEqual(warehouse.body.data.eventStats);
    const expected = await raw.all<any>(
      `SELECT strftime(CAST(date_trunc('week', day) AS DATE), '%Y-%m-%d') AS periodStart, customer_type AS customerType, event_type AS eventType, COUNT(*) AS totalEvents
       FROM events WHERE day BETWEEN '2026-01-05' AND '2026-01-25' AND customer_type NOT IN ('Reseller') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    expect(warehouse.body.data.eventStats).toEqual(expected.map((r) => ({ ...r, customerId: null, totalEvents: Number(r.totalEvents) })));
    expect(new Set(expected.map((r) => r.periodStart))).toEqual(new Set(['2026-01-05', '2026-01-12', '2026-01-19']));
  });

  test('DAY, MONTH, no grouping and CUSTOMER grouping agree with each other', async () => {
    const range = { from: '2026-01-02', to: '2026-01-31' };
    const days = await t.gql(OPERATIONS.eventStats, { input: { ...range, interval: 'DAY' } });
    const month = await t.gql(OPERATIONS.eventStats, { input: { ...range, interval: 'MONTH', source: 'LAKE' } });
    const byCustomer = await t.gql(OPERATIONS.eventStats, { input: { ...range, interval: 'MONTH', groupBy: ['CUSTOMER'] } });
    expect(days.body.data.eventStats).toHaveLength(30);
    const total = days.body.data.eventStats.reduce((s: number, r: any) => s + r.totalEvents, 0);
    expect(total).toBe(TEST_SEED.events);
    expect(month.body.data.eventStats).toEqual([{ periodStart: '2026-01-01', customerType: null, eventType: null, customerId: null, totalEvents: TEST_SEED.events }]);
    expect(byCustomer.body.data.eventStats.reduce((s: number, r: any) => s + r.totalEvents, 0)).toBe(TEST_SEED.events);
    expect(byCustomer.body.data.eventStats.every((r: any) => /^cus_\d{6}$/.test(r.customerId))).toBe(true);
  });
});

describe('catalog', () => {
  test('databases with their tables: the lake table, warehouse tables and a view', async () => {
    const { body } = await t.gql(OPERATIONS.catalogDatabases, {});
    expect(body.errors).toBeUndefined();
    const dbs = body.data.catalogDatabases;
    expect(dbs.map((d: any) => d.name)).toEqual(['lake', 'warehouse']);
    for (const db of dbs) {
      expect(db.catalogId).toBe('000000000000');
      expect(db.description).toEqual(expect.any(String));
    }
    const tables = dbs.flatMap((d: any) => d.tables.edges.map((e: any) => e.node));
    const byName = new Map(tables.map((x: any) => [`${x.database}.${x.name}`, x]));
    expect(byName.get('lake.events')).toMatchObject({ tableType: 'EXTERNAL_TABLE', format: 'parquet', partitionKeys: [{ name: 'day', type: 'date' }] });
    expect(byName.get('warehouse.customers')).toMatchObject({ tableType: 'MANAGED_TABLE' });
    expect(byName.get('warehouse.daily_event_counts')).toMatchObject({ tableType: 'MANAGED_TABLE' });
    const view: any = byName.get('warehouse.weekly_event_counts');
    expect(view.tableType).toBe('VIRTUAL_VIEW');
    expect(view.viewText).toMatch(/date_trunc\('week', "?day"?\)/);
    expect((byName.get('lake.events') as any).columns.map((c: any) => c.name)).toEqual([
      'event_id', 'occurred_at', 'customer_id', 'customer_type', 'event_type', 'source', 'region', 'severity', 'attributes',
    ]);
  });

  test('catalogTable with partitions paged in day order', async () => {
    const values: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { body }: { body: any } = await t.gql(OPERATIONS.catalogTable, { database: 'lake', name: 'events', first: 7, after });
      expect(body.errors).toBeUndefined();
      const parts: any = body.data.catalogTable.partitions;
      for (const e of parts.edges) {
        values.push(e.node.values[0]);
        expect(e.node.location).toMatch(/day=\d{4}-\d{2}-\d{2}\/$/);
        expect(Number(e.node.parameters.numFiles)).toBe(16);
      }
      if (!parts.pageInfo.hasNextPage) break;
      after = parts.pageInfo.endCursor;
    }
    const expected = Array.from({ length: TEST_SEED.days }, (_, i) => addDays(START_DAY, i));
    expect(values).toEqual(expected);
  });

  test('an unknown table is null; nameLike filters tables', async () => {
    const missing = await t.gql(OPERATIONS.catalogTable, { database: 'lake', name: 'nope' });
    expect(missing.body.errors).toBeUndefined();
    expect(missing.body.data.catalogTable).toBeNull();
    const like = await t.gql(OPERATIONS.tablesLike, { nameLike: '%EVENT%' });
    const names = like.body.data.catalogDatabases.flatMap((d: any) => d.tables.edges.map((e: any) => e.node.name)).sort();
    expect(names).toEqual(['daily_event_counts', 'events', 'weekly_event_counts']);
  });
});

describe('cost', () => {
  const window = { from: '2026-01-02T00:00:00.000Z', to: '2026-01-31T23:59:59.999Z' };

  test('glueJobRuns: every run priced and checked against the thresholds; paged newest first', async () => {
    const runs: any[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const { body }: { body: any } = await t.gql(OPERATIONS.glueJobRuns, { filter: window, first: 100, after });
      expect(body.errors).toBeUndefined();
      runs.push(...body.data.glueJobRuns.edges.map((e: any) => e.node));
      if (!body.data.glueJobRuns.pageInfo.hasNextPage) break;
      after = body.data.glueJobRuns.pageInfo.endCursor;
    }
    expect(runs.length).toBeGreaterThan(100);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    for (let i = 1; i < runs.length; i++) expect(runs[i - 1].startedOn >= runs[i].startedOn).toBe(true);
    for (const r of runs) {
      expect(r.estimatedCostUsd).toBeCloseTo((r.dpuSeconds / 3600) * 0.44, 5);
      if (r.state === 'FAILED') expect(r.violations).toContain('FAILED');
      if (r.state === 'TIMEOUT') expect(r.violations).toContain('TIMEOUT');
      if (r.violations.includes('WORKER_THRESHOLD')) expect(r.numberOfWorkers).toBeGreaterThan(10);
      if (r.violations.includes('DURATION_THRESHOLD')) expect(r.executionTimeSeconds).toBeGreaterThan(480 * 60);
    }
    // Jobs tagged remediate=false run with more than 10 workers but are never flagged for it.
    const bigUnflagged = runs.filter((r) => r.numberOfWorkers > 10 && !r.violations.includes('WORKER_THRESHOLD'));
    expect(bigUnflagged.length).toBeGreaterThan(0);
    expect(runs.some((r) => r.violations.includes('WORKER_THRESHOLD'))).toBe(true);
    const workerTypes = new Set(runs.map((r) => r.workerType));
    for (const type of ['G.1X', 'G.2X', 'G.4X', 'G.8X', 'Z.2X']) expect(workerTypes).toContain(type);
  });

  test('costReport: per-job aggregates add up; longest runs; violations', async () => {
    const { body } = await t.gql(OPERATIONS.costReport, window);
    expect(body.errors).toBeUndefined();
    const r = body.data.costReport;
    expect(r.jobs.length).toBeGreaterThanOrEqual(10);
    const sum = r.jobs.reduce((s: number, j: any) => s + j.costUsd, 0);
    expect(r.totalCostUsd).toBeCloseTo(sum, 4);
    for (const j of r.jobs) expect(j.succeeded + j.failed + j.timedOut + j.stopped).toBeLessThanOrEqual(j.runs);
    expect(r.longestRuns).toHaveLength(10);
    for (let i = 1; i < r.longestRuns.length; i++) expect(r.longestRuns[i - 1].executionTimeSeconds).toBeGreaterThanOrEqual(r.longestRuns[i].executionTimeSeconds);
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.violations.every((v: any) => v.violations.length > 0)).toBe(true);
    expect(r.thresholds).toEqual({ maxWorkers: 10, maxMinutes: 480, dpuHourUsd: 0.44 });
  });

  test("queryCosts reports lakegate's own queries from the ledger", async () => {
    await t.gql(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'LAKE' } });
    await t.app.backends.queryLedger.flush();
    const now = new Date();
    const { body } = await t.gql(OPERATIONS.queryCosts, { from: new Date(now.getTime() - 3600_000).toISOString(), to: new Date(now.getTime() + 60_000).toISOString() });
    expect(body.errors).toBeUndefined();
    const duckdb = body.data.costReport.queryCosts.find((q: any) => q.engine === 'duckdb');
    expect(duckdb.count).toBeGreaterThan(0);
    expect(duckdb.bytesScanned).toBeGreaterThan(0);
    const dynamodb = body.data.costReport.queryCosts.find((q: any) => q.engine === 'dynamodb');
    expect(dynamodb.count).toBeGreaterThan(0);
  });
});
