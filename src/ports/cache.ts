/**
 * A shared key-value cache with tags: Redis when REDIS_URL is set, an in-process LRU
 * otherwise. Values are opaque strings (src/cache encodes them). Keys and tags are
 * logical names; the adapter adds its key prefix.
 *
 * Tags carry a version (an opaque token, '' until the tag is first invalidated).
 * A writer that snapshots the versions of its tags before loading and passes them as
 * a fence has its write refused when any of them changed meanwhile: a fill that
 * started before an invalidation is never stored after it.
 */
export type CacheAdapterName = 'redis' | 'memory';

export interface CacheFence {
  tags: readonly string[];
  /** What `tagVersions(tags)` returned before the value was loaded. */
  versions: readonly string[];
}

export interface CacheSetOptions {
  /** Lifetime of the entry (> 0). */
  ttlMs: number;
  /** Tags the entry is filed under: invalidating one of them drops the entry. */
  tags?: readonly string[];
  /** Store only if these tag versions are unchanged. */
  fence?: CacheFence;
}

export interface CacheLock {
  name: string;
  token: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Stop waiting (null) as soon as this lock is released without the value appearing. */
  lock?: string;
  /** Stop waiting (null) when the request that waits goes away. */
  signal?: AbortSignal;
}

export interface Cache {
  readonly adapter: CacheAdapterName;
  get(key: string): Promise<string | null>;
  /** Returns false when the fence refused the write. */
  set(key: string, value: string, options: CacheSetOptions): Promise<boolean>;
  /** Returns how many of the keys existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Current version of each tag, in order ('' for a tag never invalidated). */
  tagVersions(tags: readonly string[]): Promise<string[]>;
  /**
   * Bumps the version of every tag first, then drops every entry filed under any of
   * them (batched; never KEYS). Returns the number of entries dropped.
   */
  invalidateTags(tags: readonly string[]): Promise<number>;
  /** A short exclusive lock shared by every process on this cache; null when held by someone else. */
  tryLock(name: string, ttlMs: number): Promise<CacheLock | null>;
  /** Extends a lock still held with this token; false when it was lost. */
  renewLock(lock: CacheLock, ttlMs: number): Promise<boolean>;
  /** Releases the lock if it is still held with this token. */
  unlock(lock: CacheLock): Promise<void>;
  /** Waits for another process to store `key`; null on timeout or when `lock` goes away first. */
  waitFor(key: string, options: WaitOptions): Promise<string | null>;
  /** Throws when the cache cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
