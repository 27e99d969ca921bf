import { MemoryCache } from '../../../src/adapters/memory/memory-cache';
import { CacheBreaker } from '../../../src/cache/breaker';
import { entryDigest } from '../../../src/cache/keys';
import { dependenciesOf, ResponseCache } from '../../../src/cache/response-cache';
import { rootLogger } from '../../../src/observability/logger';
import { newQueryScope, type CacheEvent, type QueryScope } from '../../../src/observability/query-accounting';

/**
 * The response cache's rules over the in-process adapter: what qualifies to be
 * stored, and that a stored response is served only while every entry it was built
 * from holds the very content it was read with, and is fresh.
 */
let now = Date.parse('2026-03-04T10:00:00Z');
const cache = new MemoryCache({ maxEntries: 1000, maxBytes: 10_000_000 });
const breaker = new CacheBreaker(1000, () => now);
const responses = new ResponseCache({ cache, maxTtlMs: 60_000, maxValueBytes: 1_000_000, version: 't', breaker, logger: rootLogger(), now: () => now });
afterAll(() => cache.close());

function hitOn(key: string, content: string, freshUntil = now + 30_000): CacheEvent {
  return { label: 'eventStats.lake', status: 'hit', backend: 'memory', dependency: { key, digest: entryDigest(content), freshUntil, tags: ['dataset:lake.events', 'domain:lake'] } };
}
function scopeWith(...reads: CacheEvent[]): QueryScope {
  const scope = newQueryScope('r1');
  scope.cache.push(...reads);
  return scope;
}
const KEY_PARTS = { query: '{ eventStats { totalEvents } }', operationName: null, variables: { a: 1 }, scopes: ['events:read'] };

test('only requests whose every read was a fresh hit, with no backend query, qualify', () => {
  expect(dependenciesOf(scopeWith(hitOn('k1', 'v1')))).toHaveLength(1);
  expect(dependenciesOf(scopeWith())).toBeNull();
  expect(dependenciesOf(scopeWith(hitOn('k1', 'v1'), { label: 'x', status: 'miss' }))).toBeNull();
  expect(dependenciesOf(scopeWith({ label: 'x', status: 'hit' }))).toBeNull(); // a hit without its entry
  expect(dependenciesOf(scopeWith(hitOn('k1', 'v1'), hitOn('k1', 'v2')))).toBeNull(); // changed during the request
  const withQuery = scopeWith(hitOn('k1', 'v1'));
  withQuery.queries.push({ backend: 'dynamodb', label: 'decisions.get', ms: 1, bytesScanned: 0, rows: 1, costUsd: 0 });
  expect(dependenciesOf(withQuery)).toBeNull();
});

test('served while its entry is unchanged; not after it changes, is deleted or goes stale; served again when the same content is back', async () => {
  await cache.set('dep', 'v1', { ttlMs: 600_000 });
  const key = responses.key(KEY_PARTS);
  await responses.store(key, { eventStats: [{ totalEvents: 3 }] }, scopeWith(hitOn('dep', 'v1')));
  expect(await responses.lookup(key)).toEqual({ data: { eventStats: [{ totalEvents: 3 }] }, reads: [{ label: 'eventStats.lake', backend: 'memory', status: 'hit' }] });

  await cache.set('dep', 'v2', { ttlMs: 600_000 }); // refilled with other content
  expect(await responses.lookup(key)).toBeNull();
  await cache.delete(['dep']);
  expect(await responses.lookup(key)).toBeNull();
  await cache.set('dep', 'v1', { ttlMs: 600_000 }); // the very content it was built from
  expect(await responses.lookup(key)).not.toBeNull();

  now += 30_000; // the entry's freshness ended
  expect(await responses.lookup(key)).toBeNull();
});

test('keys differ by scopes, variables, operation and day; an invalidation of subject:* drops stored responses', async () => {
  const base = responses.key(KEY_PARTS);
  expect(responses.key({ ...KEY_PARTS, scopes: ['events:read', 'pii:read'] })).not.toBe(base);
  expect(responses.key({ ...KEY_PARTS, variables: { a: 2 } })).not.toBe(base);
  expect(responses.key({ ...KEY_PARTS, operationName: 'Other' })).not.toBe(base);
  expect(responses.key({ ...KEY_PARTS, scopes: new Set(['events:read']) })).toBe(base);
  const tomorrow = new ResponseCache({ cache, maxTtlMs: 60_000, maxValueBytes: 1_000_000, version: 't', breaker, logger: rootLogger(), now: () => now + 86_400_000 });
  expect(tomorrow.key(KEY_PARTS)).not.toBe(base);

  await cache.set('dep2', 'w', { ttlMs: 600_000 });
  const key = responses.key({ ...KEY_PARTS, variables: { b: 1 } });
  await responses.store(key, { x: 1 }, scopeWith(hitOn('dep2', 'w')));
  expect(await cache.get(key)).not.toBeNull();
  await cache.invalidateTags(['subject:*']);
  expect(await cache.get(key)).toBeNull();
  expect(await cache.get('dep2')).toBe('w'); // not filed under it
});
