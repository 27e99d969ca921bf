import { hash } from 'node:crypto';
import type { Logger } from '../observability/logger';
import type { CacheDependency, CacheEvent, QueryScope } from '../observability/query-accounting';
import type { Cache } from '../ports/cache';
import { today } from '../util/days';
import type { CacheBreaker } from './breaker';
import type { ErasureGuard } from './erasure-guard';
import { entryDigest, SUBJECT_ANY_TAG } from './keys';
import { cacheMetrics as metrics } from './metrics';
import { rateLimitedWarn } from './rate-limited-log';

/**
 * Whole responses, so that a repeated dashboard query skips GraphQL execution (for a
 * 720-row answer, executing and serializing every field costs more than the cache
 * read it is built from).
 *
 * A response is stored only when every read of the request was a fresh hit of the
 * data cache and the request ran no backend query, with the list of those entries
 * and a digest of each as read. It is served only while every one of them is still
 * stored with that exact content and fresh: an invalidation (new partition, erasure,
 * invalidateCache) deletes or replaces an entry, and every response built from it
 * stops being served at once. So a response is never staler, nor more visible, than
 * the data-cache entries it came from; its own lifetime is also capped (maxTtlMs).
 *
 * The key is the query text, operation name and variables, the caller's scopes (what
 * it may see and how it is masked) and the UTC day (defaults relative to today).
 * Entries are filed under their dependencies' dataset and domain tags and under
 * subject:*, which every erasure purges, so their bytes go too, not only their use.
 * For the same reason no response is served or stored while an erasure has not
 * purged the cache yet (src/cache/erasure-guard.ts): the request executes, and its
 * data-cache reads leave out the entries holding the subject.
 */
export interface ResponseCacheOptions {
  cache: Cache;
  /** Longest life of a stored response, whatever its dependencies allow. */
  maxTtlMs: number;
  maxValueBytes: number;
  /** The data cache's version (LAKEGATE_CACHE_VERSION). */
  version: string;
  /** Shared with the data cache's reader (src/wiring/backends.ts). */
  breaker: CacheBreaker;
  /** Erasures not yet purged from the cache (shared with the data cache's reader). */
  guard?: ErasureGuard;
  logger: Logger;
  now?: () => number;
}

export interface ResponseKeyParts {
  query: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
  scopes: Iterable<string>;
  /** A tenant's customers: tenants never share a response. */
  tenant?: readonly string[];
}

export interface CachedResponse {
  /** The response's data, parsed. */
  data: Record<string, unknown>;
  /** The reads it was built from (label and backend), reported as hits. */
  reads: CacheEvent[];
}

/** Stored as `<JSON of this>\n<JSON of the data>`: the data is encoded once, not escaped inside another JSON string. */
interface StoredResponse {
  freshUntil: number;
  deps: Array<[key: string, digest: string]>;
  reads: Array<{ label: string; backend?: string }>;
}

export class ResponseCache {
  private readonly cache: Cache;
  private readonly options: ResponseCacheOptions;
  private readonly now: () => number;
  private readonly breaker: CacheBreaker;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;

  constructor(options: ResponseCacheOptions) {
    this.cache = options.cache;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.breaker = options.breaker;
    this.warn = rateLimitedWarn(options.logger);
  }

  key(parts: ResponseKeyParts): string {
    const scopes = [...parts.scopes].sort().join(' ');
    const text = JSON.stringify([this.options.version, today(new Date(this.now())), scopes, parts.tenant ?? null, parts.operationName ?? null, parts.variables ?? {}, parts.query]);
    return `response:${hash('sha256', text, 'hex')}`;
  }

  /** The stored response, if every entry it was built from is unchanged and fresh; null otherwise (or when the cache fails). */
  async lookup(key: string): Promise<CachedResponse | null> {
    if (this.breaker.isOpen()) return null;
    const guard = this.options.guard;
    if (guard?.owing && !(await guard.settleOwed())) return null;
    if (guard?.active) return this.miss();
    try {
      const raw = await this.op('get', () => this.cache.get(key));
      const stored = raw === null ? null : parseStored(raw);
      const now = this.now();
      if (!stored || now >= stored.meta.freshUntil) return this.miss();
      const deps = stored.meta.deps;
      const current = await this.op('deps', () => Promise.all(deps.map(([depKey]) => this.cache.get(depKey))));
      for (let i = 0; i < current.length; i++) {
        const entry = current[i];
        if (entry === null || entry === undefined || entryDigest(entry) !== deps[i]![1]) return this.miss();
      }
      metrics.responses.inc({ outcome: 'hit' });
      return { data: JSON.parse(stored.data) as Record<string, unknown>, reads: stored.meta.reads.map((r) => ({ label: r.label, backend: r.backend, status: 'hit' })) };
    } catch {
      return null; // counted and logged by op(); the request executes normally
    }
  }

  /**
   * Stores a response if the request qualifies (see the class comment); never throws
   * and never delays the answer (the caller does not wait).
   */
  async store(key: string, data: unknown, scope: QueryScope): Promise<void> {
    const deps = dependenciesOf(scope);
    if (!deps) return;
    const now = this.now();
    const freshUntil = Math.min(now + this.options.maxTtlMs, ...deps.map((d) => d.freshUntil));
    if (freshUntil - now < 1000) return;
    let value: string;
    try {
      const meta: StoredResponse = {
        freshUntil,
        deps: deps.map((d) => [d.key, d.digest]),
        reads: scope.cache.map((r) => ({ label: r.label, backend: r.backend })),
      };
      value = `${JSON.stringify(meta)}\n${JSON.stringify(data)}`;
    } catch {
      return;
    }
    if (value.length > this.options.maxValueBytes || this.breaker.isOpen() || this.options.guard?.active) return;
    const tags = [...new Set(deps.flatMap((d) => d.tags)), SUBJECT_ANY_TAG];
    try {
      await this.op('set', () => this.cache.set(key, value, { ttlMs: freshUntil - now, tags }));
      metrics.responses.inc({ outcome: 'stored' });
    } catch {
      // counted and logged by op()
    }
  }

  private miss(): null {
    metrics.responses.inc({ outcome: 'miss' });
    return null;
  }

  private async op<R>(name: string, fn: () => Promise<R>): Promise<R> {
    const started = process.hrtime.bigint();
    try {
      return await fn();
    } catch (error) {
      metrics.errors.inc({ domain: 'responses', op: name });
      this.breaker.trip();
      this.warn(`response:${name}`, { adapter: this.cache.adapter, op: name, err: error instanceof Error ? error.message : String(error) }, 'response cache operation failed; executing the request');
      throw error;
    } finally {
      metrics.opSeconds.observe({ adapter: this.cache.adapter, op: `response.${name}` }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

/** The entries a request's answer was built from, or null when it cannot be cached as a whole. */
export function dependenciesOf(scope: QueryScope): CacheDependency[] | null {
  if (scope.queries.length > 0 || scope.cache.length === 0) return null;
  const byKey = new Map<string, CacheDependency>();
  for (const read of scope.cache) {
    if (read.status !== 'hit' || !read.dependency) return null;
    const seen = byKey.get(read.dependency.key);
    // The same entry read twice with different contents: it changed during the request.
    if (seen && seen.digest !== read.dependency.digest) return null;
    byKey.set(read.dependency.key, read.dependency);
  }
  return [...byKey.values()];
}

/** The metadata line, parsed, and the data's JSON text (parsed only once the response is known to be valid). */
function parseStored(raw: string): { meta: StoredResponse; data: string } | null {
  const newline = raw.indexOf('\n');
  if (newline < 0) return null;
  try {
    const meta = JSON.parse(raw.slice(0, newline)) as Partial<StoredResponse>;
    if (typeof meta.freshUntil !== 'number' || !Array.isArray(meta.deps) || !Array.isArray(meta.reads)) return null;
    return { meta: meta as StoredResponse, data: raw.slice(newline + 1) };
  } catch {
    return null;
  }
}
