import { accountCache } from '../observability/query-accounting';

/**
 * What services use to cache backend reads. Services say what they read (domain,
 * normalized arguments, the caller's data scope, the datasets and subjects the
 * result holds); the reader decides hit, miss or stale, and reports the outcome to
 * the request (extensions.cache). The implementation is createCachedReader
 * (src/cache/create-cached-reader.ts).
 */
export type CacheDomain = 'lake' | 'warehouse' | 'catalog' | 'jobRuns' | 'decisions';

export interface CacheReadSpec<T = unknown> {
  domain: CacheDomain;
  /** Constant naming the read, e.g. 'eventStats' (no user data). */
  label: string;
  /** Normalized arguments: equal reads must give equal args (canonical JSON is hashed). */
  args: unknown;
  /** The caller's data scope, e.g. 'pii' or 'masked': part of the key. */
  scope: string;
  /** Datasets the result is derived from, e.g. 'lake.events', 'warehouse.customers'. */
  datasets: string[];
  /** Raw customer ids the result holds; the cache stores only their keyed hashes as tags. */
  subjects?: string[];
  /** Customers the loaded value holds, when they are known only after loading (e.g. rows grouped by customer). */
  subjectsOf?(value: T): Iterable<string>;
  /** Overrides the domain's TTL (ms). */
  ttlMs?: number;
  /**
   * When the data behind this read changes (epoch ms or Date), e.g. daily aggregates
   * are fresh until the next day's partition lands. Replaces the TTL (capped).
   */
  freshUntil?: number | Date;
  /** false: never serve this read stale, even where the domain allows it. */
  stale?: boolean;
}

export interface CachedReader {
  /**
   * Returns the cached value or loads it (once per key across concurrent callers).
   * Values must be JSON-serializable (bigint allowed); what comes back from the cache
   * is the JSON form (a Date comes back as its ISO string).
   */
  read<T>(spec: CacheReadSpec<T>, load: () => Promise<T>): Promise<T>;
  /** Drops every entry derived from these datasets (a new partition landed, a warehouse load). */
  invalidateDatasets(datasets: string[]): Promise<number>;
  /** Drops every entry holding any of these customers (erasure). */
  purgeSubjects(customerIds: string[]): Promise<number>;
  /** Drops every entry filed under these tags (dataset:<name>, domain:<domain>, subject:<hash>, subject:*). */
  invalidateTags(tags: string[]): Promise<number>;
}

/** A reader that never caches (used where caching is off). */
export class PassThroughReader implements CachedReader {
  read<T>(spec: CacheReadSpec<T>, load: () => Promise<T>): Promise<T> {
    accountCache({ label: spec.label, status: 'bypass' });
    return load();
  }
  async invalidateDatasets(): Promise<number> {
    return 0;
  }
  async purgeSubjects(): Promise<number> {
    return 0;
  }
  async invalidateTags(): Promise<number> {
    return 0;
  }
}
