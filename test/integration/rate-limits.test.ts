import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { cleanupTestData, startTestApp, TEST_KEYS, type GraphQLResult, type TestApp } from '../helpers/test-app';

/**
 * Per-principal rate limits over HTTP (src/server/rate-limits.ts): a token bucket
 * per caller, by class of scopes; over the limit HTTP 429 with Retry-After and a
 * RATE_LIMITED error naming when to retry. In process without Redis; with Redis one
 * bucket shared by every process, and per process again while Redis is down.
 *
 * The read rule refills one token every 2 s (0.5/s), so a few quick requests never
 * earn an extra token however slow the machine.
 */
jest.setTimeout(120_000);

const LIMITS = {
  LAKEGATE_RATE_LIMITS: 'true',
  LAKEGATE_RATE_LIMIT_READ_PER_SECOND: '0.5',
  LAKEGATE_RATE_LIMIT_READ_BURST: '3',
  LAKEGATE_RATE_LIMIT_WRITE_PER_SECOND: '0.5',
  LAKEGATE_RATE_LIMIT_WRITE_BURST: '1',
  LAKEGATE_RATE_LIMIT_ADMIN_PER_SECOND: '0.5',
  LAKEGATE_RATE_LIMIT_ADMIN_BURST: '2',
};
const QUERY = '{ __typename }';

afterAll(() => cleanupTestData());

function expectLimited(r: GraphQLResult, limitClass: string): void {
  expect(r.status).toBe(429);
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors).toHaveLength(1);
  const error = r.body.errors![0]!;
  expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', limitClass });
  expect(error.extensions).not.toHaveProperty('http');
  const seconds = error.extensions!.retryAfterSeconds;
  expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 2).toBe(true);
  expect(r.headers.get('retry-after')).toBe(String(seconds));
  expect(error.message).toMatch(/Rate limit exceeded: 0\.5 requests per second/);
}

const ok = (r: GraphQLResult) => {
  expect(r.body.errors).toBeUndefined();
  expect(r.status).toBe(200);
};

describe('in process (no Redis)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: LIMITS });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a burst of 3 passes, the 4th is refused with 429, Retry-After and retryAfterSeconds; others are not affected; the bucket refills', async () => {
    for (let i = 0; i < 3; i++) ok(await t.gql(QUERY, {}, { key: TEST_KEYS.reader }));
    const refused = await t.gql(QUERY, {}, { key: TEST_KEYS.reader });
    expectLimited(refused, 'read');
    // Refused before parsing: even a document that does not parse gets RATE_LIMITED.
    expectLimited(await t.gql('{ not graphql', {}, { key: TEST_KEYS.reader }), 'read');

    // Another principal has its own bucket.
    ok(await t.gql(QUERY, {}, { key: TEST_KEYS.pii }));

    // Health checks and /metrics are not limited.
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${t.origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${t.origin}/metrics`)).status).toBe(200);
    }

    await new Promise((resolve) => setTimeout(resolve, refused.body.errors![0]!.extensions!.retryAfterSeconds * 1000 + 100));
    ok(await t.gql(QUERY, {}, { key: TEST_KEYS.reader }));
    expectLimited(await t.gql(QUERY, {}, { key: TEST_KEYS.reader }), 'read');
  });

  test('the class comes from the scopes: write (decisions:write) and admin (gdpr:*) have their own rules', async () => {
    ok(await t.gql(QUERY, {}, { key: TEST_KEYS.writer }));
    expectLimited(await t.gql(QUERY, {}, { key: TEST_KEYS.writer }), 'write');
    ok(await t.gql(QUERY, {}, { key: TEST_KEYS.gdpr }));
    ok(await t.gql(QUERY, {}, { key: TEST_KEYS.gdpr }));
    expectLimited(await t.gql(QUERY, {}, { key: TEST_KEYS.gdpr }), 'admin');
  });

  test('anonymous development callers are limited by client address, apart from keyed callers', async () => {
    for (let i = 0; i < 3; i++) ok(await t.gql(QUERY));
    expectLimited(await t.gql(QUERY), 'read');
    ok(await t.gql(QUERY, {}, { key: TEST_KEYS.loader }));
  });

  test('refusals are counted by class in /metrics and logged as the operation’s outcome', async () => {
    const metrics = await (await fetch(`${t.origin}/metrics`)).text();
    const count = (limitClass: string) => Number(new RegExp(`^lakegate_rate_limited_total\\{class="${limitClass}"\\} (\\d+)`, 'm').exec(metrics)?.[1]);
    expect(count('read')).toBeGreaterThanOrEqual(4);
    expect(count('write')).toBeGreaterThanOrEqual(1);
    expect(count('admin')).toBeGreaterThanOrEqual(1);
  });
});

describe('shared through Redis', () => {
  const PREFIX = 'rl-test:';
  let redis: RedisServer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { ...LIMITS, REDIS_URL: redis.url, LAKEGATE_CACHE_PREFIX: PREFIX, LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: '250', LAKEGATE_CACHE_BREAKER_MS: '200' };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('two processes draw from one bucket per principal; the bucket is in Redis under a digest, not the principal id', async () => {
    ok(await a.gql(QUERY, {}, { key: TEST_KEYS.reader }));
    ok(await a.gql(QUERY, {}, { key: TEST_KEYS.reader }));
    ok(await b.gql(QUERY, {}, { key: TEST_KEYS.reader }));
    expectLimited(await b.gql(QUERY, {}, { key: TEST_KEYS.reader }), 'read');
    expectLimited(await a.gql(QUERY, {}, { key: TEST_KEYS.reader }), 'read');
    // Another principal is not affected, on either process.
    ok(await b.gql(QUERY, {}, { key: TEST_KEYS.pii }));

    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      const keys = await client.keys(`${PREFIX}rl:*`);
      expect(keys.length).toBe(2);
      expect(keys.join(' ')).not.toMatch(/reader|pii/);
      // A bucket lives no longer than it takes to fill up again (3 tokens at 0.5/s: 6 s, plus a second).
      for (const key of keys) expect(await client.pttl(key)).toBeLessThanOrEqual(7000);
    } finally {
      client.disconnect();
    }

    await new Promise((resolve) => setTimeout(resolve, 2100));
    ok(await b.gql(QUERY, {}, { key: TEST_KEYS.reader }));
    expectLimited(await a.gql(QUERY, {}, { key: TEST_KEYS.reader }), 'read');
  });

  test('Redis down: requests are served, limited per process (fail-open), and the shared bucket is back with Redis', async () => {
    await redis.kill();
    // The admin key has not been seen: each process has a full bucket of its own.
    ok(await a.gql(QUERY, {}, { key: TEST_KEYS.admin }));
    ok(await a.gql(QUERY, {}, { key: TEST_KEYS.admin }));
    expectLimited(await a.gql(QUERY, {}, { key: TEST_KEYS.admin }), 'admin');
    ok(await b.gql(QUERY, {}, { key: TEST_KEYS.admin }));
    const metrics = await (await fetch(`${a.origin}/metrics`)).text();
    expect(Number(/^lakegate_rate_limit_shared_unavailable_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);

    await redis.start();
    // Reconnected (backoff at most LAKEGATE_CACHE_RECONNECT_MAX_MS) and past the breaker: the loader's bucket is shared again.
    let shared = false;
    for (let i = 0; i < 60 && !shared; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      const before = (await client.keys(`${PREFIX}rl:*`)).length;
      const r = await a.gql(QUERY, {}, { key: TEST_KEYS.none });
      shared = r.status === 200 && (await client.keys(`${PREFIX}rl:*`)).length > before;
      client.disconnect();
    }
    expect(shared).toBe(true);
  });
});
