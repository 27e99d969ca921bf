import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { cleanupTestData, startTestApp, TEST_KEYS, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS, WEEKLY_DATASET } from './contract-operations';

/**
 * The response cache (src/cache/response-cache.ts) over HTTP with a real Redis: a
 * repeated query is answered without execution once every read it makes is a
 * fresh cache hit, and never after one of those entries is invalidated; scopes
 * never share a response; mutations, answers with errors and reads of uncached
 * stores are never stored.
 */
jest.setTimeout(120_000);

const PREFIX = 'rc:';
let redis: RedisServer;
let client: Redis;
let t: TestApp;

beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  t = await startTestApp({ env: { REDIS_URL: redis.url, LAKEGATE_CACHE_PREFIX: PREFIX } });
});
afterAll(async () => {
  client?.disconnect();
  await t?.close();
  await redis?.stop();
  cleanupTestData();
});

const served = (r: GraphQLResult) => r.body.extensions?.cache?.response === 'hit';
const backendQueries = (r: GraphQLResult) => (r.body.extensions?.cost?.queries ?? []).length;

async function responseEntries(): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${PREFIX}e:response:*`, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

/** Asks until an answer comes from the response cache (the store after the all-hits request is not awaited). */
async function untilServed(query: string, variables: Record<string, unknown>, key?: string): Promise<GraphQLResult> {
  for (let i = 0; i < 20; i++) {
    const r = await t.gql(query, variables, key ? { key } : {});
    expect(r.body.errors).toBeUndefined();
    if (served(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('never served from the response cache');
}

test('a repeated query is answered from the response cache: same data, no backend query, reads reported as hits', async () => {
  const input = { ...WEEKLY_DATASET, from: '2026-01-05', source: 'LAKE' };
  const first = await t.gql(OPERATIONS.eventStats, { input });
  expect(first.body.extensions!.cache.reads.map((r: any) => r.status)).toEqual(['miss']);
  expect(served(first)).toBe(false);
  const second = await t.gql(OPERATIONS.eventStats, { input });
  expect(second.body.extensions!.cache.reads.map((r: any) => r.status)).toEqual(['hit']);
  expect(served(second)).toBe(false);

  const third = await untilServed(OPERATIONS.eventStats, { input });
  expect(third.body.data).toEqual(first.body.data);
  expect(backendQueries(third)).toBe(0);
  expect(third.body.extensions!.cache.reads).toEqual([{ label: 'eventStats.lake', status: 'hit', backend: 'redis' }]);
  // Internal keys never reach clients.
  expect(JSON.stringify(third.body.extensions)).not.toMatch(/dependency|digest/);
  // Other variables: another response.
  const other = await t.gql(OPERATIONS.eventStats, { input: { ...input, to: '2026-01-18' } });
  expect(served(other)).toBe(false);
});

test('after an invalidation of what it was built from, the response is not served and its entry is gone', async () => {
  const input = { ...WEEKLY_DATASET, from: '2026-01-12', source: 'WAREHOUSE' };
  await t.gql(OPERATIONS.eventStats, { input });
  const before = await untilServed(OPERATIONS.eventStats, { input });
  expect(await responseEntries()).toBeGreaterThan(0);

  const invalidated = await t.gql(`mutation { invalidateCache(tags: ["dataset:warehouse.daily_event_counts"]) { deleted } }`, {}, { key: TEST_KEYS.admin });
  expect(invalidated.body.errors).toBeUndefined();
  const after = await t.gql(OPERATIONS.eventStats, { input });
  expect(served(after)).toBe(false);
  expect(after.body.extensions!.cache.reads.map((r: any) => r.status)).toEqual(['miss']);
  expect(after.body.data).toEqual(before.body.data);

  // An erasure purges subject:* (src/cache/create-cached-reader.ts): every stored response goes with it.
  await untilServed(OPERATIONS.eventStats, { input });
  const purged = await t.gql(`mutation { invalidateCache(tags: ["subject:*"]) { deleted } }`, {}, { key: TEST_KEYS.admin });
  expect(purged.body.errors).toBeUndefined();
  expect(await responseEntries()).toBe(0);
  expect(served(await t.gql(OPERATIONS.eventStats, { input }))).toBe(false);
});

test('callers with other scopes never share a response: masking follows the caller', async () => {
  const q = `{ events(filter: { from: "2026-01-24", to: "2026-01-24" }, first: 3) { edges { node { id customer { email piiMasked } } } } }`;
  await t.gql(q, {}, { key: TEST_KEYS.reader });
  const masked = await untilServed(q, {}, TEST_KEYS.reader);
  for (const e of masked.body.data.events.edges) expect(e.node.customer).toMatchObject({ email: '***', piiMasked: true });

  const pii = await t.gql(q, {}, { key: TEST_KEYS.pii });
  expect(served(pii)).toBe(false);
  for (const e of pii.body.data.events.edges) expect(e.node.customer.piiMasked).toBe(false);
  const piiAgain = await untilServed(q, {}, TEST_KEYS.pii);
  for (const e of piiAgain.body.data.events.edges) expect(e.node.customer.email).toMatch(/@/);

  const maskedAgain = await t.gql(q, {}, { key: TEST_KEYS.reader });
  expect(served(maskedAgain)).toBe(true);
  for (const e of maskedAgain.body.data.events.edges) expect(e.node.customer.email).toBe('***');
});

test('answers with errors, mutations and reads of uncached stores are never served from it', async () => {
  // FORBIDDEN for a key without events:read: an error, never stored.
  const input = { ...WEEKLY_DATASET, from: '2026-01-05', source: 'LAKE' };
  for (let i = 0; i < 4; i++) {
    const denied = await t.gql(OPERATIONS.eventStats, { input }, { key: TEST_KEYS.none });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(served(denied)).toBe(false);
  }
  // Decisions are read from the store every time (not cached): never a cached response.
  const q = `{ customerDecisions(customerId: "cus_000001", first: 2) { edges { node { id } } } }`;
  for (let i = 0; i < 4; i++) {
    const r = await t.gql(q, {}, { key: TEST_KEYS.reader });
    expect(r.body.errors).toBeUndefined();
    expect(served(r)).toBe(false);
    expect(backendQueries(r)).toBeGreaterThan(0);
  }
});
