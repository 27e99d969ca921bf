import path from 'node:path';
import { z } from 'zod';
import { parseApiKeys, type ApiKeyConfig } from './api-keys';
import { readAwsConfig, type AwsConfig } from './aws';
import { readCacheConfig, type CacheConfig } from './cache';
import { collect, ConfigError, envBool, envInt, envNumber, readEnv, type Env } from './env';
import { readGdprConfig, type GdprConfig } from './gdpr';
import { readLoadsConfig, type LoadsConfig } from './loads';
import { readAdmissionConfig, type AdmissionConfig } from './admission';
import os from 'node:os';
import { readTracingConfig, type TracingConfig } from './tracing';
import { readCorsConfig, type CorsConfig } from './cors';
import { readJwtConfig, type JwtConfig } from './jwt';
import { readRateLimitConfig, type RateLimitConfig } from './rate-limits';
import { readPersistedQueriesConfig, type PersistedQueriesConfig } from './persisted-queries';

export type Mode = 'embedded' | 'aws';

export interface ServerConfig {
  production: boolean;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  apiKeys: ApiKeyConfig[];
  /** Longest time a request may run before it is cancelled. */
  requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests. */
  shutdownGraceMs: number;
  /** GraphiQL page at GET /graphql (default: on outside production). */
  graphiql: boolean;
  introspection: boolean;
  /** Bearer token /metrics requires (unset: /metrics is open). */
  metricsToken: string | undefined;
  /** Operation names that label metrics; any other name is counted as `other`. */
  metricsOperations: string[];
}

export interface LimitsConfig {
  maxLakeDays: number;
  maxScanBytes: number;
  maxStatsRows: number;
  /** eventBenchmark: smallest peer group shown (smaller ones are left out). */
  benchmarkMinPeers: number;
  /** Totals per request, all fields together (src/observability/request-budget.ts). */
  maxRequestLakeDays: number;
  maxRequestScanBytes: number;
  maxResponseRows: number;
  /** Serialized response size (src/server/stringify-result.ts). */
  maxResponseBytes: number;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}

export interface PricingConfig {
  glueDpuHourUsd: number;
  glueMaxWorkers: number;
  glueMaxMinutes: number;
  athenaUsdPerTb: number;
  athenaMinBytes: number;
  redshiftRpuHourUsd: number;
  redshiftBaseRpu: number;
  redshiftMinSeconds: number;
}

export interface EmbeddedConfig {
  dataDir: string;
  /** Files per day partition (customers hashed into buckets). */
  lakeBuckets: number;
  /** DuckDB threads (default: all cores). */
  duckdbThreads: number | undefined;
  duckdbMemoryLimit: string | undefined;
  /** How often the lake's partitions are checked for changes (0: never). */
  lakeWatchMs: number;
}

export interface SeedConfig {
  events: number;
  days: number;
  customers: number;
  decisions: number;
  /** Last day of the demo data (default: yesterday, UTC). */
  endDay: string | undefined;
  randomSeed: number;
}

export interface Config {
  mode: Mode;
  server: ServerConfig;
  limits: LimitsConfig;
  pricing: PricingConfig;
  embedded: EmbeddedConfig;
  seed: SeedConfig;
  aws: AwsConfig;
  cache: CacheConfig;
  gdpr: GdprConfig;
  loads: LoadsConfig;
  /** Per-engine concurrency limits and queues (src/admission). */
  admission: AdmissionConfig;
  /** OpenTelemetry traces (OTEL_*): off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
  /** Browser pages on other origins allowed to call /graphql (LAKEGATE_CORS_ORIGINS). */
  cors: CorsConfig;
  /** JWT bearer tokens beside API keys (LAKEGATE_JWT_*); undefined: API keys only. */
  jwt: JwtConfig | undefined;
  /** Token buckets per principal (LAKEGATE_RATE_LIMIT*). */
  rateLimits: RateLimitConfig;
  /** APQ and the trusted-documents allow-list (LAKEGATE_APQ*, LAKEGATE_TRUSTED_DOCUMENTS). */
  persistedQueries: PersistedQueriesConfig;
  /** Key of the subject hash (HMAC); in the embedded mode, when unset, a generated key kept in the data dir. */
  subjectHashKey: string | undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and validates the whole configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const base = collect(problems, () =>
    readEnv(env, {
      NODE_ENV: z.string().default('development'),
      LAKEGATE_MODE: z.enum(['embedded', 'aws']).default('embedded'),
      HOST: z.string().default('0.0.0.0'),
      PORT: envInt(0, 65535).default(4000),
      LAKEGATE_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
      LAKEGATE_REQUEST_TIMEOUT_MS: envInt(100, 3_600_000).default(60_000),
      LAKEGATE_SHUTDOWN_GRACE_MS: envInt(0, 600_000).default(10_000),
      LAKEGATE_GRAPHIQL: envBool().optional(),
      LAKEGATE_INTROSPECTION: envBool().optional(),
      LAKEGATE_DATA_DIR: z.string().default('./data'),
      LAKEGATE_LAKE_BUCKETS: envInt(1, 1024).default(16),
      LAKEGATE_DUCKDB_THREADS: envInt(1, 256).optional(),
      LAKEGATE_DUCKDB_MEMORY_LIMIT: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size such as 4GB').optional(),
      LAKEGATE_LAKE_WATCH_SECONDS: envInt(0, 86_400).optional(),
      LAKEGATE_MAX_LAKE_DAYS: envInt(1, 100_000).default(400),
      LAKEGATE_MAX_SCAN_BYTES: envNumber(1, Number.MAX_SAFE_INTEGER).default(1e12),
      LAKEGATE_MAX_STATS_ROWS: envInt(1, 1_000_000).default(10_000),
      LAKEGATE_BENCHMARK_MIN_PEERS: envInt(2, 1_000_000).default(10),
      LAKEGATE_MAX_REQUEST_LAKE_DAYS: envInt(1, 1_000_000).default(1000),
      LAKEGATE_MAX_REQUEST_SCAN_BYTES: envNumber(1, Number.MAX_SAFE_INTEGER).default(1e12),
      LAKEGATE_MAX_RESPONSE_ROWS: envInt(1, 10_000_000).default(50_000),
      LAKEGATE_MAX_RESPONSE_BYTES: envInt(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
      LAKEGATE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
      LAKEGATE_METRICS_OPERATIONS: z.string().optional(),
      LAKEGATE_MAX_DEPTH: envInt(2, 100).default(12),
      LAKEGATE_MAX_ALIASES: envInt(1, 1000).default(30),
      LAKEGATE_MAX_TOKENS: envInt(100, 1_000_000).default(5000),
      LAKEGATE_MAX_DIRECTIVES: envInt(1, 1000).default(50),
      LAKEGATE_MAX_COST: envInt(10, 10_000_000).default(50_000),
      LAKEGATE_GLUE_DPU_HOUR_USD: envNumber(0, 1000).default(0.44),
      LAKEGATE_GLUE_MAX_WORKERS: envInt(1, 100_000).default(10),
      LAKEGATE_GLUE_MAX_MINUTES: envInt(1, 100_000).default(480),
      LAKEGATE_ATHENA_USD_PER_TB: envNumber(0, 1000).default(5),
      LAKEGATE_ATHENA_MIN_BYTES: envInt(0, 1e12).default(10 * 1024 * 1024),
      LAKEGATE_REDSHIFT_RPU_HOUR_USD: envNumber(0, 1000).default(0.375),
      LAKEGATE_REDSHIFT_BASE_RPU: envInt(1, 1024).default(8),
      LAKEGATE_REDSHIFT_MIN_SECONDS: envInt(0, 3600).default(60),
      LAKEGATE_SEED_EVENTS: envInt(0, 50_000_000).default(1_000_000),
      LAKEGATE_SEED_DAYS: envInt(1, 3660).default(180),
      LAKEGATE_SEED_CUSTOMERS: envInt(10, 10_000_000).default(5000),
      LAKEGATE_SEED_DECISIONS: envInt(0, 10_000_000).default(20_000),
      LAKEGATE_SEED_END_DAY: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional(),
      LAKEGATE_SEED_RANDOM_SEED: envInt(0, 2 ** 31 - 1).default(42),
      LAKEGATE_SUBJECT_HASH_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    }),
  );
  const apiKeys = collect(problems, () => parseApiKeys(env.LAKEGATE_API_KEYS)) ?? [];
  const aws = collect(problems, () => readAwsConfig(env, base?.LAKEGATE_MODE ?? 'embedded'));
  const cache = collect(problems, () => readCacheConfig(env));
  const gdpr = collect(problems, () => readGdprConfig(env));
  const loads = collect(problems, () => readLoadsConfig(env, base?.NODE_ENV === 'production'));
  const admission = collect(problems, () => readAdmissionConfig(env, base?.LAKEGATE_DUCKDB_THREADS ?? os.availableParallelism()));
  const tracing = collect(problems, () => readTracingConfig(env));
  const cors = collect(problems, () => readCorsConfig(env));
  // undefined both when JWT is off and when its settings have problems (then listed in `problems`).
  const jwt = collect(problems, () => readJwtConfig(env));
  const rateLimits = collect(problems, () => readRateLimitConfig(env, base?.NODE_ENV === 'production'));
  const persistedQueries = collect(problems, () => readPersistedQueriesConfig(env));
  // Processes sharing stores must share the key; the embedded mode (one process)
  // generates one and keeps it in the data directory.
  if (base && base.NODE_ENV === 'production' && base.LAKEGATE_MODE === 'aws' && !base.LAKEGATE_SUBJECT_HASH_KEY) {
    problems.push('LAKEGATE_SUBJECT_HASH_KEY: required in production with LAKEGATE_MODE=aws (a secret of at least 32 characters shared by every lakegate process; erasure audit records and cache tags are keyed with it)');
  }
  if (problems.length > 0 || !base || !aws || !cache || !gdpr || !loads || !tracing || !admission || !cors || !rateLimits || !persistedQueries) throw new ConfigError(problems);

  const production = base.NODE_ENV === 'production';
  return {
    mode: base.LAKEGATE_MODE,
    server: {
      production,
      host: base.HOST,
      port: base.PORT,
      logLevel: base.LAKEGATE_LOG_LEVEL,
      apiKeys,
      requestTimeoutMs: base.LAKEGATE_REQUEST_TIMEOUT_MS,
      shutdownGraceMs: base.LAKEGATE_SHUTDOWN_GRACE_MS,
      graphiql: base.LAKEGATE_GRAPHIQL ?? !production,
      introspection: base.LAKEGATE_INTROSPECTION ?? !production,
      metricsToken: base.LAKEGATE_METRICS_TOKEN,
      metricsOperations: (base.LAKEGATE_METRICS_OPERATIONS ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''),
    },
    limits: {
      maxLakeDays: base.LAKEGATE_MAX_LAKE_DAYS,
      maxScanBytes: base.LAKEGATE_MAX_SCAN_BYTES,
      maxStatsRows: base.LAKEGATE_MAX_STATS_ROWS,
      benchmarkMinPeers: base.LAKEGATE_BENCHMARK_MIN_PEERS,
      maxRequestLakeDays: base.LAKEGATE_MAX_REQUEST_LAKE_DAYS,
      maxRequestScanBytes: base.LAKEGATE_MAX_REQUEST_SCAN_BYTES,
      maxResponseRows: base.LAKEGATE_MAX_RESPONSE_ROWS,
      maxResponseBytes: base.LAKEGATE_MAX_RESPONSE_BYTES,
      maxDepth: base.LAKEGATE_MAX_DEPTH,
      maxAliases: base.LAKEGATE_MAX_ALIASES,
      maxTokens: base.LAKEGATE_MAX_TOKENS,
      maxDirectives: base.LAKEGATE_MAX_DIRECTIVES,
      maxCost: base.LAKEGATE_MAX_COST,
    },
    pricing: {
      glueDpuHourUsd: base.LAKEGATE_GLUE_DPU_HOUR_USD,
      glueMaxWorkers: base.LAKEGATE_GLUE_MAX_WORKERS,
      glueMaxMinutes: base.LAKEGATE_GLUE_MAX_MINUTES,
      athenaUsdPerTb: base.LAKEGATE_ATHENA_USD_PER_TB,
      athenaMinBytes: base.LAKEGATE_ATHENA_MIN_BYTES,
      redshiftRpuHourUsd: base.LAKEGATE_REDSHIFT_RPU_HOUR_USD,
      redshiftBaseRpu: base.LAKEGATE_REDSHIFT_BASE_RPU,
      redshiftMinSeconds: base.LAKEGATE_REDSHIFT_MIN_SECONDS,
    },
    embedded: {
      dataDir: path.resolve(base.LAKEGATE_DATA_DIR),
      lakeBuckets: base.LAKEGATE_LAKE_BUCKETS,
      duckdbThreads: base.LAKEGATE_DUCKDB_THREADS,
      duckdbMemoryLimit: base.LAKEGATE_DUCKDB_MEMORY_LIMIT,
      // Listing partitions is free on local files, an Athena query on AWS.
      lakeWatchMs: (base.LAKEGATE_LAKE_WATCH_SECONDS ?? (aws.lake === 'athena' ? 0 : 15)) * 1000,
    },
    seed: {
      events: base.LAKEGATE_SEED_EVENTS,
      days: base.LAKEGATE_SEED_DAYS,
      customers: base.LAKEGATE_SEED_CUSTOMERS,
      decisions: base.LAKEGATE_SEED_DECISIONS,
      endDay: base.LAKEGATE_SEED_END_DAY,
      randomSeed: base.LAKEGATE_SEED_RANDOM_SEED,
    },
    aws,
    cache,
    gdpr,
    loads,
    admission,
    tracing,
    cors,
    jwt,
    rateLimits,
    persistedQueries,
    subjectHashKey: base.LAKEGATE_SUBJECT_HASH_KEY,
  };
}

export { ConfigError };
