import type { Cache } from '../ports/cache';

/**
 * When the lake's data last changed (a load committed rows, an erasure deleted
 * some), shared by every process through the cache (Redis) when there is one.
 * Athena's result reuse answers an identical query from an earlier result without
 * looking at the data: the Athena engine bounds MaxAgeInMinutes by the time since
 * the last change, so no result computed before a load or an erasure is reused
 * after it (src/adapters/athena/athena-engine.ts lastDataChange).
 *
 * Conservative by construction: a change is recorded locally even when the cache
 * cannot be written; a marker missing from a configured cache (evicted, or a new
 * cache) counts as a change now and is written again; a cache that cannot be read
 * makes `lastChange` fail, which turns reuse off for that query.
 */
const KEY = 'lake-data-changed-at';
/** Longer than Athena's longest MaxAgeInMinutes (7 days): an older change bounds nothing. */
const TTL_MS = 7 * 86_400_000 + 3_600_000;

export class DatasetChanges {
  private local: number | undefined;
  private cache: Cache | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  /** The shared cache (set once the backends built it). */
  attach(cache: Cache | undefined): void {
    this.cache = cache;
  }

  /** The lake's data changed now (or at `at`). */
  async changed(at: number = this.clock()): Promise<void> {
    this.local = Math.max(this.local ?? 0, at);
    if (!this.cache) return;
    try {
      const known = Number((await this.cache.get(KEY)) ?? 0);
      if (!(known >= at)) await this.cache.set(KEY, String(at), { ttlMs: TTL_MS });
    } catch {
      // This process knows; others learn it when the cache is back (their reads of it fail meanwhile).
    }
  }

  /** Epoch ms of the last change known to any process; undefined when none. */
  async lastChange(): Promise<number | undefined> {
    if (!this.cache) return this.local;
    const stored = await this.cache.get(KEY);
    let shared = stored === null ? undefined : Number(stored);
    if (shared === undefined || !Number.isFinite(shared)) {
      shared = this.clock();
      await this.cache.set(KEY, String(shared), { ttlMs: TTL_MS });
    }
    return Math.max(shared, this.local ?? 0);
  }
}
