import { randomBytes } from 'node:crypto';
import type { Cache } from '../../src/ports/cache';

/**
 * The Cache port's contract, run against every adapter (memory, Redis single node,
 * Redis Cluster, Redis over TLS). Names are unique per test, so tests share one store.
 */
export interface CacheContractTarget {
  /** A handle on the shared store: Redis opens another connection, memory returns the same instance. */
  open(): Promise<Cache>;
  /** A handle on a store of its own (closed by the test). */
  openFresh(): Promise<Cache>;
  teardown(): Promise<void>;
}

export function describeCacheContract(name: string, start: () => Promise<CacheContractTarget>): void {
  describe(`Cache contract: ${name}`, () => {
    let target: CacheContractTarget;
    let cache: Cache;
    let other: Cache;
    const run = randomBytes(4).toString('hex');
    let n = 0;
    const uid = (what: string) => `${what}-${run}-${++n}`;

    beforeAll(async () => {
      target = await start();
      cache = await target.open();
      other = await target.open();
      await cache.ping();
      await other.ping();
    });
    afterAll(async () => {
      await cache?.close();
      await other?.close();
      await target?.teardown();
    });

    test('get of a missing key is null; set then get returns the value, from any handle', async () => {
      const key = uid('k');
      expect(await cache.get(key)).toBeNull();
      expect(await cache.set(key, 'v1 ✓', { ttlMs: 60_000 })).toBe(true);
      expect(await cache.get(key)).toBe('v1 ✓');
      expect(await other.get(key)).toBe('v1 ✓');
      await other.set(key, 'v2', { ttlMs: 60_000 });
      expect(await cache.get(key)).toBe('v2');
    });

    test('a large value round-trips unchanged', async () => {
      const key = uid('big');
      const value = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ i, s: `row ${i} ünïcødé` })));
      await cache.set(key, value, { ttlMs: 60_000 });
      expect(await other.get(key)).toBe(value);
    });

    test('an entry expires after its ttl', async () => {
      const key = uid('ttl');
      await cache.set(key, 'short', { ttlMs: 150 });
      const keep = uid('keep');
      await cache.set(keep, 'long', { ttlMs: 60_000 });
      expect(await cache.get(key)).toBe('short');
      expect(await poll(async () => (await cache.get(key)) === null)).toBe(true);
      expect(await cache.get(keep)).toBe('long');
    });

    test('delete drops the keys and counts those that existed', async () => {
      const [a, b] = [uid('d'), uid('d')];
      await cache.set(a, '1', { ttlMs: 60_000 });
      await cache.set(b, '2', { ttlMs: 60_000 });
      expect(await cache.delete([a, b, uid('absent')])).toBe(2);
      expect(await cache.get(a)).toBeNull();
      expect(await cache.delete([a])).toBe(0);
    });

    test('invalidating a tag drops exactly the entries filed under it and counts them once', async () => {
      const [t1, t2, t3] = [uid('tag'), uid('tag'), uid('tag')];
      const [a, b, c, d] = [uid('e'), uid('e'), uid('e'), uid('e')];
      await cache.set(a, 'a', { ttlMs: 60_000, tags: [t1] });
      await cache.set(b, 'b', { ttlMs: 60_000, tags: [t1, t2] });
      await cache.set(c, 'c', { ttlMs: 60_000, tags: [t2] });
      await cache.set(d, 'd', { ttlMs: 60_000, tags: [t3] });
      expect(await other.invalidateTags([t1])).toBe(2);
      expect(await cache.get(a)).toBeNull();
      expect(await cache.get(b)).toBeNull();
      expect(await cache.get(c)).toBe('c');
      expect(await cache.get(d)).toBe('d');
      expect(await cache.invalidateTags([t2, t1])).toBe(1);
      expect(await cache.get(c)).toBeNull();
      expect(await cache.get(d)).toBe('d');
      expect(await cache.invalidateTags([uid('never-used')])).toBe(0);
    });

    test('invalidating a tag with more entries than one scan batch drops them all', async () => {
      const tag = uid('many');
      const keys = Array.from({ length: 1200 }, () => uid('m'));
      for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => cache.set(k, 'x', { ttlMs: 60_000, tags: [tag] })));
      expect(await cache.invalidateTags([tag])).toBe(1200);
      const left = await Promise.all(keys.map((k) => cache.get(k)));
      expect(left.filter((v) => v !== null)).toHaveLength(0);
    });

    test('overwriting an entry with other tags files it under the new tags', async () => {
      const [oldTag, newTag] = [uid('old'), uid('new')];
      const key = uid('re');
      await cache.set(key, 'v1', { ttlMs: 60_000, tags: [oldTag] });
      await cache.set(key, 'v2', { ttlMs: 60_000, tags: [newTag] });
      expect(await cache.invalidateTags([newTag])).toBe(1);
      expect(await cache.get(key)).toBeNull();
    });

    test('tag versions start empty and change on every invalidation of that tag only', async () => {
      const [t, u] = [uid('ver'), uid('ver')];
      expect(await cache.tagVersions([t, u])).toEqual(['', '']);
      await cache.invalidateTags([t]);
      const [v1, u1] = await other.tagVersions([t, u]);
      expect(v1).not.toBe('');
      expect(u1).toBe('');
      await other.invalidateTags([t]);
      const [v2] = await cache.tagVersions([t]);
      expect(v2).not.toBe(v1);
      expect(await cache.tagVersions([])).toEqual([]);
    });

    test('a fenced write is refused once a fenced tag was invalidated, and accepted on the new versions', async () => {
      const [tag, fenceOnly] = [uid('f'), uid('f-only')];
      const key = uid('fenced');
      const tags = [tag, fenceOnly];
      const before = await cache.tagVersions(tags);
      expect(await cache.set(key, 'ok', { ttlMs: 60_000, tags: [tag], fence: { tags, versions: before } })).toBe(true);
      expect(await cache.get(key)).toBe('ok');

      // Another process invalidates while this one loads: its write must not land.
      const snapshot = await cache.tagVersions(tags);
      await other.invalidateTags([fenceOnly]);
      expect(await cache.set(key, 'stale', { ttlMs: 60_000, tags: [tag], fence: { tags, versions: snapshot } })).toBe(false);
      expect(await cache.get(key)).toBe('ok');

      const now = await cache.tagVersions(tags);
      expect(await cache.set(key, 'fresh', { ttlMs: 60_000, tags: [tag], fence: { tags, versions: now } })).toBe(true);
      expect(await other.get(key)).toBe('fresh');
      // Filed after the bump: a later invalidation still finds it.
      expect(await other.invalidateTags([tag])).toBe(1);
      expect(await cache.get(key)).toBeNull();
    });

    test('a lock is exclusive across handles, released only by its token, and expires', async () => {
      const name = uid('lock');
      const lock = await cache.tryLock(name, 60_000);
      expect(lock).not.toBeNull();
      expect(await other.tryLock(name, 60_000)).toBeNull();
      await other.unlock({ name, token: 'not-the-token' });
      expect(await other.tryLock(name, 60_000)).toBeNull();
      expect(await cache.renewLock(lock!, 60_000)).toBe(true);
      await cache.unlock(lock!);
      expect(await cache.renewLock(lock!, 60_000)).toBe(false);
      const second = await other.tryLock(name, 150);
      expect(second).not.toBeNull();
      expect(second!.token).not.toBe(lock!.token);
      // Expires by itself (a crashed filler never blocks the key for long).
      expect(await poll(async () => (await cache.tryLock(name, 60_000)) !== null)).toBe(true);
    });

    test('waitFor returns a value stored meanwhile by another handle', async () => {
      const key = uid('wait');
      const lockName = uid('wait-lock');
      const lock = await other.tryLock(lockName, 60_000);
      const waiting = cache.waitFor(key, { timeoutMs: 30_000, lock: lockName });
      await sleep(50);
      await other.set(key, 'filled', { ttlMs: 60_000 });
      await other.unlock(lock!);
      expect(await waiting).toBe('filled');
    });

    test('waitFor returns at once when the value is there, null on timeout', async () => {
      const key = uid('wait2');
      await other.set(key, 'there', { ttlMs: 60_000 });
      expect(await cache.waitFor(key, { timeoutMs: 30_000 })).toBe('there');
      expect(await cache.waitFor(uid('never'), { timeoutMs: 100 })).toBeNull();
    });

    // The wait (60 s) outlives the test's own timeout: only the lock's release can end it in time.
    test('waitFor gives up (null) as soon as the lock is released without a value', async () => {
      const key = uid('wait3');
      const lockName = uid('wait3-lock');
      const lock = await other.tryLock(lockName, 60_000);
      const waiting = cache.waitFor(key, { timeoutMs: 60_000, lock: lockName });
      await sleep(50);
      await other.unlock(lock!);
      expect(await waiting).toBeNull();
      // And with no lock held at all, there is nothing to wait for.
      expect(await cache.waitFor(key, { timeoutMs: 60_000, lock: uid('free-lock') })).toBeNull();
    }, 15_000);

    test('waitFor gives up (null) when the waiting request goes away', async () => {
      const lockName = uid('wait4-lock');
      const lock = await other.tryLock(lockName, 60_000);
      const controller = new AbortController();
      const waiting = cache.waitFor(uid('wait4'), { timeoutMs: 60_000, lock: lockName, signal: controller.signal });
      await sleep(50);
      controller.abort();
      expect(await waiting).toBeNull();
      await other.unlock(lock!);
    }, 15_000);

    test('a closed handle refuses work', async () => {
      const fresh = await target.openFresh();
      await fresh.ping();
      await fresh.close();
      await expect(fresh.ping()).rejects.toThrow();
      await expect(fresh.get(uid('after-close'))).rejects.toThrow();
    });
  });
}

export async function poll(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(25);
  }
  return check();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
