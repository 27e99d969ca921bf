import { z } from 'zod';
import { ConfigError, envBool, envInt, readEnv, type Env } from './env';

/**
 * Athena settings (the lake on AWS). Only read as required when the lake uses
 * Athena; the embedded mode needs none of them.
 */
export interface AthenaConfig {
  /** Workgroup queries run in (its settings may override the output location). */
  workgroup: string;
  /** Where Athena writes result files, s3://bucket/prefix/. */
  outputLocation: string | undefined;
  /** Data catalog; AwsDataCatalog is the account's Glue Data Catalog. */
  catalog: string;
  /** Glue database holding the lake tables. */
  database: string;
  /** Table lakegate reads the events from (the Iceberg table created by migrations/athena). */
  eventsTable: string;
  /** s3:// prefix under which the lake tables live (used by the DDL in migrations/athena). */
  lakeLocation: string | undefined;
  /** Reuse results of an identical query run recently (Athena result reuse; not billed again). */
  resultReuse: boolean;
  resultReuseMaxAgeMinutes: number;
  /** Default longest run of a query before lakegate stops it (a query's own timeoutMs overrides). */
  queryTimeoutMs: number;
  /** First delay between GetQueryExecution polls; grows by 1.5x up to maxPollIntervalMs. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Timeout of each API call (StartQueryExecution, GetQueryExecution, GetQueryResults). */
  pollTimeoutMs: number;
  /** SDK attempts per API call (throttling, 5xx and network errors are retried). */
  maxAttempts: number;
  /** Resubmissions of a query that FAILED with AthenaError.Retryable = true. */
  maxQueryRetries: number;
  /** Rows per GetQueryResults page (Athena allows up to 1000). */
  pageSize: number;
}

const WORKGROUP = /^[a-zA-Z0-9._-]{1,128}$/;
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^'\\\s]*)?$/;

/** `enabled`: the lake uses Athena (LAKEGATE_LAKE=athena); only then are settings required. */
export function readAthenaConfig(env: Env, enabled: boolean): AthenaConfig {
  const v = readEnv(env, {
    LAKEGATE_ATHENA_WORKGROUP: z.string().regex(WORKGROUP, 'expected an Athena workgroup name (letters, digits, . _ -)').default('primary'),
    LAKEGATE_ATHENA_OUTPUT_LOCATION: z.string().regex(S3_PREFIX, 'expected an S3 URI such as s3://my-bucket/athena-results/').optional(),
    LAKEGATE_ATHENA_CATALOG: z.string().regex(/^[A-Za-z0-9_@-]{1,256}$/, 'expected a data catalog name').default('AwsDataCatalog'),
    LAKEGATE_ATHENA_DATABASE: z.string().regex(GLUE_NAME, 'expected a Glue database name (lowercase letters, digits, _)').default('lake'),
    LAKEGATE_ATHENA_EVENTS_TABLE: z.string().regex(GLUE_NAME, 'expected a Glue table name (lowercase letters, digits, _)').default('events'),
    LAKEGATE_ATHENA_LAKE_LOCATION: z.string().regex(S3_PREFIX, 'expected an S3 URI such as s3://my-lake-bucket/').optional(),
    LAKEGATE_ATHENA_RESULT_REUSE: envBool().default(false),
    LAKEGATE_ATHENA_RESULT_REUSE_MAX_AGE_MINUTES: envInt(1, 10_080).default(60),
    LAKEGATE_ATHENA_QUERY_TIMEOUT_MS: envInt(1_000, 3_600_000).default(60_000),
    LAKEGATE_ATHENA_POLL_INTERVAL_MS: envInt(1, 10_000).default(50),
    LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS: envInt(1, 60_000).default(1_000),
    LAKEGATE_ATHENA_POLL_TIMEOUT_MS: envInt(100, 600_000).default(10_000),
    LAKEGATE_ATHENA_MAX_ATTEMPTS: envInt(1, 20).default(3),
    LAKEGATE_ATHENA_MAX_QUERY_RETRIES: envInt(0, 10).default(1),
    LAKEGATE_ATHENA_PAGE_SIZE: envInt(1, 1000).default(1000),
  });
  const problems: string[] = [];
  if (enabled && !v.LAKEGATE_ATHENA_OUTPUT_LOCATION) {
    problems.push(
      'LAKEGATE_ATHENA_OUTPUT_LOCATION: required when the lake uses Athena; set the s3:// prefix where Athena writes query results (the workgroup\'s result location, e.g. s3://my-bucket/athena-results/)',
    );
  }
  if (enabled && !v.LAKEGATE_ATHENA_LAKE_LOCATION) {
    problems.push('LAKEGATE_ATHENA_LAKE_LOCATION: required when the lake uses Athena; set the s3:// prefix holding the lake tables (e.g. s3://my-lake-bucket/)');
  }
  if (v.LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS < v.LAKEGATE_ATHENA_POLL_INTERVAL_MS) {
    problems.push(
      `LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS: must be at least LAKEGATE_ATHENA_POLL_INTERVAL_MS (${v.LAKEGATE_ATHENA_POLL_INTERVAL_MS}), got ${v.LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    workgroup: v.LAKEGATE_ATHENA_WORKGROUP,
    outputLocation: v.LAKEGATE_ATHENA_OUTPUT_LOCATION,
    catalog: v.LAKEGATE_ATHENA_CATALOG,
    database: v.LAKEGATE_ATHENA_DATABASE,
    eventsTable: v.LAKEGATE_ATHENA_EVENTS_TABLE,
    lakeLocation: v.LAKEGATE_ATHENA_LAKE_LOCATION ? withTrailingSlash(v.LAKEGATE_ATHENA_LAKE_LOCATION) : undefined,
    resultReuse: v.LAKEGATE_ATHENA_RESULT_REUSE,
    resultReuseMaxAgeMinutes: v.LAKEGATE_ATHENA_RESULT_REUSE_MAX_AGE_MINUTES,
    queryTimeoutMs: v.LAKEGATE_ATHENA_QUERY_TIMEOUT_MS,
    pollIntervalMs: v.LAKEGATE_ATHENA_POLL_INTERVAL_MS,
    maxPollIntervalMs: v.LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS,
    pollTimeoutMs: v.LAKEGATE_ATHENA_POLL_TIMEOUT_MS,
    maxAttempts: v.LAKEGATE_ATHENA_MAX_ATTEMPTS,
    maxQueryRetries: v.LAKEGATE_ATHENA_MAX_QUERY_RETRIES,
    pageSize: v.LAKEGATE_ATHENA_PAGE_SIZE,
  };
}

function withTrailingSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}
