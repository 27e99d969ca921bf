import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoredDecision } from '../../src/ports/decision-store';
import { generateDecisions } from '../../src/seed/decisions';
import { addDays } from '../../src/util/days';
import { applyProcessEnv, startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { cleanupTestData, dataDirCopy, seededTemplate, startTestApp, TEST_KEYS, TEST_SEED, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { decisionInput, OPERATIONS, WEEKLY_DATASET } from './contract-operations';

/**
 * The whole GraphQL contract answered twice from the same data: once by the
 * embedded mode (DuckDB, dynalite) and once by LAKEGATE_MODE=aws against local
 * Athena, Redshift Data, Glue and DynamoDB endpoints (the real AWS SDK clients,
 * configured only through the standard AWS variables and LAKEGATE_* settings).
 * Every operation of contract-operations.ts runs with the same variables against
 * both; `data` must be deeply equal (and errors equal in message and code).
 * `extensions` differ by nature (engines, timings) and are checked separately.
 *
 * Exceptions, and why:
 * - recordDecision's `recordedAt` is the server's clock at the write; it is
 *   compared as "the time this mode's write returned", not across modes.
 * - costReport.queryCosts reports the engines lakegate itself ran (duckdb vs
 *   athena / redshift): it is meant to differ and is checked per mode instead.
 */
jest.setTimeout(300_000);

/** Athena's price of its 10 MB minimum at 5 USD per TB, rounded to the micro-dollar as lakegate reports it. */
const ATHENA_MIN_COST_USD = Math.round(((10 * 1024 * 1024) / 1e12) * 5 * 1e6) / 1e6;
const HASH_KEY = 'parity-subject-hash-key-0123456789abcdef';
let endpoints: AwsEndpoints;
let embedded: TestApp;
let aws: TestApp;
let awsDataDir: string;
let restoreEnv: () => void = () => undefined;

const START_DAY = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const generated: StoredDecision[] = [
  ...generateDecisions({ decisions: TEST_SEED.decisions, customers: TEST_SEED.customers, startDay: START_DAY, endDay: TEST_SEED.endDay, randomSeed: TEST_SEED.randomSeed }),
].flat();

beforeAll(async () => {
  const template = await seededTemplate();
  const embeddedDir = await dataDirCopy();
  // Glue gets the embedded app's own catalog (same file:// locations, same create times).
  endpoints = await startAwsEndpoints({ dataDir: template, catalogFrom: embeddedDir });
  // The AWS SDK reads endpoints, region and credentials from process.env.
  restoreEnv = applyProcessEnv(pick(endpoints.env, /^AWS_/));
  const common = { LAKEGATE_SUBJECT_HASH_KEY: HASH_KEY, LAKEGATE_CACHE_BACKEND: 'off' };
  embedded = await startTestApp({ dataDir: embeddedDir, env: common });
  awsDataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-aws-app-'));
  aws = await startTestApp({ dataDir: awsDataDir, env: { ...common, ...endpoints.env } });
});

afterAll(async () => {
  await aws?.close();
  await embedded?.close();
  await endpoints?.close();
  restoreEnv();
  if (awsDataDir) rmSync(awsDataDir, { recursive: true, force: true });
  cleanupTestData();
});

function pick(env: Record<string, string>, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => pattern.test(k)));
}

interface Pair {
  embedded: GraphQLResult['body'];
  aws: GraphQLResult['body'];
}

const errorsOf = (body: GraphQLResult['body']) => body.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, path: e.path }));

/** Runs one operation against both modes; `data` and errors must be identical. */
async function same(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<Pair> {
  const [e, a] = await Promise.all([embedded.gql(query, variables, { key }), aws.gql(query, variables, { key })]);
  expect(a.status).toBe(e.status);
  expect(errorsOf(a.body)).toEqual(errorsOf(e.body));
  expect(a.body.data).toEqual(e.body.data);
  return { embedded: e.body, aws: a.body };
}

/** Follows `after` cursors in both modes, comparing every page; returns the nodes. */
async function samePages(query: string, field: string, variables: Record<string, unknown>, key?: string, maxPages = 50): Promise<any[]> {
  const nodes: any[] = [];
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const { embedded: body } = await same(query, { ...variables, after }, key);
    expect(body.errors).toBeUndefined();
    const connection = body.data[field];
    nodes.push(...connection.edges.map((edge: any) => edge.node));
    if (!connection.pageInfo.hasNextPage) return nodes;
    after = connection.pageInfo.endCursor;
  }
  throw new Error(`${field}: more than ${maxPages} pages`);
}

describe('decisions', () => {
  test('decision(id) with personal data, masked without pii:read, anonymous, unknown id', async () => {
    for (const d of [generated[0]!, generated[17]!, generated[generated.length - 1]!]) {
      const pii = await same(OPERATIONS.decision, { id: d.id }, TEST_KEYS.pii);
      expect(pii.embedded.data.decision).toMatchObject({ id: d.id, customer: { id: d.customerId, piiMasked: false } });
      expect(pii.embedded.data.decision.customer.email).toMatch(/@/);
      const masked = await same(OPERATIONS.decision, { id: d.id }, TEST_KEYS.reader);
      expect(masked.embedded.data.decision.customer).toMatchObject({ name: '***', email: '***', piiMasked: true });
      await same(OPERATIONS.decision, { id: d.id });
    }
    const unknown = await same(OPERATIONS.decision, { id: 'dec_does_not_exist' });
    expect(unknown.embedded.data.decision).toBeNull();
  });

  test('decisionsByTransaction, oldest first; an unknown transaction is empty', async () => {
    const counts = new Map<string, number>();
    for (const d of generated) counts.set(d.transactionId, (counts.get(d.transactionId) ?? 0) + 1);
    const txns = [...counts.entries()].filter(([, n]) => n >= 2).slice(0, 3).map(([t]) => t);
    expect(txns.length).toBeGreaterThan(0);
    for (const transactionId of txns) {
      const { embedded: body } = await same(OPERATIONS.decisionsByTransaction, { transactionId }, TEST_KEYS.pii);
      expect(body.data.decisionsByTransaction.length).toBe(counts.get(transactionId));
    }
    const none = await same(OPERATIONS.decisionsByTransaction, { transactionId: 'txn_none' });
    expect(none.embedded.data.decisionsByTransaction).toEqual([]);
  });

  test('customerDecisions: every page and cursor identical; from/to', async () => {
    const counts = new Map<string, number>();
    for (const d of generated) counts.set(d.customerId, (counts.get(d.customerId) ?? 0) + 1);
    const customerId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const nodes = await samePages(OPERATIONS.customerDecisions, 'customerDecisions', { customerId, first: 2 });
    expect(nodes).toHaveLength(counts.get(customerId)!);
    const from = nodes[nodes.length - 1].decidedAt;
    const to = nodes[1].decidedAt;
    const ranged = await same(OPERATIONS.customerDecisions, { customerId, from, to, first: 50 }, TEST_KEYS.pii);
    expect(ranged.embedded.data.customerDecisions.edges.length).toBe(nodes.length - 1);
  });

  test('recordDecision: same answer in both modes; idempotent replay; a different body is refused alike', async () => {
    const input = decisionInput({ id: 'dec_parity_0001', transactionId: 'txn_parity_0001', customerId: generated[5]!.customerId });
    const [e, a] = await Promise.all([
      embedded.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer }),
      aws.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer }),
    ]);
    expect(e.body.errors).toBeUndefined();
    expect(a.body.errors).toBeUndefined();
    // recordedAt is each server's clock at the write (the one field that cannot match).
    const withoutTime = ({ recordedAt, ...rest }: any) => {
      expect(Date.parse(recordedAt)).toBeGreaterThan(Date.now() - 120_000);
      return rest;
    };
    expect(withoutTime(a.body.data.recordDecision)).toEqual(withoutTime(e.body.data.recordDecision));
    expect(withoutTime(e.body.data.recordDecision)).toMatchObject(input);
    const recordedAt = { embedded: e.body.data.recordDecision.recordedAt, aws: a.body.data.recordDecision.recordedAt };

    // Replays answer the stored decision (same recordedAt as the first write, per mode).
    const replayE = await embedded.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer });
    const replayA = await aws.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer });
    expect(replayE.body.data.recordDecision.recordedAt).toBe(recordedAt.embedded);
    expect(replayA.body.data.recordDecision.recordedAt).toBe(recordedAt.aws);

    const conflict = await same(OPERATIONS.recordDecision, { input: { ...input, riskScore: 0.43 } }, TEST_KEYS.writer);
    expect(conflict.embedded.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');

    // Visible at once to every read path, identically (recordedAt aside).
    const normalize = (body: any) => JSON.parse(JSON.stringify(body.data).replace(new RegExp(`"${recordedAt.aws}"|"${recordedAt.embedded}"`, 'g'), '"<recordedAt>"'));
    for (const [query, variables] of [
      [OPERATIONS.decision, { id: input.id }],
      [OPERATIONS.decisionsByTransaction, { transactionId: input.transactionId }],
      [OPERATIONS.customerDecisions, { customerId: input.customerId, from: input.decidedAt, to: input.decidedAt }],
    ] as const) {
      const [re, ra] = await Promise.all([embedded.gql(query, variables, { key: TEST_KEYS.writer }), aws.gql(query, variables, { key: TEST_KEYS.writer })]);
      expect(re.body.errors).toBeUndefined();
      expect(normalize(ra.body)).toEqual(normalize(re.body));
      expect(JSON.stringify(re.body.data)).toContain(input.id);
    }
  });
});

describe('events', () => {
  const filter = { from: '2026-01-20', to: '2026-01-22' };

  test('a range paged through every page, cursors and totalCount identical', async () => {
    const nodes = await samePages(OPERATIONS.events, 'events', { filter, first: 500 });
    expect(nodes.length).toBeGreaterThan(1000);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
  });

  test('every Event field with personal data, and masked without pii:read', async () => {
    const pii = await same(OPERATIONS.events, { filter, first: 25 }, TEST_KEYS.pii);
    expect(pii.embedded.data.events.edges.every((e: any) => e.node.customer.piiMasked === false && /@/.test(e.node.customer.email))).toBe(true);
    const masked = await same(OPERATIONS.events, { filter, first: 25 }, TEST_KEYS.reader);
    expect(masked.embedded.data.events.edges.every((e: any) => e.node.customer.email === '***')).toBe(true);
  });

  test('filters: customerId, eventTypes, customerTypes; an empty range; bad input', async () => {
    const { embedded: first } = await same(OPERATIONS.events, { filter, first: 1 });
    const node = first.data.events.edges[0].node;
    const byCustomer = await samePages(OPERATIONS.events, 'events', { filter: { ...filter, customerId: node.customerId }, first: 3 });
    expect(byCustomer.length).toBeGreaterThan(0);
    const typed = await same(OPERATIONS.events, { filter: { ...filter, eventTypes: [node.eventType], customerTypes: [node.customerType] }, first: 100 });
    expect(typed.embedded.data.events.totalCount).toBeGreaterThan(0);
    const empty = await same(OPERATIONS.events, { filter: { from: '2025-06-01', to: '2025-06-03' }, first: 10 });
    expect(empty.embedded.data.events).toMatchObject({ totalCount: 0, edges: [] });
    const none = await same(OPERATIONS.events, { filter: { ...filter, customerId: 'cus_999999' }, first: 10 });
    expect(none.embedded.data.events.totalCount).toBe(0);
    const bad = await same(OPERATIONS.events, { filter: { from: '2026-01-22', to: '2026-01-20' }, first: 10 });
    expect(bad.embedded.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  test('extensions.cost: Athena for the lake (bytes scanned, at least the 10 MB minimum price), Redshift for customers', async () => {
    const { aws: body } = await same(OPERATIONS.events, { filter, first: 50 }, TEST_KEYS.pii);
    const queries = body.extensions!.cost.queries;
    const page = queries.find((q: any) => q.label === 'events.page');
    expect(page).toMatchObject({ engine: 'athena', partitions: 3 });
    expect(page.bytesScanned).toBeGreaterThan(0);
    expect(page.costUsd).toBeGreaterThanOrEqual(ATHENA_MIN_COST_USD);
    expect(page.queryId).toEqual(expect.any(String));
    expect(queries.find((q: any) => q.label === 'customers.byIds')).toMatchObject({ engine: 'redshift' });
    expect(queries.every((q: any) => ['athena', 'redshift', 'dynamodb'].includes(q.engine))).toBe(true);
  });
});

describe('eventStats', () => {
  test('the weekly dataset from the warehouse (Redshift) and the lake (Athena): identical, and equal to each other', async () => {
    const warehouse = await same(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'WAREHOUSE' } });
    const lake = await same(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'LAKE' } });
    expect(warehouse.embedded.data.eventStats.length).toBeGreaterThan(10);
    expect(lake.aws.data.eventStats).toEqual(warehouse.aws.data.eventStats);
    expect(warehouse.aws.extensions!.cost.queries.find((q: any) => q.label === 'eventStats.warehouse')).toMatchObject({ engine: 'redshift' });
    const lakeQuery = lake.aws.extensions!.cost.queries.find((q: any) => q.label === 'eventStats.lake');
    expect(lakeQuery).toMatchObject({ engine: 'athena' });
    expect(lakeQuery.bytesScanned).toBeGreaterThan(0);
    expect(lakeQuery.costUsd).toBeGreaterThanOrEqual(ATHENA_MIN_COST_USD);
  });

  test('DAY, MONTH, CUSTOMER grouping and no grouping, from both sources', async () => {
    const range = { from: '2026-01-02', to: '2026-01-31' };
    for (const source of ['WAREHOUSE', 'LAKE']) {
      const days = await same(OPERATIONS.eventStats, { input: { ...range, interval: 'DAY', source } });
      expect(days.embedded.data.eventStats).toHaveLength(30);
      const month = await same(OPERATIONS.eventStats, { input: { ...range, interval: 'MONTH', source } });
      expect(month.embedded.data.eventStats[0].totalEvents).toBe(TEST_SEED.events);
      const byCustomer = await same(OPERATIONS.eventStats, { input: { ...range, interval: 'MONTH', groupBy: ['CUSTOMER'], source } });
      expect(byCustomer.embedded.data.eventStats.length).toBeGreaterThan(50);
      await same(OPERATIONS.eventStats, { input: { ...range, interval: 'WEEK', groupBy: ['EVENT_TYPE', 'CUSTOMER_TYPE'], excludeCustomerTypes: ['Reseller', 'SMB'], source } });
    }
  });
});

describe('eventBenchmark', () => {
  test('a customer beside its peers: the same figures from Redshift as from the embedded warehouse, in one Redshift statement', async () => {
    const range = { from: '2026-01-05', to: '2026-01-25' };
    const byCustomer = await same(OPERATIONS.eventStats, { input: { ...range, interval: 'MONTH', groupBy: ['CUSTOMER'], source: 'WAREHOUSE' } });
    const customerId = byCustomer.embedded.data.eventStats[0].customerId as string;
    const query = `query B($input: EventBenchmarkInput!) { eventBenchmark(input: $input) { periodStart eventType customerType ownEvents peers peerP25 peerMedian peerP75 } }`;
    const weekly = await same(query, { input: { ...range, customerId, interval: 'WEEK' } }, TEST_KEYS.reader);
    expect(weekly.embedded.data.eventBenchmark.length).toBeGreaterThan(3);
    expect(weekly.aws.extensions!.cost.queries.filter((q: any) => q.label === 'eventBenchmark')).toEqual([expect.objectContaining({ engine: 'redshift' })]);
    await same(query, { input: { ...range, customerId, interval: 'MONTH', eventTypes: ['login', 'payment'] } }, TEST_KEYS.reader);
  });
});

describe('catalog (Glue)', () => {
  test('catalogDatabases with their tables, by default and by catalog id', async () => {
    const all = await same(OPERATIONS.catalogDatabases, {});
    expect(all.embedded.data.catalogDatabases.map((d: any) => d.name)).toEqual(['lake', 'warehouse']);
    const tables = all.embedded.data.catalogDatabases.flatMap((d: any) => d.tables.edges.map((e: any) => e.node));
    expect(tables.find((t: any) => t.name === 'weekly_event_counts')).toMatchObject({ tableType: 'VIRTUAL_VIEW', viewText: expect.any(String) });
    await same(OPERATIONS.catalogDatabases, { catalogId: '000000000000' });
  });

  test('catalogTable: every table, partitions paged in day order; unknown table; nameLike', async () => {
    // catalogTable nests its connection: follow the partitions' cursors here.
    const days: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { embedded: body }: Pair = await same(OPERATIONS.catalogTable, { database: 'lake', name: 'events', first: 7, after });
      const parts = body.data.catalogTable.partitions;
      days.push(...parts.edges.map((e: any) => e.node.values[0]));
      if (!parts.pageInfo.hasNextPage) break;
      after = parts.pageInfo.endCursor;
    }
    expect(days).toEqual(Array.from({ length: TEST_SEED.days }, (_, i) => addDays(START_DAY, i)));
    for (const name of ['customers', 'daily_event_counts', 'weekly_event_counts']) {
      const { embedded: body } = await same(OPERATIONS.catalogTable, { database: 'warehouse', name, first: 5 });
      expect(body.data.catalogTable.name).toBe(name);
    }
    const missing = await same(OPERATIONS.catalogTable, { database: 'lake', name: 'nope' });
    expect(missing.embedded.data.catalogTable).toBeNull();
    const like = await same(OPERATIONS.tablesLike, { nameLike: '%EVENT%' });
    expect(like.embedded.data.catalogDatabases.flatMap((d: any) => d.tables.edges).length).toBe(3);
    await same(OPERATIONS.tablesLike, { nameLike: 'cust%' });
  });
});

describe('cost (Glue job runs)', () => {
  const window = { from: '2026-01-02T00:00:00.000Z', to: '2026-01-31T23:59:59.999Z' };

  test('glueJobRuns paged newest first, and filtered', async () => {
    const runs = await samePages(OPERATIONS.glueJobRuns, 'glueJobRuns', { filter: window, first: 100 });
    expect(runs.length).toBeGreaterThan(100);
    const job = runs[0].jobName;
    const byJob = await same(OPERATIONS.glueJobRuns, { filter: { ...window, jobNames: [job] }, first: 500 });
    expect(byJob.embedded.data.glueJobRuns.totalCount).toBeGreaterThan(0);
    const failed = await same(OPERATIONS.glueJobRuns, { filter: { ...window, states: ['FAILED', 'TIMEOUT'] }, first: 500 });
    expect(failed.embedded.data.glueJobRuns.totalCount).toBeGreaterThan(0);
    await same(OPERATIONS.glueJobRuns, { filter: { ...window, violations: ['WORKER_THRESHOLD'] }, first: 500 });
    await same(OPERATIONS.glueJobRuns, {});
  });

  test('costReport', async () => {
    const { embedded: body } = await same(OPERATIONS.costReport, window);
    expect(body.data.costReport.jobs.length).toBeGreaterThanOrEqual(10);
    expect(body.data.costReport.totalCostUsd).toBeGreaterThan(0);
  });

  test('queryCosts: the AWS ledger (DynamoDB) holds the Athena and Redshift queries with bytes and cost', async () => {
    // Not compared across modes: queryCosts reports the engines lakegate ran, which
    // differ by design. (Both apps share this process's accounting sinks, so each
    // ledger also sees the other's queries; only what AWS mode must hold is checked.)
    await aws.gql(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'LAKE' } });
    await aws.gql(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, source: 'WAREHOUSE' } });
    await aws.app.backends.queryLedger.flush();
    const now = Date.now();
    const span = { from: new Date(now - 3600_000).toISOString(), to: new Date(now + 60_000).toISOString() };
    const { body } = await aws.gql(OPERATIONS.queryCosts, span);
    expect(body.errors).toBeUndefined();
    const byEngine = new Map<string, any>(body.data.costReport.queryCosts.map((q: any) => [q.engine, q]));
    expect(byEngine.get('athena').count).toBeGreaterThan(0);
    expect(byEngine.get('athena').bytesScanned).toBeGreaterThan(0);
    expect(byEngine.get('athena').costUsd).toBeGreaterThanOrEqual(byEngine.get('athena').count * (ATHENA_MIN_COST_USD) - 1e-9);
    expect(byEngine.get('redshift').count).toBeGreaterThan(0);
    expect(byEngine.get('redshift').costUsd).toBeGreaterThan(0);
  });
});
