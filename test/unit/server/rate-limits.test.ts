import { MemoryTokenBuckets } from '../../../src/adapters/memory/memory-token-buckets';
import type { Scope } from '../../../src/config/api-keys';
import { loadConfig } from '../../../src/config/config';
import { readRateLimitConfig } from '../../../src/config/rate-limits';
import { createLogger } from '../../../src/observability/logger';
import { bucketKey, RateLimiter, rateLimitClass } from '../../../src/server/rate-limits';
import type { TokenBuckets } from '../../../src/ports/token-buckets';

/** The token bucket's arithmetic on a fake clock, the classes, and the fall back when the shared buckets fail. */

test('a bucket gives its burst at once, then one token per 1/perSecond; the wait says when the next one is there', () => {
  let now = 0;
  const buckets = new MemoryTokenBuckets(() => now);
  const rule = { perSecond: 2, burst: 3 };
  expect([1, 2, 3].map(() => buckets.takeNow('k', rule))).toEqual([0, 0, 0]);
  expect(buckets.takeNow('k', rule)).toBe(500);
  now = 200;
  expect(buckets.takeNow('k', rule)).toBe(300); // refused: nothing taken, the wait shrinks
  now = 500;
  expect(buckets.takeNow('k', rule)).toBe(0);
  expect(buckets.takeNow('k', rule)).toBe(500);
  // Another key has its own bucket.
  expect(buckets.takeNow('other', rule)).toBe(0);
  // Never more than the burst, however long the pause.
  now = 1_000_000;
  expect([1, 2, 3, 4].map(() => buckets.takeNow('k', rule))).toEqual([0, 0, 0, 500]);
});

test('full buckets are forgotten (memory follows recent callers)', () => {
  let now = 0;
  const buckets = new MemoryTokenBuckets(() => now);
  for (let i = 0; i < 1000; i++) buckets.takeNow(`caller-${i}`, { perSecond: 10, burst: 5 });
  expect(buckets.size).toBe(1000);
  now = 20_000;
  buckets.takeNow('late', { perSecond: 10, burst: 5 });
  expect(buckets.size).toBe(1);
});

test('classes come from the scopes; anonymous callers are bucketed by address', () => {
  const scopes = (...s: Scope[]) => new Set<Scope>(s);
  expect(rateLimitClass(scopes('events:read', 'decisions:read'))).toBe('read');
  expect(rateLimitClass(scopes())).toBe('read');
  expect(rateLimitClass(scopes('decisions:read', 'decisions:write'))).toBe('write');
  for (const admin of ['gdpr:read', 'gdpr:write', 'cache:admin', 'loads:write'] as const) expect(rateLimitClass(scopes('decisions:write', admin))).toBe('admin');
  expect(bucketKey({ id: 'reader', scopes: scopes(), authenticated: true }, '10.0.0.1')).toBe('p:reader');
  expect(bucketKey({ id: 'anonymous', scopes: scopes(), authenticated: false }, '10.0.0.1')).toBe('a:10.0.0.1');
});

test('configuration: off outside production unless asked, on in production; every class configurable', () => {
  expect(loadConfig({}).rateLimits.enabled).toBe(false);
  expect(loadConfig({ NODE_ENV: 'production' }).rateLimits.enabled).toBe(true);
  expect(loadConfig({ NODE_ENV: 'production', LAKEGATE_RATE_LIMITS: 'false' }).rateLimits.enabled).toBe(false);
  const c = readRateLimitConfig({ LAKEGATE_RATE_LIMITS: 'true', LAKEGATE_RATE_LIMIT_WRITE_PER_SECOND: '0.5', LAKEGATE_RATE_LIMIT_ADMIN_BURST: '7' }, false);
  expect(c).toEqual({ enabled: true, rules: { read: { perSecond: 100, burst: 200 }, write: { perSecond: 0.5, burst: 400 }, admin: { perSecond: 20, burst: 7 } } });
  expect(() => loadConfig({ LAKEGATE_RATE_LIMIT_READ_BURST: '0' })).toThrow(/LAKEGATE_RATE_LIMIT_READ_BURST/);
});

test('over the limit: RATE_LIMITED with retryAfterSeconds and HTTP 429; shared buckets failing: this process limits alone', async () => {
  let failing = true;
  let calls = 0;
  const shared: TokenBuckets = {
    adapter: 'redis',
    take: async () => {
      calls++;
      if (failing) throw new Error('connection refused');
      return 2500;
    },
    close: async () => undefined,
  };
  const config = readRateLimitConfig({ LAKEGATE_RATE_LIMITS: 'true', LAKEGATE_RATE_LIMIT_READ_BURST: '2', LAKEGATE_RATE_LIMIT_READ_PER_SECOND: '0.01' }, false);
  const limiter = new RateLimiter(config, { shared, logger: createLogger('silent'), breakerMs: 60_000 });
  const reader = { id: 'reader', scopes: new Set<Scope>(['events:read']), authenticated: true };
  await limiter.admit(reader, '127.0.0.1');
  await limiter.admit(reader, '127.0.0.1');
  const refused = await limiter.admit(reader, '127.0.0.1').catch((error: unknown) => error);
  expect(refused).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 100, limitClass: 'read', http: { status: 429 } } });
  expect((refused as any).extensions.http.headers.get('retry-after')).toBe('100');
  // One failed call, then the breaker keeps Redis out of the path.
  expect(calls).toBe(1);

  failing = false;
  const direct = new RateLimiter(config, { shared, logger: createLogger('silent') });
  await expect(direct.admit(reader, '127.0.0.1')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 3 } });
});
