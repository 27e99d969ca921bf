import { randomBytes } from 'node:crypto';
import { MemoryCache } from '../../src/adapters/memory/memory-cache';
import { createRedisCache } from '../../src/adapters/redis/redis-cache';
import type { CacheReadSpec } from '../../src/cache/cached-reader';
import { createCachedReader, type CachedReaderConfig, type SharedCachedReader } from '../../src/cache/create-cached-reader';
import { invalidateCacheTags } from '../../src/cache/invalidate-tag';
import { cacheMetrics } from '../../src/cache/metrics';
import { readCacheConfig } from '../../src/config/cache';
import { AppError } from '../../src/errors/app-error';
import { newQueryScope, runInQueryScope, type CacheStatus } from '../../src/observability/query-accounting';
import type { Cache } from '../../src/ports/cache';
import { redisConfigFor, startRedisServer, type RedisServer } from '../helpers/redis-server';

/**
 * createCachedReader over a real redis-server and over the memory adapter. "Two
 * processes" are two readers on two connections (Redis) or on one store (memory).
 */
const HASH_KEY = 'test-subject-hash-key-0123456789abcdef';
const base = readCacheConfig({ LAKEGATE_CACHE_TTL_JITTER: '0' });
const config: CachedReaderConfig = { ...base, ttlMs: { ...base.ttlMs, lake: 60_000, warehouse: 60_000 }, staleMs: { ...base.staleMs, lake: 0, warehouse: 0 } };

interface Backend {
  name: string;
  /** A handle on the shared store (a new connection for Redis). */
  open(): Promise<Cache>;
  teardown(): Promise<void>;
}

let server: RedisServer | undefined;
const memory = new MemoryCache({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
const backends: Backend[] = [
  {
    name: 'redis',
    async open() {
      server ??= await startRedisServer();
      const cache = createRedisCache(redisConfigFor(server), { keyPrefix: 'reader:' });
      await cache.ready();
      return cache;
    },
    async teardown() {
      await server?.stop();
    },
  },
  { name: 'memory', open: async () => memory, teardown: () => memory.close() },
];

/** Reads inside a request scope, returning the value and the statuses it reported. */
async function scoped<T>(fn: () => Promise<T>): Promise<{ value: T; statuses: CacheStatus[] }> {
  const scope = newQueryScope('test');
  const value = await runInQueryScope(scope, fn);
  return { value, statuses: scope.cache.map((e) => e.status) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function pollFor<T>(fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

const counter = (metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }) => async (labels: Record<string, string>) =>
  (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);

describe.each(backends)('CachedReader over $name', (backend) => {
  const caches: Cache[] = [];
  const run = randomBytes(4).toString('hex');
  let n = 0;
  /** A label of its own per test: tests share one store. */
  const label = () => `t${run}.${++n}`;

  async function reader(overrides: Partial<CachedReaderConfig> = {}): Promise<SharedCachedReader> {
    const cache = await backend.open();
    caches.push(cache);
    return createCachedReader({ cache, config: { ...config, ...overrides }, subjectHashKey: HASH_KEY });
  }

  afterAll(async () => {
    for (const cache of caches) await cache.close();
    await backend.teardown();
  });

  test('a miss loads and stores, the next read is a hit with the same value', async () => {
    const r = await reader();
    const spec: CacheReadSpec = { domain: 'lake', label: label(), args: { from: '2026-01-01' }, scope: 'all', datasets: ['lake.events'] };
    let loads = 0;
    const load = async () => ({ rows: [{ n: ++loads }] });
    const first = await scoped(() => r.read(spec, load));
    const second = await scoped(() => r.read(spec, load));
    expect(first.statuses).toEqual(['miss']);
    expect(second.statuses).toEqual(['hit']);
    expect(second.value).toEqual({ rows: [{ n: 1 }] });
    expect(loads).toBe(1);
    // Same args in another key order: the same entry.
    expect((await scoped(() => r.read({ ...spec, args: { from: '2026-01-01' } }, load))).statuses).toEqual(['hit']);
  });

  test('an entry expires after its TTL and is loaded again', async () => {
    const r = await reader({ ttlMs: { ...config.ttlMs, catalog: 300 }, staleMs: { ...config.staleMs, catalog: 0 } });
    const spec: CacheReadSpec = { domain: 'catalog', label: label(), args: {}, scope: 'all', datasets: ['catalog'] };
    let loads = 0;
    const load = async () => ++loads;
    expect((await scoped(() => r.read(spec, load))).statuses).toEqual(['miss']);
    expect((await scoped(() => r.read(spec, load))).statuses).toEqual(['hit']);
    const later = await pollFor(() => scoped(() => r.read(spec, load)), (res) => res.statuses[0] === 'miss');
    expect(later.statuses).toEqual(['miss']);
    expect(later.value).toBe(2);
  });

  test('freshUntil follows the data: the entry is fresh until then, not for the domain TTL', async () => {
    const r = await reader();
    let loads = 0;
    const spec = (): CacheReadSpec => ({ domain: 'warehouse', label: 'daily', args: { run, n: 'fresh' }, scope: 'all', datasets: ['warehouse.daily_event_counts'], freshUntil: Date.now() + 300 });
    await r.read(spec(), async () => ++loads);
    const again = await pollFor(() => scoped(() => r.read({ ...spec(), freshUntil: Date.now() + 60_000 }, async () => ++loads)), (res) => res.statuses[0] === 'miss');
    expect(again.statuses).toEqual(['miss']);
    expect(loads).toBe(2);
  });

  test('the same arguments under another data scope are another entry', async () => {
    const r = await reader();
    const spec: CacheReadSpec = { domain: 'warehouse', label: label(), args: { ids: ['c1'] }, scope: 'masked', datasets: ['warehouse.customers'] };
    const masked = await r.read(spec, async () => ({ name: null }));
    const pii = await scoped(() => r.read({ ...spec, scope: 'pii' }, async () => ({ name: 'Ada' })));
    expect(masked).toEqual({ name: null });
    expect(pii.statuses).toEqual(['miss']);
    expect(pii.value).toEqual({ name: 'Ada' });
    expect(await r.read(spec, async () => ({ name: 'WRONG' }))).toEqual({ name: null });
    expect(await r.read({ ...spec, scope: 'pii' }, async () => ({ name: 'WRONG' }))).toEqual({ name: 'Ada' });
  });

  test('invalidating a dataset drops the entries derived from it, and only those', async () => {
    const r = await reader();
    const other = await reader();
    const ds = `ds${run}.a`;
    const a: CacheReadSpec = { domain: 'lake', label: label(), args: {}, scope: 'all', datasets: [ds, 'lake.other'] };
    const b: CacheReadSpec = { domain: 'lake', label: label(), args: {}, scope: 'all', datasets: [`ds${run}.b`] };
    await r.read(a, async () => 'a1');
    await r.read(b, async () => 'b1');
    expect(await other.invalidateDatasets([ds])).toBe(1);
    const afterA = await scoped(() => r.read(a, async () => 'a2'));
    expect(afterA).toEqual({ value: 'a2', statuses: ['miss'] });
    expect(await scoped(() => r.read(b, async () => 'b2'))).toEqual({ value: 'b1', statuses: ['hit'] });
    // The operator's way, by tag name.
    expect(await invalidateCacheTags(other, [`dataset:ds${run}.b`])).toEqual({ tags: [`dataset:ds${run}.b`], deleted: 1 });
    await expect(invalidateCacheTags(other, ['lake.events'])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('purging a subject drops the entries holding it, including those above the subject cap', async () => {
    const r = await reader({ maxSubjectTags: 200 });
    const c1 = `c1-${run}`;
    const c2 = `c2-${run}`;
    const spec = (tag: string, extra: Partial<CacheReadSpec<string[]>> = {}): CacheReadSpec<string[]> => ({
      domain: 'warehouse',
      label: `${label()}.${tag}`,
      args: {},
      scope: 'all',
      datasets: ['warehouse.customers'],
      ...extra,
    });
    const listed = spec('listed', { subjects: [c1] });
    const found = spec('found', { subjectsOf: (rows) => rows });
    const many = spec('many', { subjectsOf: (rows) => rows });
    const none = spec('none');
    await r.read(listed, async () => [c1]);
    await r.read(found, async () => [c2]);
    await r.read(many, async () => Array.from({ length: 250 }, (_, i) => `bulk-${run}-${i}`));
    await r.read(none, async () => []);
    expect(await r.purgeSubjects([c1])).toBe(2); // listed, and many (subject:*)
    expect((await scoped(() => r.read(listed, async () => [])))!.statuses).toEqual(['miss']);
    expect((await scoped(() => r.read(many, async () => [])))!.statuses).toEqual(['miss']);
    expect((await scoped(() => r.read(found, async () => [])))!.statuses).toEqual(['hit']);
    expect((await scoped(() => r.read(none, async () => [])))!.statuses).toEqual(['hit']);
    expect(await r.purgeSubjects([c2])).toBeGreaterThanOrEqual(1);
    expect((await scoped(() => r.read(found, async () => [])))!.statuses).toEqual(['miss']);
  });

  test('a fill that started before an invalidation is never served after it', async () => {
    const writer = await reader();
    const r = await reader();
    const ds = `race${run}`;
    const spec: CacheReadSpec = { domain: 'lake', label: label(), args: {}, scope: 'all', datasets: [ds] };
    const refusedBefore = await counter(cacheMetrics.fillsRefused)({ domain: 'lake' });

    // The fill loads the old data; the data changes and is invalidated while it runs.
    const loading = gate();
    let loads = 0;
    const load = async () => {
      loads++;
      if (loads === 1) {
        await loading.wait;
        return 'old';
      }
      return 'new';
    };
    const inFlight = r.read(spec, load);
    await pollFor(async () => loads, (l) => l === 1);
    expect(await writer.invalidateDatasets([ds])).toBe(0);
    // Arrives after the invalidation while the old fill still runs in this process.
    const joiner = r.read(spec, load);
    loading.open();
    expect(await inFlight).toBe('old'); // the read that was already running gets what it loaded
    expect(await joiner).toBe('new');
    expect(await r.read(spec, async () => 'never')).toBe('new');
    expect(await writer.read(spec, async () => 'never')).toBe('new');
    expect(await counter(cacheMetrics.fillsRefused)({ domain: 'lake' })).toBe(refusedBefore + 1);
  });

  test('a purge during a fill whose subjects are known only after loading keeps it out of the cache', async () => {
    const r = await reader();
    const spec: CacheReadSpec<string[]> = { domain: 'warehouse', label: label(), args: {}, scope: 'all', datasets: ['warehouse.daily_event_counts'], subjectsOf: (rows) => rows };
    const loading = gate();
    let started = false;
    const inFlight = r.read(spec, async () => {
      started = true;
      await loading.wait;
      return [`erased-${run}`];
    });
    await pollFor(async () => started, (s) => s);
    await r.purgeSubjects([`erased-${run}`]);
    loading.open();
    await inFlight;
    expect((await scoped(() => r.read(spec, async () => []))).statuses).toEqual(['miss']);
  });

  test('100 concurrent identical misses in one process run one load', async () => {
    const r = await reader();
    const spec: CacheReadSpec<{ total: bigint; rows: number[] }> = { domain: 'lake', label: label(), args: { q: 1 }, scope: 'all', datasets: ['lake.events'] };
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(100);
      return { total: 42n, rows: [1, 2, 3] };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => scoped(() => r.read(spec, load))));
    expect(loads).toBe(1);
    for (const res of results) expect(res.value).toEqual({ total: 42n, rows: [1, 2, 3] });
    // Every caller gets its own copy: one caller's mutation is not another's.
    results[0]!.value.rows.push(4);
    expect(results[1]!.value.rows).toEqual([1, 2, 3]);
    expect(results.flatMap((r) => r.statuses).filter((s) => s === 'miss')).toHaveLength(100);
    expect((await scoped(() => r.read(spec, load))).statuses).toEqual(['hit']);
  });

  test('100 concurrent misses split over two processes sharing the cache run one load', async () => {
    const a = await reader();
    const b = await reader();
    const spec: CacheReadSpec = { domain: 'lake', label: label(), args: { q: 2 }, scope: 'all', datasets: ['lake.events'] };
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(200);
      return 'shared';
    };
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => scoped(() => (i % 2 ? a : b).read(spec, load))));
    expect(loads).toBe(1);
    expect(results.every((r) => r.value === 'shared')).toBe(true);
    const statuses = results.flatMap((r) => r.statuses);
    expect(statuses.filter((s) => s === 'miss').length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 'error')).toHaveLength(0);
  });

  test('the waiting process loads itself when the winner fails, and a failed load is not cached', async () => {
    const a = await reader();
    const b = await reader();
    const spec: CacheReadSpec = { domain: 'lake', label: label(), args: {}, scope: 'all', datasets: ['lake.events'] };
    const failing = gate();
    let started = false;
    const winner = a.read(spec, async () => {
      started = true;
      await failing.wait;
      throw new Error('engine failed');
    });
    await pollFor(async () => started, (s) => s);
    const waiter = b.read(spec, async () => 'from b');
    failing.open();
    await expect(winner).rejects.toThrow('engine failed');
    expect(await waiter).toBe('from b');
    expect(await a.read(spec, async () => 'never')).toBe('from b');
  });

  test('stale-while-revalidate: a stale entry is served while exactly one refresh runs', async () => {
    const r = await reader({ ttlMs: { ...config.ttlMs, catalog: 200 }, staleMs: { ...config.staleMs, catalog: 60_000 } });
    const spec: CacheReadSpec = { domain: 'catalog', label: label(), args: {}, scope: 'all', datasets: ['catalog'] };
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(50);
      return `v${loads}`;
    };
    expect(await r.read(spec, load)).toBe('v1');
    const stale = await pollFor(() => Promise.all(Array.from({ length: 20 }, () => scoped(() => r.read(spec, load)))), (res) => res[0]!.statuses[0] === 'stale');
    expect(stale.every((res) => res.value === 'v1' && res.statuses[0] === 'stale')).toBe(true);
    await r.idle();
    expect(loads).toBe(2);
    expect(await scoped(() => r.read(spec, load))).toEqual({ value: 'v2', statuses: ['hit'] });
    // A read that must not be stale waits for a fresh value instead.
    const strict = await pollFor(() => scoped(() => r.read({ ...spec, stale: false }, load)), (res) => res.statuses[0] === 'miss');
    expect(strict.value).toBe('v3');
  });

  test('a domain with TTL 0 (decisions) is not cached: every read loads, reported as bypass', async () => {
    const r = await reader();
    let loads = 0;
    const spec: CacheReadSpec = { domain: 'decisions', label: label(), args: {}, scope: 'all', datasets: ['decisions'] };
    const first = await scoped(() => r.read(spec, async () => ++loads));
    const second = await scoped(() => r.read(spec, async () => ++loads));
    expect([first.statuses, second.statuses]).toEqual([['bypass'], ['bypass']]);
    expect(loads).toBe(2);
  });

  test('a value above the size bound is served but not stored; the status is still miss', async () => {
    const r = await reader({ maxValueBytes: 1024 });
    const spec: CacheReadSpec = { domain: 'lake', label: label(), args: {}, scope: 'all', datasets: ['lake.events'] };
    const big = 'x'.repeat(4096);
    expect(await scoped(() => r.read(spec, async () => big))).toEqual({ value: big, statuses: ['miss'] });
    expect((await scoped(() => r.read(spec, async () => big))).statuses).toEqual(['miss']);
  });

  test('tag names given by an operator are checked before anything is dropped', async () => {
    const r = await reader();
    await expect(r.invalidateTags(['subject:not-a-hash'])).rejects.toBeInstanceOf(AppError);
    expect(await r.invalidateTags([`domain:jobRuns`])).toBeGreaterThanOrEqual(0);
  });
});
