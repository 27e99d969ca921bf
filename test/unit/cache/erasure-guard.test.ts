import { MemoryCache } from '../../../src/adapters/memory/memory-cache';
import type { CacheReadSpec } from '../../../src/cache/cached-reader';
import { createCachedReader } from '../../../src/cache/create-cached-reader';
import { ErasureGuard } from '../../../src/cache/erasure-guard';
import { readCacheConfig } from '../../../src/config/cache';
import { newQueryScope, runInQueryScope } from '../../../src/observability/query-accounting';
import { subjectHash } from '../../../src/util/hash';

/** Erasures not yet purged from the cache (issue 16, M2): what the reader serves, stores and purges meanwhile. */
const config = readCacheConfig({ LAKEGATE_CACHE_TTL_JITTER: '0' });
const HASH_KEY = 'test-subject-hash-key-0123456789abcdef';
const X = 'cus_x';
const hashX = subjectHash(HASH_KEY, X);
const rows = (ids: string[]) => ids.map((customerId) => ({ customerId }));
const spec = (label: string): CacheReadSpec<Array<{ customerId: string }>> => ({
  domain: 'lake',
  label,
  args: {},
  scope: 'all',
  datasets: ['lake.events'],
  subjectsOf: (value) => value.map((r) => r.customerId),
});

async function statusOf(fn: () => Promise<unknown>): Promise<string[]> {
  const scope = newQueryScope('unit');
  await runInQueryScope(scope, fn);
  return scope.cache.map((e) => e.status);
}

test('an entry holding a pending subject is a miss and is not stored; other entries are served; a failed purge is redone before any hit', async () => {
  let now = 1_000_000;
  const cache = new MemoryCache({ maxEntries: 100, maxBytes: 1 << 20 });
  const guard = new ErasureGuard({ datasets: ['lake.events'], now: () => now });
  const reader = createCachedReader({ cache, config, subjectHashKey: HASH_KEY, guard, now: () => now });
  const withX = spec('with-x');
  const withoutX = spec('without-x');
  await reader.read(withX, async () => rows([X, 'cus_y']));
  await reader.read(withoutX, async () => rows(['cus_y']));
  expect(await statusOf(() => reader.read(withX, async () => rows([X])))).toEqual(['hit']);

  // Recorded here: pending at once, and still after a listing that (eventually consistent) misses it within the grace.
  guard.record(hashX);
  guard.replace({ pending: [], failed: [] }, now + 1000);
  expect(guard.active).toBe(true);
  let loads = 0;
  const fresh = async () => (loads++, rows(['cus_y']));
  expect(await statusOf(() => reader.read(withX, async () => rows([X])))).toEqual(['miss']);
  expect(await statusOf(() => reader.read(withX, async () => rows([X])))).toEqual(['miss']); // the refill holding X was not stored
  expect(await statusOf(() => reader.read(withoutX, fresh))).toEqual(['hit']);

  // The cache step failed: purge owed. A failing purge skips the cache (status error); then it runs before any hit.
  guard.replace({ pending: [hashX], failed: [{ subjectHash: hashX, requestId: 'del_1', token: 'del_1@t1' }] }, now);
  let failPurge = true;
  const purged: string[][] = [];
  const realInvalidate = cache.invalidateTags.bind(cache);
  cache.invalidateTags = async (tags) => {
    if (failPurge) throw new Error('down');
    purged.push([...tags]);
    return realInvalidate(tags);
  };
  const heard: string[] = [];
  guard.onPurged((batch) => heard.push(...batch.map((b) => b.requestId)));
  expect(await statusOf(() => reader.read(withoutX, fresh))).toEqual(['error']);
  expect(guard.owing).toBe(true);
  failPurge = false;
  now += 60_000; // past the breaker window
  expect(await statusOf(() => reader.read(withoutX, fresh))).toEqual(['miss']); // the purge dropped lake.events first
  expect(purged).toEqual([['subject:*', `subject:${hashX}`, 'dataset:lake.events']]);
  expect(heard).toEqual(['del_1']);
  expect(guard.owing).toBe(false);
  // The same failure listed again owes nothing more; a later failure does.
  guard.replace({ pending: [hashX], failed: [{ subjectHash: hashX, requestId: 'del_1', token: 'del_1@t1' }] }, now);
  expect(guard.owing).toBe(false);
  guard.replace({ pending: [hashX], failed: [{ subjectHash: hashX, requestId: 'del_1', token: 'del_1@t2' }] }, now);
  expect(guard.owing).toBe(true);

  // Purged for good (the ledger shows the cache step completed): nothing pending, entries holding X cache again.
  guard.replace({ pending: [], failed: [] }, now + 10_000);
  expect(guard.active).toBe(false);
  await reader.read(withX, async () => rows([X]));
  expect(await statusOf(() => reader.read(withX, async () => rows([X])))).toEqual(['hit']);
  expect(loads).toBeGreaterThan(0);
  await cache.close();
});
