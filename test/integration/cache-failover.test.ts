import { randomBytes } from 'node:crypto';
import { createRedisCache, type RedisCache } from '../../src/adapters/redis/redis-cache';
import type { CacheReadSpec } from '../../src/cache/cached-reader';
import { createCachedReader, type CachedReaderConfig, type SharedCachedReader } from '../../src/cache/create-cached-reader';
import { cacheMetrics } from '../../src/cache/metrics';
import { readCacheConfig } from '../../src/config/cache';
import { newQueryScope, runInQueryScope, type CacheStatus } from '../../src/observability/query-accounting';
import type { Cache } from '../../src/ports/cache';
import { redisConfigFor, startRedisServer, type RedisServer } from '../helpers/redis-server';

/**
 * Fail-open against a real redis-server that is killed (SIGKILL), hung (SIGSTOP)
 * and restarted on the same port. Latency is bounded by the command timeout; the
 * tests check it through what the reader does (one Redis attempt per read, the
 * statuses), not through wall time.
 */
const HASH_KEY = 'test-subject-hash-key-0123456789abcdef';
const settings = readCacheConfig({ LAKEGATE_CACHE_TTL_JITTER: '0' });

/** Counts the calls the reader makes on the cache: each one is a Redis attempt. */
function counting(cache: Cache): { cache: Cache; attempts: () => number } {
  let attempts = 0;
  const wrapped = new Proxy(cache, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        attempts++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { cache: wrapped, attempts: () => attempts };
}

async function scoped<T>(fn: () => Promise<T>): Promise<{ value: T; statuses: CacheStatus[] }> {
  const scope = newQueryScope('test');
  const value = await runInQueryScope(scope, fn);
  return { value, statuses: scope.cache.map((e) => e.status) };
}

const errorsTotal = async () => (await cacheMetrics.errors.get()).values.reduce((sum, v) => sum + v.value, 0);

describe('fail-open: Redis killed, hung and restarted', () => {
  let server: RedisServer;
  const handles: RedisCache[] = [];
  const run = randomBytes(4).toString('hex');

  async function reader(overrides: Partial<CachedReaderConfig> = {}, env: Record<string, string> = {}): Promise<{ reader: SharedCachedReader; attempts: () => number }> {
    const redis = createRedisCache(redisConfigFor(server, { LAKEGATE_CACHE_RECONNECT_MAX_MS: '500', ...env }), { keyPrefix: 'failover:' });
    handles.push(redis);
    expect(await redis.ready()).toBe(true);
    const { cache, attempts } = counting(redis);
    return { reader: createCachedReader({ cache, config: { ...settings, ...overrides }, subjectHashKey: HASH_KEY }), attempts };
  }

  const spec = (name: string): CacheReadSpec => ({ domain: 'lake', label: `failover.${run}.${name}`, args: {}, scope: 'all', datasets: ['lake.events'] });

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const handle of handles) await handle.close();
    await server?.stop();
  });

  test('Redis killed: every read answers from the backend with status error, one failed attempt each', async () => {
    const { reader: r, attempts } = await reader({ breakerMs: 0 });
    expect(await scoped(() => r.read(spec('warm'), async () => 'v'))).toEqual({ value: 'v', statuses: ['miss'] });
    expect((await scoped(() => r.read(spec('warm'), async () => 'v'))).statuses).toEqual(['hit']);

    await server.kill();
    const errorsBefore = await errorsTotal();
    const before = attempts();
    const sequential = [];
    for (let i = 0; i < 20; i++) sequential.push(await scoped(() => r.read(spec(`down-${i}`), async () => `backend-${i}`)));
    expect(sequential.map((res) => res.value)).toEqual(Array.from({ length: 20 }, (_, i) => `backend-${i}`));
    expect(sequential.every((res) => res.statuses.length === 1 && res.statuses[0] === 'error')).toBe(true);
    // No retries, no lock, no store: the failed get is the only Redis attempt of each read.
    expect(attempts() - before).toBe(20);
    expect(await errorsTotal()).toBeGreaterThanOrEqual(errorsBefore + 20);

    // Still one load per key in this process: an outage does not become a stampede.
    let burstLoads = 0;
    const burstLoad = async () => {
      burstLoads++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'burst';
    };
    const concurrent = await Promise.all(Array.from({ length: 50 }, (_, i) => scoped(() => r.read(spec(`burst-${i % 5}`), burstLoad))));
    expect(concurrent.every((res) => res.value === 'burst' && res.statuses[0] === 'error')).toBe(true);
    expect(burstLoads).toBe(5);
  });

  test('with the breaker (default), a dead Redis is tried about once per window, not once per read', async () => {
    await server.start();
    const { reader: r, attempts } = await reader();
    await server.kill();
    const before = attempts();
    for (let i = 0; i < 50; i++) expect(await r.read(spec(`breaker-${i}`), async () => i)).toBe(i);
    expect(attempts() - before).toBeLessThanOrEqual(5);
  });

  test('Redis restarted on the same port: caching resumes without a restart; invalidations while down fail loudly', async () => {
    await server.start();
    const { reader: r } = await reader({ breakerMs: 0 });
    await server.kill();
    expect((await scoped(() => r.read(spec('resume'), async () => 'during outage'))).statuses).toEqual(['error']);
    await expect(r.invalidateDatasets(['lake.events'])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(r.purgeSubjects(['c-1'])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });

    await server.start();
    let loads = 0;
    const deadline = Date.now() + 10_000;
    let statuses: CacheStatus[] = [];
    while (Date.now() < deadline) {
      statuses = (await scoped(() => r.read(spec('resume'), async () => `after ${++loads}`))).statuses;
      if (statuses[0] === 'hit') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(statuses).toEqual(['hit']);
    expect(await r.invalidateDatasets(['lake.events'])).toBeGreaterThanOrEqual(1);
  });

  test('Redis hung (SIGSTOP): reads answer after the command timeout, with status error', async () => {
    // The production command timeout: this test is about it.
    const { reader: r, attempts } = await reader({ breakerMs: 0 }, { LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: '200' });
    await r.read(spec('hung'), async () => 'cached');
    server.pause();
    try {
      const before = attempts();
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await scoped(() => r.read(spec('hung'), async () => 'from backend')));
      expect(results.every((res) => res.value === 'from backend' && res.statuses[0] === 'error')).toBe(true);
      expect(attempts() - before).toBe(5);
    } finally {
      server.resume();
    }
    let back = await scoped(() => r.read(spec('hung'), async () => 'from backend'));
    for (let i = 0; i < 100 && back.statuses[0] !== 'hit'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      back = await scoped(() => r.read(spec('hung'), async () => 'from backend'));
    }
    expect(back).toEqual({ value: 'cached', statuses: ['hit'] });
  });
});

describe('fail-open on a Redis Cluster', () => {
  let server: RedisServer;
  let redis: RedisCache | undefined;

  beforeAll(async () => {
    server = await startRedisServer({ cluster: true });
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });

  test('node killed: reads answer from the backend; node back: caching resumes', async () => {
    redis = createRedisCache(redisConfigFor(server, { REDIS_CLUSTER: 'true' }), { keyPrefix: 'failover-cluster:' });
    expect(await redis.ready()).toBe(true);
    const r = createCachedReader({ cache: redis, config: { ...settings, breakerMs: 0 }, subjectHashKey: HASH_KEY });
    const spec: CacheReadSpec = { domain: 'lake', label: 'failover.cluster', args: {}, scope: 'all', datasets: ['lake.events'] };
    expect((await scoped(() => r.read(spec, async () => 'v1'))).statuses).toEqual(['miss']);
    expect((await scoped(() => r.read(spec, async () => 'v1'))).statuses).toEqual(['hit']);

    await server.kill();
    expect(await scoped(() => r.read(spec, async () => 'from backend'))).toEqual({ value: 'from backend', statuses: ['error'] });

    await server.start();
    const deadline = Date.now() + 10_000;
    let statuses: CacheStatus[] = [];
    while (Date.now() < deadline) {
      statuses = (await scoped(() => r.read(spec, async () => 'after restart'))).statuses;
      if (statuses[0] === 'hit') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(statuses).toEqual(['hit']);
  });
});
