import type { CacheConfig, CacheDomainName } from '../config/cache';

/**
 * How long an entry is fresh and how long it may then be served stale.
 *
 * - By default: the domain's TTL with +-jitter, so entries filled together (a
 *   dashboard's panels) do not expire together.
 * - When the read knows when its data changes (`freshUntil`, e.g. daily aggregates
 *   are fresh until the next day's partition lands), that instant replaces the TTL,
 *   with jitter only downwards: never fresh past it. Capped by maxTtlMs.
 * - Decisions are not cached (TTL 0): DynamoDB answers a key lookup in milliseconds
 *   and support tools read a customer's decisions right after they are recorded, so
 *   a cached listing would hide the newest. A read given a TTL explicitly is never
 *   served stale.
 */
export interface Lifetime {
  freshMs: number;
  staleMs: number;
}

export type LifetimeConfig = Pick<CacheConfig, 'ttlMs' | 'staleMs' | 'maxTtlMs' | 'ttlJitter'>;

export interface LifetimeSpec {
  domain: CacheDomainName;
  ttlMs?: number;
  freshUntil?: number | Date;
  stale?: boolean;
}

/** null: the read is not cacheable (domain off, or no freshness left). */
export function entryLifetime(spec: LifetimeSpec, config: LifetimeConfig, now: number, random: () => number): Lifetime | null {
  const jitter = config.ttlJitter;
  let freshMs: number;
  if (spec.freshUntil !== undefined) {
    const until = spec.freshUntil instanceof Date ? spec.freshUntil.getTime() : spec.freshUntil;
    freshMs = Math.min(until - now, config.maxTtlMs) * (1 - jitter * random());
  } else {
    const ttl = spec.ttlMs ?? config.ttlMs[spec.domain];
    if (!(ttl > 0)) return null;
    freshMs = Math.min(ttl, config.maxTtlMs) * (1 + jitter * (2 * random() - 1));
  }
  freshMs = Math.floor(freshMs);
  if (!(freshMs >= 1)) return null;
  const staleMs = spec.stale === false ? 0 : Math.max(0, config.staleMs[spec.domain]);
  return { freshMs, staleMs };
}
