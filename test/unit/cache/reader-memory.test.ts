import { MemoryCache } from '../../../src/adapters/memory/memory-cache';
import { PassThroughReader, type CacheReadSpec } from '../../../src/cache/cached-reader';
import { createCachedReader } from '../../../src/cache/create-cached-reader';
import { readCacheConfig } from '../../../src/config/cache';
import { metricsRegistry } from '../../../src/observability/metrics';
import { currentSignal, newQueryScope, runInQueryScope, type CacheEvent } from '../../../src/observability/query-accounting';

const config = readCacheConfig({ LAKEGATE_CACHE_TTL_JITTER: '0' });
const HASH_KEY = 'test-subject-hash-key-0123456789abcdef';
const spec: CacheReadSpec = { domain: 'lake', label: 'unit.read', args: { a: 1 }, scope: 'all', datasets: ['lake.events'] };

async function scoped<T>(fn: () => Promise<T>): Promise<{ value: T; events: CacheEvent[] }> {
  const scope = newQueryScope('unit');
  const value = await runInQueryScope(scope, fn);
  return { value, events: scope.cache };
}

describe('CachedReader over the memory adapter', () => {
  test('reports each read to the request and to the metrics registry', async () => {
    const cache = new MemoryCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const reader = createCachedReader({ cache, config, subjectHashKey: HASH_KEY });
    const first = await scoped(() => reader.read(spec, async () => 'v'));
    const second = await scoped(() => reader.read(spec, async () => 'v'));
    expect(first.events).toEqual([{ label: 'unit.read', status: 'miss', backend: 'memory' }]);
    expect(second.events).toEqual([{ label: 'unit.read', status: 'hit', backend: 'memory' }]);
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/lakegate_cache_hits_total\{domain="lake"\} [1-9]/);
    expect(text).toMatch(/lakegate_cache_misses_total\{domain="lake"\} [1-9]/);
    expect(text).toMatch(/lakegate_cache_op_seconds_count\{adapter="memory",op="get"\} [1-9]/);
    for (const name of ['lakegate_cache_stale_total', 'lakegate_cache_errors_total', 'lakegate_cache_singleflight_joins_total', 'lakegate_cache_lock_waits_total']) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    await cache.close();
  });

  test('a failing cache never fails the read: the backend answers, status error, then the breaker skips the cache', async () => {
    const cache = new MemoryCache({ maxEntries: 100, maxBytes: 1 << 20 });
    await cache.close(); // every operation now throws
    const reader = createCachedReader({ cache, config: { ...config, breakerMs: 60_000 }, subjectHashKey: HASH_KEY });
    const skippedBefore = (await metricsRegistry.getSingleMetric('lakegate_cache_errors_total')!.get()).values.find((v) => v.labels.op === 'skipped')?.value ?? 0;
    const first = await scoped(() => reader.read(spec, async () => 'from backend'));
    const second = await scoped(() => reader.read(spec, async () => 'again'));
    expect(first).toEqual({ value: 'from backend', events: [{ label: 'unit.read', status: 'error', backend: 'memory' }] });
    expect(second.value).toBe('again');
    expect(second.events[0]!.status).toBe('error');
    const skippedAfter = (await metricsRegistry.getSingleMetric('lakegate_cache_errors_total')!.get()).values.find((v) => v.labels.op === 'skipped')?.value ?? 0;
    expect(skippedAfter).toBe(skippedBefore + 1);
  });

  test('a value that is not JSON is served but not cached', async () => {
    const cache = new MemoryCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const reader = createCachedReader({ cache, config, subjectHashKey: HASH_KEY });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const s = { ...spec, label: 'unit.circular' };
    expect((await scoped(() => reader.read(s, async () => circular))).value).toBe(circular);
    expect((await scoped(() => reader.read(s, async () => 'next'))).events[0]!.status).toBe('miss');
    await cache.close();
  });

  test('a caller that joined the load of a cancelled request loads for itself', async () => {
    const cache = new MemoryCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const reader = createCachedReader({ cache, config, subjectHashKey: HASH_KEY });
    const s = { ...spec, label: 'unit.cancel' };
    let loads = 0;
    // Like an engine query: it stops when the request that runs it is cancelled.
    const load = () =>
      new Promise<string>((resolve, reject) => {
        loads++;
        const signal = currentSignal();
        if (!signal) return resolve('answer');
        signal.addEventListener('abort', () => reject(new Error('request cancelled')));
      });
    const controller = new AbortController();
    const leader = runInQueryScope(newQueryScope('leader', controller.signal), () => reader.read(s, load));
    const joiner = runInQueryScope(newQueryScope('joiner'), () => reader.read(s, load));
    while (loads === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(leader).rejects.toThrow('request cancelled');
    expect(await joiner).toBe('answer');
    expect(loads).toBe(2);
    await cache.close();
  });

  test('PassThroughReader loads every time and reports bypass', async () => {
    const reader = new PassThroughReader();
    const res = await scoped(() => reader.read(spec, async () => 1));
    expect(res).toEqual({ value: 1, events: [{ label: 'unit.read', status: 'bypass' }] });
    expect(await reader.invalidateTags()).toBe(0);
  });
});
