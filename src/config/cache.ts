import { z } from 'zod';
import { ConfigError, envBool, envInt, envList, envNumber, readEnv, type Env } from './env';

/**
 * Cache settings. Without REDIS_URL the cache is the in-process LRU; with it, Redis
 * (single node, or Cluster with REDIS_CLUSTER=true; TLS with rediss://).
 */
export const CACHE_DOMAINS = ['lake', 'warehouse', 'catalog', 'jobRuns', 'decisions'] as const;
export type CacheDomainName = (typeof CACHE_DOMAINS)[number];

export interface RedisConfig {
  /** redis://[user:pass@]host:port[/db] or rediss://... (TLS). */
  url: string;
  tls: boolean;
  /** PEM file of the CA that signed the server certificate (default: the system CAs). */
  tlsCaFile: string | undefined;
  tlsRejectUnauthorized: boolean;
  cluster: boolean;
  /** Cluster seed nodes as host:port (default: the host of REDIS_URL). */
  clusterNodes: string[];
  /** Every command fails after this long (at most 250 ms): the cache never holds a request up for longer. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Reconnect backoff cap: caching resumes at most this long after Redis is back. */
  reconnectMaxDelayMs: number;
  maxRetriesPerRequest: number;
}

export interface CacheConfig {
  redisUrl: string | undefined;
  keyPrefix: string;
  memoryMaxEntries: number;
  /** Which adapter serves the cache ('off': every read goes to the backend). */
  backend: 'redis' | 'memory' | 'off';
  /** Present when REDIS_URL is set (the cache uses it when backend is 'redis'; shared admission limits whatever the backend). */
  redis: RedisConfig | undefined;
  /** Memory adapter: total size of the stored values (characters). */
  memoryMaxBytes: number;
  /** Results larger than this (encoded) are served but not stored. */
  maxValueBytes: number;
  /** Fresh lifetime per domain; 0 means that domain is not cached. */
  ttlMs: Record<CacheDomainName, number>;
  /** How long after freshness an entry may still be served while one refresh runs; 0: never stale. */
  staleMs: Record<CacheDomainName, number>;
  /** Upper bound of any lifetime, including a spec's freshUntil. */
  maxTtlMs: number;
  /** Relative jitter on lifetimes (0.1 = +-10%) so entries filled together do not expire together. */
  ttlJitter: number;
  /** Cross-process fill lock lifetime (renewed while the fill runs). */
  lockTtlMs: number;
  /** How long a process waits for another's fill before loading itself (an Athena query can take this long). */
  lockWaitMs: number;
  /** Above this many subjects an entry is tagged subject:* (purged by any erasure). */
  maxSubjectTags: number;
  /** Part of every key: bump it when the shape of cached values changes. */
  version: string;
  /** After a cache failure, reads skip the cache for this long (then try again). */
  breakerMs: number;
  /** Whole responses of repeated queries served without execution (src/cache/response-cache.ts). */
  responses: boolean;
  /** Longest life of a cached response (also bounded by the entries it was built from). */
  responseTtlMs: number;
}

const ms = (max: number) => envInt(0, max);
const DAY_MS = 86_400_000;

export function readCacheConfig(env: Env): CacheConfig {
  const v = readEnv(env, {
    REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:port or rediss://host:port').optional(),
    REDIS_CLUSTER: envBool().default(false),
    REDIS_CLUSTER_NODES: envList()
      .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port')))
      .optional(),
    REDIS_TLS_CA_FILE: z.string().optional(),
    REDIS_TLS_REJECT_UNAUTHORIZED: envBool().default(true),
    LAKEGATE_CACHE_BACKEND: z.enum(['auto', 'redis', 'memory', 'off']).default('auto'),
    LAKEGATE_CACHE_PREFIX: z.string().regex(/^[^\s{}]{0,64}$/, 'expected at most 64 characters without spaces or braces').default('lakegate:'),
    LAKEGATE_CACHE_MAX_ENTRIES: envInt(0, 10_000_000).default(10_000),
    LAKEGATE_CACHE_MAX_BYTES: envInt(1024, 2 ** 40).default(256 * 1024 * 1024),
    LAKEGATE_CACHE_MAX_VALUE_BYTES: envInt(1024, 512 * 1024 * 1024).default(8 * 1024 * 1024),
    LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: envInt(10, 250).default(200),
    LAKEGATE_CACHE_CONNECT_TIMEOUT_MS: envInt(100, 10_000).default(1000),
    LAKEGATE_CACHE_RECONNECT_MAX_MS: envInt(50, 4000).default(1000),
    LAKEGATE_CACHE_MAX_RETRIES: envInt(0, 2).default(1),
    LAKEGATE_CACHE_TTL_LAKE_MS: ms(30 * DAY_MS).default(10 * 60_000),
    LAKEGATE_CACHE_TTL_WAREHOUSE_MS: ms(30 * DAY_MS).default(15 * 60_000),
    LAKEGATE_CACHE_TTL_CATALOG_MS: ms(30 * DAY_MS).default(5 * 60_000),
    LAKEGATE_CACHE_TTL_JOB_RUNS_MS: ms(30 * DAY_MS).default(60_000),
    // Decisions: not cached by default (see docs in src/cache/domain-policy.ts).
    LAKEGATE_CACHE_STALE_LAKE_MS: ms(DAY_MS).default(60_000),
    LAKEGATE_CACHE_STALE_WAREHOUSE_MS: ms(DAY_MS).default(5 * 60_000),
    LAKEGATE_CACHE_STALE_CATALOG_MS: ms(DAY_MS).default(5 * 60_000),
    LAKEGATE_CACHE_STALE_JOB_RUNS_MS: ms(DAY_MS).default(0),
    LAKEGATE_CACHE_MAX_TTL_MS: envInt(1000, 30 * DAY_MS).default(DAY_MS),
    LAKEGATE_CACHE_TTL_JITTER: envNumber(0, 0.5).default(0.1),
    LAKEGATE_CACHE_LOCK_TTL_MS: envInt(100, 60_000).default(5000),
    LAKEGATE_CACHE_LOCK_WAIT_MS: envInt(0, 300_000).default(30_000),
    LAKEGATE_CACHE_MAX_SUBJECT_TAGS: envInt(0, 10_000).default(200),
    LAKEGATE_CACHE_VERSION: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'expected 1-32 letters, digits, dots, dashes').default('1'),
    LAKEGATE_CACHE_BREAKER_MS: envInt(0, 4000).default(1000),
    LAKEGATE_CACHE_RESPONSES: envBool().default(true),
    LAKEGATE_CACHE_RESPONSE_TTL_MS: envInt(1000, DAY_MS).default(60_000),
  });

  if (v.LAKEGATE_CACHE_BACKEND === 'redis' && !v.REDIS_URL) {
    throw new ConfigError(['LAKEGATE_CACHE_BACKEND: redis needs REDIS_URL (redis://host:port or rediss://host:port)']);
  }
  const backend = v.LAKEGATE_CACHE_BACKEND === 'auto' ? (v.REDIS_URL ? 'redis' : 'memory') : v.LAKEGATE_CACHE_BACKEND;

  // With REDIS_URL set, whatever the backend: the shared admission limits (LAKEGATE_SHARED_LIMITS) use it too.
  let redis: RedisConfig | undefined;
  if (v.REDIS_URL) {
    const url = new URL(v.REDIS_URL);
    redis = {
      url: v.REDIS_URL,
      tls: url.protocol === 'rediss:',
      tlsCaFile: v.REDIS_TLS_CA_FILE,
      tlsRejectUnauthorized: v.REDIS_TLS_REJECT_UNAUTHORIZED,
      cluster: v.REDIS_CLUSTER,
      clusterNodes: v.REDIS_CLUSTER_NODES ?? [`${url.hostname}:${url.port || '6379'}`],
      commandTimeoutMs: v.LAKEGATE_CACHE_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: v.LAKEGATE_CACHE_CONNECT_TIMEOUT_MS,
      reconnectMaxDelayMs: v.LAKEGATE_CACHE_RECONNECT_MAX_MS,
      maxRetriesPerRequest: v.LAKEGATE_CACHE_MAX_RETRIES,
    };
  }

  return {
    redisUrl: v.REDIS_URL,
    keyPrefix: v.LAKEGATE_CACHE_PREFIX,
    memoryMaxEntries: v.LAKEGATE_CACHE_MAX_ENTRIES,
    backend,
    redis,
    memoryMaxBytes: v.LAKEGATE_CACHE_MAX_BYTES,
    maxValueBytes: v.LAKEGATE_CACHE_MAX_VALUE_BYTES,
    ttlMs: {
      lake: v.LAKEGATE_CACHE_TTL_LAKE_MS,
      warehouse: v.LAKEGATE_CACHE_TTL_WAREHOUSE_MS,
      catalog: v.LAKEGATE_CACHE_TTL_CATALOG_MS,
      jobRuns: v.LAKEGATE_CACHE_TTL_JOB_RUNS_MS,
      // Decisions are read from the store, never cached (src/services/decisions).
      decisions: 0,
    },
    staleMs: {
      lake: v.LAKEGATE_CACHE_STALE_LAKE_MS,
      warehouse: v.LAKEGATE_CACHE_STALE_WAREHOUSE_MS,
      catalog: v.LAKEGATE_CACHE_STALE_CATALOG_MS,
      jobRuns: v.LAKEGATE_CACHE_STALE_JOB_RUNS_MS,
      // A decision listing is never served stale: support tools read it right after a write.
      decisions: 0,
    },
    maxTtlMs: v.LAKEGATE_CACHE_MAX_TTL_MS,
    ttlJitter: v.LAKEGATE_CACHE_TTL_JITTER,
    lockTtlMs: v.LAKEGATE_CACHE_LOCK_TTL_MS,
    lockWaitMs: v.LAKEGATE_CACHE_LOCK_WAIT_MS,
    maxSubjectTags: v.LAKEGATE_CACHE_MAX_SUBJECT_TAGS,
    version: v.LAKEGATE_CACHE_VERSION,
    breakerMs: v.LAKEGATE_CACHE_BREAKER_MS,
    responses: v.LAKEGATE_CACHE_RESPONSES,
    responseTtlMs: v.LAKEGATE_CACHE_RESPONSE_TTL_MS,
  };
}
