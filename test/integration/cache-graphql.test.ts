import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { cleanupTestData, dataDirCopy, startTestApp, TEST_KEYS, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS, WEEKLY_DATASET } from './contract-operations';

/**
 * The Redis cache through GraphQL, against a real redis-server: extensions.cache,
 * scope separation, one backend query for one key across two server processes
 * sharing one Redis, tag invalidation by mutation, and fail-open when Redis dies
 * (answers keep coming; caching resumes when it is back).
 */
jest.setTimeout(180_000);

let redis: RedisServer;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, LAKEGATE_CACHE_PREFIX: 'it:', LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: '200', LAKEGATE_CACHE_BREAKER_MS: '200' };
  // Two lakegate processes over the same data (each its own copy: DuckDB files are single-writer).
  a = await startTestApp({ env, dataDir: await dataDirCopy() });
  b = await startTestApp({ env, dataDir: await dataDirCopy() });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
  cleanupTestData();
});

const backendQueries = (r: GraphQLResult, prefix: string) => (r.body.extensions?.cost?.queries ?? []).filter((q: any) => String(q.label).startsWith(prefix)).length;
const cacheStatuses = (r: GraphQLResult) => (r.body.extensions?.cache?.reads ?? []).map((c: any) => c.status);

test('a miss then a hit, reported in extensions.cache and extensions.cost', async () => {
  const input = { ...WEEKLY_DATASET, from: '2026-01-12', source: 'WAREHOUSE' };
  const first = await a.gql(OPERATIONS.eventStats, { input });
  expect(cacheStatuses(first)).toEqual(['miss']);
  expect(backendQueries(first, 'eventStats')).toBe(1);
  const second = await a.gql(OPERATIONS.eventStats, { input });
  expect(cacheStatuses(second)).toEqual(['hit']);
  expect(backendQueries(second, 'eventStats')).toBe(0);
  expect(second.body.data).toEqual(first.body.data);
  // The other process shares the entry through Redis.
  const other = await b.gql(OPERATIONS.eventStats, { input });
  expect(cacheStatuses(other)).toEqual(['hit']);
});

test('100 concurrent identical misses across two processes: one backend query', async () => {
  const input = { ...WEEKLY_DATASET, from: '2026-01-05', to: '2026-01-18', source: 'LAKE' };
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).gql(OPERATIONS.eventStats, { input })));
  for (const r of results) expect(r.body.errors).toBeUndefined();
  const total = results.reduce((sum, r) => sum + backendQueries(r, 'eventStats'), 0);
  expect(total).toBe(1);
  expect(new Set(results.map((r) => JSON.stringify(r.body.data))).size).toBe(1);
});

test('a masked result is never served to a pii:read caller, nor an unmasked one to others', async () => {
  const q = `{ events(filter: { from: "2026-01-25", to: "2026-01-25" }, first: 3) { edges { node { customer { email piiMasked } } } } }`;
  const masked1 = await a.gql(q, {}, { key: TEST_KEYS.reader });
  const pii = await a.gql(q, {}, { key: TEST_KEYS.pii });
  const masked2 = await b.gql(q, {}, { key: TEST_KEYS.reader });
  const emails = (r: GraphQLResult) => r.body.data.events.edges.map((e: any) => e.node.customer.email);
  expect(emails(masked1).every((e: string) => e === '***')).toBe(true);
  expect(emails(pii).every((e: string) => e.endsWith('@example.com'))).toBe(true);
  expect(emails(masked2).every((e: string) => e === '***')).toBe(true);
  expect(cacheStatuses(masked2)).toContain('hit');
});

test('invalidateCache by dataset tag (scope cache:admin) forces the next read to the backend', async () => {
  const input = { ...WEEKLY_DATASET, source: 'WAREHOUSE' };
  await a.gql(OPERATIONS.eventStats, { input });
  expect(cacheStatuses(await a.gql(OPERATIONS.eventStats, { input }))).toEqual(['hit']);

  const mutation = `mutation($tags: [String!]!) { invalidateCache(tags: $tags) { tags deleted } }`;
  const refused = await a.gql(mutation, { tags: ['dataset:warehouse.daily_event_counts'] }, { key: TEST_KEYS.reader });
  expect(refused.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  const bad = await a.gql(mutation, { tags: ['*'] }, { key: TEST_KEYS.admin });
  expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');

  const done = await a.gql(mutation, { tags: ['dataset:warehouse.daily_event_counts'] }, { key: TEST_KEYS.admin });
  expect(done.body.errors).toBeUndefined();
  expect(done.body.data.invalidateCache.deleted).toBeGreaterThan(0);
  expect(cacheStatuses(await b.gql(OPERATIONS.eventStats, { input }))).toEqual(['miss']);
});

test('Redis killed: answers keep coming from the backend; caching resumes when Redis is back', async () => {
  const input = { ...WEEKLY_DATASET, interval: 'DAY', source: 'WAREHOUSE' };
  const before = await a.gql(OPERATIONS.eventStats, { input });
  await redis.kill();
  for (let i = 0; i < 5; i++) {
    const r = await a.gql(OPERATIONS.eventStats, { input });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual(before.body.data);
    expect(cacheStatuses(r).every((s: string) => s === 'error' || s === 'miss')).toBe(true);
    expect(backendQueries(r, 'eventStats')).toBe(1);
  }
  const ready = await fetch(`${a.origin}/readyz`);
  expect(ready.status).toBe(200); // the cache fails open: degraded, still ready
  expect(((await ready.json()) as { status: string }).status).toBe('degraded');

  await redis.start();
  const deadline = Date.now() + 10_000;
  let statuses: string[] = [];
  while (Date.now() < deadline) {
    statuses = cacheStatuses(await a.gql(OPERATIONS.eventStats, { input }));
    if (statuses.includes('hit')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(statuses).toEqual(['hit']);
});
