import { MemoryCache } from '../../src/adapters/memory/memory-cache';
import { describeCacheContract } from './cache.contract';

describeCacheContract('memory (LRU)', async () => {
  const shared = new MemoryCache({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
  return {
    open: async () => shared,
    openFresh: async () => new MemoryCache({ maxEntries: 100, maxBytes: 1024 * 1024 }),
    teardown: () => shared.close(),
  };
});

describe('MemoryCache bounds', () => {
  test('the least recently used entry goes first, and its tags forget it', async () => {
    const cache = new MemoryCache({ maxEntries: 2, maxBytes: 1024 * 1024 });
    await cache.set('a', '1', { ttlMs: 60_000, tags: ['t'] });
    await cache.set('b', '2', { ttlMs: 60_000, tags: ['t'] });
    expect(await cache.get('a')).toBe('1'); // a is now more recent than b
    await cache.set('c', '3', { ttlMs: 60_000, tags: ['t'] });
    expect(await cache.get('b')).toBeNull();
    expect(await cache.invalidateTags(['t'])).toBe(2);
    await cache.close();
  });

  test('a value larger than the size bound is refused, not stored', async () => {
    const cache = new MemoryCache({ maxEntries: 0, maxBytes: 1024 });
    expect(await cache.set('big', 'x'.repeat(4096), { ttlMs: 60_000, tags: ['t'] })).toBe(false);
    expect(await cache.get('big')).toBeNull();
    expect(await cache.set('small', 'x', { ttlMs: 60_000 })).toBe(true);
    await cache.close();
  });
});
