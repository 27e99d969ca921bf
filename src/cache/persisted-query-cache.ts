import type { Logger } from '../observability/logger';
import type { Cache } from '../ports/cache';
import { CacheBreaker } from './breaker';
import { rateLimitedWarn } from './rate-limited-log';

/**
 * Apollo's key-value cache for Automatic Persisted Queries over lakegate's Cache
 * port: Redis when configured (every process sees a document registered on any
 * of them), the in-process LRU otherwise. Apollo prefixes the keys (`apq:<sha256>`);
 * the values are documents, which hold no answers. Fail-open: when the cache cannot
 * be reached a lookup is a miss (the client then sends the document again, and is
 * served) and a registration is dropped, with a rate-limited warning; after a
 * failure the cache is skipped for `breakerMs`.
 *
 * The shape is Apollo's KeyValueCache<string> (get / set with a ttl in seconds / delete).
 */
export class PersistedQueryCache {
  private readonly breaker: CacheBreaker;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;

  constructor(
    private readonly cache: Cache,
    private readonly options: { ttlSeconds: number; logger: Logger; breakerMs?: number },
  ) {
    this.breaker = new CacheBreaker(options.breakerMs ?? 1000);
    this.warn = rateLimitedWarn(options.logger);
  }

  async get(key: string): Promise<string | undefined> {
    if (this.breaker.isOpen()) return undefined;
    try {
      return (await this.cache.get(this.key(key))) ?? undefined;
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    if (this.breaker.isOpen()) return;
    // Apollo's ttl is in seconds (null: no expiry); lakegate's entries always expire.
    const seconds = options?.ttl ?? this.options.ttlSeconds;
    try {
      await this.cache.set(this.key(key), value, { ttlMs: Math.max(1, seconds) * 1000 });
    } catch (error) {
      this.failed(error);
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.cache.delete([this.key(key)])) > 0;
    } catch (error) {
      this.failed(error);
      return false;
    }
  }

  private key(key: string): string {
    return `pq:${key}`;
  }

  private failed(error: unknown): void {
    this.breaker.trip();
    this.warn('persisted-queries', { err: error, backend: this.cache.adapter }, 'persisted queries: the cache cannot be reached; hash-only requests miss until it can (clients resend the document)');
  }
}
