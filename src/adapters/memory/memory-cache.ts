import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Cache, CacheLock, CacheSetOptions, WaitOptions } from '../../ports/cache';

/**
 * The Cache port in this process: an LRU bounded by entries and by size, with tag
 * sets, tag versions and locks in maps. The default without REDIS_URL; one process
 * only (several lakegate processes need Redis to share a cache).
 */
export interface MemoryCacheOptions {
  /** 0: no bound on the number of entries (the size bound still applies). */
  maxEntries: number;
  /** Bound on the total length of the stored values. */
  maxBytes: number;
}

interface Entry {
  value: string;
  tags: readonly string[];
}

interface Waiter {
  key: string;
  lock: string | undefined;
  finish: (value: string | null) => void;
}

/** Tag versions only matter while a fill runs; a day outlives any fill. */
const VERSION_TTL_MS = 86_400_000;

export class MemoryCache implements Cache {
  readonly adapter = 'memory' as const;
  private readonly entries: LRUCache<string, Entry>;
  private readonly tagSets = new Map<string, Set<string>>();
  private readonly versions = new LRUCache<string, string>({ max: 100_000, ttl: VERSION_TTL_MS });
  private readonly locks = new Map<string, { token: string; expiresAt: number }>();
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(options: MemoryCacheOptions) {
    this.entries = new LRUCache<string, Entry>({
      ...(options.maxEntries > 0 ? { max: options.maxEntries } : {}),
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => Math.max(1, entry.value.length + key.length),
      // Keep the tag sets in step with the entries, whatever removed them.
      dispose: (entry, key) => this.untag(key, entry.tags),
    });
  }

  async get(key: string): Promise<string | null> {
    this.assertOpen();
    return this.entries.get(key)?.value ?? null;
  }

  async set(key: string, value: string, options: CacheSetOptions): Promise<boolean> {
    this.assertOpen();
    if (options.fence && !this.fenceHolds(options.fence.tags, options.fence.versions)) return false;
    const tags = options.tags ?? [];
    this.entries.set(key, { value, tags }, { ttl: Math.max(1, Math.ceil(options.ttlMs)) });
    // A value larger than maxBytes is refused by the LRU: not stored, not tagged.
    if (!this.entries.has(key)) return false;
    for (const tag of tags) {
      let members = this.tagSets.get(tag);
      if (!members) this.tagSets.set(tag, (members = new Set()));
      members.add(key);
    }
    this.notify((w) => w.key === key, value);
    return true;
  }

  async delete(keys: readonly string[]): Promise<number> {
    this.assertOpen();
    let deleted = 0;
    for (const key of keys) if (this.entries.delete(key)) deleted++;
    return deleted;
  }

  async tagVersions(tags: readonly string[]): Promise<string[]> {
    this.assertOpen();
    return tags.map((tag) => this.versions.get(tag) ?? '');
  }

  async invalidateTags(tags: readonly string[]): Promise<number> {
    this.assertOpen();
    for (const tag of tags) this.versions.set(tag, newToken());
    let deleted = 0;
    for (const tag of tags) {
      const members = this.tagSets.get(tag);
      if (!members) continue;
      for (const key of [...members]) if (this.entries.delete(key)) deleted++;
      this.tagSets.delete(tag);
    }
    return deleted;
  }

  async tryLock(name: string, ttlMs: number): Promise<CacheLock | null> {
    this.assertOpen();
    if (this.lockHolder(name)) return null;
    const token = newToken();
    this.locks.set(name, { token, expiresAt: Date.now() + ttlMs });
    return { name, token };
  }

  async renewLock(lock: CacheLock, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    if (this.lockHolder(lock.name) !== lock.token) return false;
    this.locks.set(lock.name, { token: lock.token, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async unlock(lock: CacheLock): Promise<void> {
    if (this.lockHolder(lock.name) !== lock.token) return;
    this.locks.delete(lock.name);
    this.notify((w) => w.lock === lock.name, null);
  }

  waitFor(key: string, options: WaitOptions): Promise<string | null> {
    this.assertOpen();
    const present = this.entries.get(key)?.value;
    if (present !== undefined) return Promise.resolve(present);
    if (options.lock !== undefined && !this.lockHolder(options.lock)) return Promise.resolve(null);
    if (options.signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onAbort = () => waiter.finish(null);
      const waiter: Waiter = {
        key,
        lock: options.lock,
        finish: (value) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
          resolve(value ?? this.entries.get(key)?.value ?? null);
        },
      };
      const timer = setTimeout(() => waiter.finish(null), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.finish(null);
    this.entries.clear();
    this.tagSets.clear();
  }

  private fenceHolds(tags: readonly string[], versions: readonly string[]): boolean {
    return tags.every((tag, i) => (this.versions.get(tag) ?? '') === versions[i]);
  }

  private lockHolder(name: string): string | undefined {
    const lock = this.locks.get(name);
    if (!lock) return undefined;
    if (lock.expiresAt <= Date.now()) {
      this.locks.delete(name);
      return undefined;
    }
    return lock.token;
  }

  private untag(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const members = this.tagSets.get(tag);
      if (!members) continue;
      members.delete(key);
      if (members.size === 0) this.tagSets.delete(tag);
    }
  }

  private notify(matches: (waiter: Waiter) => boolean, value: string | null): void {
    for (const waiter of [...this.waiters]) if (matches(waiter)) waiter.finish(value);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory cache is closed');
  }
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}
