import type { CacheConfig } from '../config/cache';
import { errorMessage } from '../util/error-message';
import { backendUnavailable } from '../errors/app-error';
import { rootLogger, type Logger } from '../observability/logger';
import { accountCache, currentQueryScope, currentSignal, newQueryScope, runInQueryScope, type CacheEvent, type CacheStatus, type QueryScope } from '../observability/query-accounting';
import type { Cache, CacheFence, CacheLock } from '../ports/cache';
import { CacheBreaker } from './breaker';
import type { CachedReader, CacheReadSpec } from './cached-reader';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './codec';
import type { ErasureGuard } from './erasure-guard';
import { cacheKey, datasetTag, domainTag, entryDigest, fillLockName, parseTag, SUBJECT_ANY_TAG, subjectTag, subjectTags } from './keys';
import { entryLifetime } from './lifetime';
import { cacheMetrics as metrics } from './metrics';
import { rateLimitedWarn } from './rate-limited-log';
import { SingleFlight } from './single-flight';

/**
 * The cache in front of backend reads, over any Cache adapter:
 * - key: domain, label, data scope and a hash of the canonical arguments (+ version);
 * - single-flight in this process, and across processes a short fill lock: the
 *   winner loads, the others wait for its value (bounded, then load themselves);
 * - tag versions fence every fill, so a fill that started before an invalidation
 *   is never stored after it;
 * - stale-while-revalidate where the domain allows it (one background refresh);
 * - fail-open: any cache failure or timeout falls back to the backend, reported as
 *   status 'error' (extensions.cache, metrics, rate-limited logs), never to the client;
 * - erasures whose cache purge has not completed (src/cache/erasure-guard.ts): an
 *   entry holding their subject is neither served nor stored, and a purge that
 *   failed is redone here before any entry is served again.
 */
export type CachedReaderConfig = Pick<
  CacheConfig,
  'ttlMs' | 'staleMs' | 'maxTtlMs' | 'ttlJitter' | 'lockTtlMs' | 'lockWaitMs' | 'maxSubjectTags' | 'version' | 'breakerMs' | 'maxValueBytes'
>;

export interface CachedReaderOptions {
  cache: Cache;
  /** Record what each fresh hit was read from, for the response cache (costs a digest of the entry per hit). */
  recordDependencies?: boolean;
  /** Shared with the response cache, so that one failure skips the cache for both (one timeout per outage window, not two). */
  breaker?: CacheBreaker;
  /** Erasures not yet purged from the cache (shared with the response cache). */
  guard?: ErasureGuard;
  config: CachedReaderConfig;
  /** Key of the subject hash (config.subjectHashKey): subject tags are keyed hashes. */
  subjectHashKey: string;
  logger?: Logger;
  /** Clock and randomness (jitter), replaceable in tests. */
  now?: () => number;
  random?: () => number;
}

export interface SharedCachedReader extends CachedReader {
  readonly cache: Cache;
  /** Resolves when the background refreshes started so far have finished (tests, shutdown). */
  idle(): Promise<void>;
}

export function createCachedReader(options: CachedReaderOptions): SharedCachedReader {
  return new Reader(options);
}

interface Outcome {
  value: unknown;
  status: CacheStatus;
  /** The stored form, when there is one: joiners decode their own copy. */
  encoded?: string;
  /** Hits: the entry's key and freshness (response-cache dependencies). */
  key?: string;
  freshUntil?: number;
  /** An invalidation ran while this value loaded: later joiners must not get it. */
  fenced?: boolean;
}

interface FlightContext {
  /** The leader's request; its signal is read only when the load failed (made on first use, see src/server/request-abort.ts). */
  scope: QueryScope | undefined;
}

class Reader implements SharedCachedReader {
  readonly cache: Cache;
  private readonly config: CachedReaderConfig;
  private readonly hashKey: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly breaker: CacheBreaker;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;
  private readonly flights = new SingleFlight<Outcome, FlightContext>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly recordDependencies: boolean;
  private readonly guard: ErasureGuard | undefined;

  constructor(options: CachedReaderOptions) {
    this.cache = options.cache;
    this.recordDependencies = options.recordDependencies ?? false;
    this.config = options.config;
    this.hashKey = options.subjectHashKey;
    this.logger = options.logger ?? rootLogger();
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.breaker = options.breaker ?? new CacheBreaker(options.config.breakerMs, this.now);
    this.warn = rateLimitedWarn(this.logger);
    this.guard = options.guard;
    this.guard?.attachPurger(async (hashes, datasets) => {
      // Not while the cache is known to be down: the next read after the window tries.
      if (this.breaker.isOpen()) throw new Error('the cache is not reachable');
      const tags = [SUBJECT_ANY_TAG, ...hashes.map((h) => `subject:${h}`), ...datasets.map((d) => datasetTag(d))];
      await this.invalidate(tags, 'subject');
    });
  }

  read<T>(spec: CacheReadSpec<T>, load: () => Promise<T>): Promise<T> {
    return this.readOnce(spec, load, false);
  }

  private async readOnce<T>(spec: CacheReadSpec<T>, load: () => Promise<T>, retried: boolean): Promise<T> {
    if (!entryLifetime(spec, this.config, this.now(), this.random)) {
      this.report(spec, 'bypass');
      return load();
    }
    const scope = currentQueryScope();
    const key = cacheKey({ version: this.config.version, domain: spec.domain, label: spec.label, scope: spec.scope, args: spec.args, tenant: scope?.tenant });
    // Single-flight holds even while the cache is skipped: an outage must not become a stampede.
    const flight = this.flights.run(key, { scope }, () =>
      this.breaker.isOpen() ? this.loadSkippingCache(spec as CacheReadSpec, load) : this.readGuarded(key, spec as CacheReadSpec, load),
    );
    if (!flight.joined) {
      const outcome = await flight.promise;
      this.report(spec, outcome.status, outcome);
      return outcome.value as T;
    }

    metrics.singleFlightJoins.inc({ domain: spec.domain });
    let outcome: Outcome;
    try {
      outcome = await flight.promise;
    } catch (error) {
      // The leader's request went away and took the shared load with it; this caller still wants the answer.
      if (!retried && flight.context.scope?.signal?.aborted && !scope?.signal?.aborted) return this.readOnce(spec, load, true);
      throw error;
    }
    // Loaded before an invalidation that may have returned before this caller arrived: read again.
    if (outcome.fenced && !retried) return this.readOnce(spec, load, true);
    this.report(spec, outcome.status, outcome);
    return ownCopy(outcome) as T;
  }

  invalidateDatasets(datasets: string[]): Promise<number> {
    return this.invalidate(
      [...new Set(datasets)].map((d) => datasetTag(d)),
      'dataset',
    );
  }

  purgeSubjects(customerIds: string[]): Promise<number> {
    if (customerIds.length === 0) return Promise.resolve(0);
    // subject:* too: it files the entries above the subject cap, and every fill is fenced on its version.
    const tags = [SUBJECT_ANY_TAG, ...new Set(customerIds.map((id) => subjectTag(this.hashKey, id)))];
    return this.invalidate(tags, 'subject');
  }

  async invalidateTags(tags: string[]): Promise<number> {
    const parsed = [...new Set(tags.map((t) => parseTag(t)))];
    // A fill cannot know its subjects before loading: it is fenced on subject:* instead.
    if (parsed.some((t) => t.startsWith('subject:')) && !parsed.includes(SUBJECT_ANY_TAG)) parsed.unshift(SUBJECT_ANY_TAG);
    return this.invalidate(parsed, 'tag');
  }

  async idle(): Promise<void> {
    while (this.refreshing.size > 0) await Promise.allSettled([...this.refreshing.values()]);
  }

  /** Not fail-open: an invalidation that did not happen must be retried by the caller (erasure). */
  private async invalidate(tags: string[], kind: 'dataset' | 'subject' | 'tag'): Promise<number> {
    if (tags.length === 0) return 0;
    // Reads arriving from now on must not join a load that started before.
    this.flights.detachAll();
    let deleted: number;
    try {
      deleted = await this.op('all', 'invalidate', () => this.cache.invalidateTags(tags));
    } catch (error) {
      throw backendUnavailable('cache', 'the cache could not be invalidated; retry once it is reachable', error);
    }
    metrics.invalidated.inc({ kind }, deleted);
    this.logger.info({ kind, tags: tags.length, deleted }, 'cache invalidated');
    return deleted;
  }

  /** The breaker is open: straight to the backend, reported as error. */
  private async loadSkippingCache(spec: CacheReadSpec, load: () => Promise<unknown>): Promise<Outcome> {
    metrics.errors.inc({ domain: spec.domain, op: 'skipped' });
    return { value: await load(), status: 'error' };
  }

  /** An erasure's failed purge is redone before anything is served from the cache; if it fails again, the cache is skipped. */
  private readGuarded(key: string, spec: CacheReadSpec, load: () => Promise<unknown>): Promise<Outcome> {
    if (!this.guard?.owing) return this.readThrough(key, spec, load);
    return this.guard.settleOwed().then((purged) => (purged ? this.readThrough(key, spec, load) : this.loadSkippingCache(spec, load)));
  }

  /** The value holds a subject whose erasure has not purged the cache yet (or its subjects cannot be told). */
  private holdsPendingSubject(spec: CacheReadSpec, value: unknown): boolean {
    if (!this.guard?.active) return false;
    try {
      return this.guard.holdsPending(this.hashKey, [...(spec.subjects ?? []), ...(spec.subjectsOf ? spec.subjectsOf(value) : [])]);
    } catch {
      return true;
    }
  }

  private async readThrough(key: string, spec: CacheReadSpec, load: () => Promise<unknown>): Promise<Outcome> {
    let raw: string | null;
    try {
      raw = await this.op(spec.domain, 'get', () => this.cache.get(key));
    } catch {
      return { value: await load(), status: 'error' };
    }
    const decoded = raw === null ? null : this.decode(raw, spec);
    // An entry holding a subject being erased is a miss (and the refill is not stored).
    const envelope = decoded && this.holdsPendingSubject(spec, decoded.value) ? null : decoded;
    if (raw !== null && envelope) {
      const now = this.now();
      if (now < envelope.freshUntil) return { value: envelope.value, status: 'hit', encoded: raw, key, freshUntil: envelope.freshUntil };
      if (now < envelope.staleUntil && spec.stale !== false) {
        this.refreshInBackground(key, spec, load);
        return { value: envelope.value, status: 'stale', encoded: raw };
      }
    }
    return this.fill(key, spec, load);
  }

  /** A miss: take the fill lock, or wait for the process holding it. */
  private async fill(key: string, spec: CacheReadSpec, load: () => Promise<unknown>): Promise<Outcome> {
    const lockName = fillLockName(key);
    let lock: CacheLock | null;
    try {
      lock = await this.op(spec.domain, 'lock', () => this.cache.tryLock(lockName, this.config.lockTtlMs));
      if (!lock) {
        const waitStarted = this.now();
        const raw = await this.op(spec.domain, 'wait', () => this.cache.waitFor(key, { timeoutMs: this.config.lockWaitMs, lock: lockName, signal: currentSignal() }));
        const envelope = raw === null ? null : this.decode(raw, spec);
        if (raw !== null && envelope && this.now() < envelope.staleUntil && !this.holdsPendingSubject(spec, envelope.value)) {
          metrics.lockWaits.inc({ domain: spec.domain, outcome: 'value' });
          return { value: envelope.value, status: 'hit', encoded: raw, key, freshUntil: envelope.freshUntil };
        }
        const timedOut = this.now() - waitStarted >= this.config.lockWaitMs;
        metrics.lockWaits.inc({ domain: spec.domain, outcome: timedOut ? 'timeout' : 'released' });
        // The winner gave up (or is too slow): one more try for the lock, else load without it.
        lock = await this.op(spec.domain, 'lock', () => this.cache.tryLock(lockName, this.config.lockTtlMs));
      }
    } catch {
      return { value: await load(), status: 'error' };
    }
    return this.loadAndStore(key, spec, load, lock);
  }

  private async loadAndStore(key: string, spec: CacheReadSpec, load: () => Promise<unknown>, lock: CacheLock | null): Promise<Outcome> {
    const fenceTags = [...spec.datasets.map((d) => datasetTag(d)), domainTag(spec.domain), SUBJECT_ANY_TAG];
    let fence: CacheFence | undefined;
    try {
      fence = { tags: fenceTags, versions: await this.op(spec.domain, 'versions', () => this.cache.tagVersions(fenceTags)) };
    } catch {
      if (lock) this.release(lock);
      return { value: await load(), status: 'error' };
    }

    // Keep the lock while a long load (Athena) runs, so no other process starts the same one.
    const renew = lock ? setInterval(() => void this.cache.renewLock(lock, this.config.lockTtlMs).catch(() => undefined), this.config.lockTtlMs / 3) : undefined;
    renew?.unref();
    let value: unknown;
    try {
      value = await load();
    } catch (error) {
      if (lock) this.release(lock);
      throw error;
    } finally {
      clearInterval(renew);
    }

    const outcome: Outcome = { value, status: 'miss' };
    try {
      const stored = await this.store(key, spec, value, fence, outcome);
      if (stored === false) {
        outcome.fenced = true;
        metrics.fillsRefused.inc({ domain: spec.domain });
      }
    } catch {
      outcome.status = 'error';
    }
    // After the store, so that waiting processes find the value when the lock goes.
    if (lock) this.release(lock);
    return outcome;
  }

  /** Returns false when the fence refused the write, undefined when the value is not cacheable. */
  private async store(key: string, spec: CacheReadSpec, value: unknown, fence: CacheFence, outcome: Outcome): Promise<boolean | undefined> {
    const now = this.now();
    const lifetime = entryLifetime(spec, this.config, now, this.random);
    if (!lifetime) return undefined;
    let encoded: string;
    let tags: string[];
    try {
      const subjects = [...(spec.subjects ?? []), ...(spec.subjectsOf ? spec.subjectsOf(value) : [])];
      // A subject being erased: served (it came from the backend), never stored.
      if (this.guard?.holdsPending(this.hashKey, subjects)) return undefined;
      tags = [...spec.datasets.map((d) => datasetTag(d)), domainTag(spec.domain), ...subjectTags(this.hashKey, subjects, this.config.maxSubjectTags)];
      const envelope: Envelope = { freshUntil: now + lifetime.freshMs, staleUntil: now + lifetime.freshMs + lifetime.staleMs, value };
      encoded = encodeEnvelope(envelope);
    } catch (error) {
      // Not JSON-serializable, or subjects not listable: serve it, never cache it untagged.
      this.warn(`encode:${spec.label}`, { label: spec.label, err: errorMessage(error) }, 'cache: value not cacheable');
      return undefined;
    }
    outcome.encoded = encoded;
    if (encoded.length > this.config.maxValueBytes) return undefined;
    return this.op(spec.domain, 'set', () => this.cache.set(key, encoded, { ttlMs: lifetime.freshMs + lifetime.staleMs, tags, fence }));
  }

  /** Stale-while-revalidate: one refresh per key in this process, and only where no other process is filling. */
  private refreshInBackground(key: string, spec: CacheReadSpec, load: () => Promise<unknown>): void {
    if (this.refreshing.has(key)) return;
    // Outside the request: its cancellation must not stop the refresh, its cost report is already sent.
    const run = runInQueryScope(newQueryScope('cache-refresh'), async () => {
      let outcome = 'skipped';
      try {
        const lock = await this.op(spec.domain, 'lock', () => this.cache.tryLock(fillLockName(key), this.config.lockTtlMs));
        if (lock) {
          const result = await this.loadAndStore(key, spec, load, lock);
          outcome = result.status === 'error' ? 'error' : result.fenced ? 'refused' : 'done';
        }
      } catch (error) {
        outcome = 'failed';
        this.warn(`refresh:${spec.label}`, { label: spec.label, err: errorMessage(error) }, 'cache: background refresh failed');
      } finally {
        metrics.refreshes.inc({ domain: spec.domain, outcome });
      }
    }).finally(() => this.refreshing.delete(key));
    this.refreshing.set(key, run);
  }

  private release(lock: CacheLock): void {
    this.cache.unlock(lock).catch(() => undefined); // it expires by itself
  }

  private decode(raw: string, spec: CacheReadSpec): Envelope | null {
    try {
      return decodeEnvelope(raw);
    } catch (error) {
      this.warn(`decode:${spec.label}`, { label: spec.label, err: errorMessage(error) }, 'cache: unreadable entry ignored');
      return null;
    }
  }

  /** Times one cache operation; a failure is counted, logged (rate-limited) and trips the breaker. */
  private async op<R>(domain: string, name: string, fn: () => Promise<R>): Promise<R> {
    const started = process.hrtime.bigint();
    try {
      return await fn();
    } catch (error) {
      metrics.errors.inc({ domain, op: name });
      this.breaker.trip();
      this.warn(`op:${name}`, { adapter: this.cache.adapter, op: name, err: errorMessage(error) }, 'cache operation failed; answering from the backend');
      throw error;
    } finally {
      metrics.opSeconds.observe({ adapter: this.cache.adapter, op: name }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private report(spec: CacheReadSpec, status: CacheStatus, outcome?: Outcome): void {
    const event: CacheEvent = { label: spec.label, status, backend: this.cache.adapter };
    // Only a fresh hit can be a dependency: a miss's own store may have been refused, a stale value is being replaced.
    if (this.recordDependencies && status === 'hit' && outcome?.encoded !== undefined && outcome.key !== undefined && outcome.freshUntil !== undefined && this.now() < outcome.freshUntil) {
      event.dependency = {
        key: outcome.key,
        digest: entryDigest(outcome.encoded),
        freshUntil: outcome.freshUntil,
        tags: [...spec.datasets.map((d) => datasetTag(d)), domainTag(spec.domain)],
      };
    }
    accountCache(event);
    if (status === 'hit') metrics.hits.inc({ domain: spec.domain });
    else if (status === 'miss') metrics.misses.inc({ domain: spec.domain });
    else if (status === 'stale') metrics.stale.inc({ domain: spec.domain });
    else if (status === 'bypass') metrics.bypass.inc({ domain: spec.domain });
  }
}

/** What a joiner gets: its own copy, so one caller's mutation is not another's. */
function ownCopy(outcome: Outcome): unknown {
  if (outcome.encoded !== undefined) return decodeEnvelope(outcome.encoded).value;
  try {
    return structuredClone(outcome.value);
  } catch {
    return outcome.value; // not cloneable (not JSON either): shared as loaded
  }
}

