import { ConfigError, envBool, envInt, readEnv, type Env } from './env';

/** The engines admission control bounds (src/admission). */
export const ADMISSION_ENGINES = ['duckdb-lake', 'duckdb-warehouse', 'athena', 'redshift', 'dynamodb', 'glue'] as const;
export type AdmissionEngine = (typeof ADMISSION_ENGINES)[number];

export interface AdmissionConfig {
  /** Queries in flight per engine in this process. */
  limits: Record<AdmissionEngine, number>;
  /** Longest wait for a slot (LAKEGATE_QUEUE_TIMEOUT_MS); past it: BACKEND_BUSY. */
  queueTimeoutMs: number;
  /** Queries waiting per engine at most (LAKEGATE_QUEUE_MAX_DEPTH); one more: BACKEND_BUSY at once. */
  queueMaxDepth: number;
  /** Athena and Redshift limits shared by every process through Redis (needs REDIS_URL). */
  shared: boolean;
  /** Queries in flight across every process (with `shared`). */
  sharedLimits: { athena: number; redshift: number };
  /** How long a shared permit lasts without renewal (a crashed process's permits come back after it). */
  sharedLeaseMs: number;
}

/** Defaults: DuckDB as many as its threads (lake and warehouse each), the AWS engines what their quotas allow a process. */
export function readAdmissionConfig(env: Env, duckdbThreads: number): AdmissionConfig {
  if (['true', '1', 'yes', 'on'].includes(String(env.LAKEGATE_SHARED_LIMITS ?? '')) && !env.REDIS_URL) {
    throw new ConfigError(['LAKEGATE_SHARED_LIMITS: needs REDIS_URL (the shared limits are kept in Redis)']);
  }
  const threads = Math.max(1, duckdbThreads);
  const v = readEnv(env, {
    // As many as DuckDB's threads. bench/overload.mjs found cached answers at 2x idle p99 with threads - 1 on
    // 2 cores (9.5x with 2 scans): set it to threads - 1 where cached latency under overload matters most.
    LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE: envInt(1, 1024).default(threads),
    LAKEGATE_MAX_CONCURRENT_DUCKDB_WAREHOUSE: envInt(1, 1024).default(threads),
    LAKEGATE_MAX_CONCURRENT_ATHENA: envInt(1, 1024).default(20),
    LAKEGATE_MAX_CONCURRENT_REDSHIFT: envInt(1, 1024).default(10),
    LAKEGATE_MAX_CONCURRENT_DYNAMODB: envInt(1, 4096).default(128),
    LAKEGATE_MAX_CONCURRENT_GLUE: envInt(1, 1024).default(8),
    LAKEGATE_QUEUE_TIMEOUT_MS: envInt(0, 600_000).default(10_000),
    LAKEGATE_QUEUE_MAX_DEPTH: envInt(0, 100_000).default(500),
    LAKEGATE_SHARED_LIMITS: envBool().default(false),
    LAKEGATE_SHARED_MAX_CONCURRENT_ATHENA: envInt(1, 10_000).default(20),
    LAKEGATE_SHARED_MAX_CONCURRENT_REDSHIFT: envInt(1, 10_000).default(10),
    LAKEGATE_SHARED_LIMIT_LEASE_MS: envInt(1000, 600_000).default(30_000),
  });
  return {
    limits: {
      'duckdb-lake': v.LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE,
      'duckdb-warehouse': v.LAKEGATE_MAX_CONCURRENT_DUCKDB_WAREHOUSE,
      athena: v.LAKEGATE_MAX_CONCURRENT_ATHENA,
      redshift: v.LAKEGATE_MAX_CONCURRENT_REDSHIFT,
      dynamodb: v.LAKEGATE_MAX_CONCURRENT_DYNAMODB,
      glue: v.LAKEGATE_MAX_CONCURRENT_GLUE,
    },
    queueTimeoutMs: v.LAKEGATE_QUEUE_TIMEOUT_MS,
    queueMaxDepth: v.LAKEGATE_QUEUE_MAX_DEPTH,
    shared: v.LAKEGATE_SHARED_LIMITS,
    sharedLimits: { athena: v.LAKEGATE_SHARED_MAX_CONCURRENT_ATHENA, redshift: v.LAKEGATE_SHARED_MAX_CONCURRENT_REDSHIFT },
    sharedLeaseMs: v.LAKEGATE_SHARED_LIMIT_LEASE_MS,
  };
}
