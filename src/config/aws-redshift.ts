import { z } from 'zod';
import { ConfigError, envInt, readEnv, type Env } from './env';

/**
 * Redshift Data API settings (the warehouse on AWS). Two ways to reach Redshift:
 * a Serverless workgroup (LAKEGATE_REDSHIFT_WORKGROUP_NAME, optionally with a
 * Secrets Manager secret), or a provisioned cluster
 * (LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER) with either a secret or a database user
 * for temporary credentials.
 */
export type RedshiftTarget =
  | { kind: 'serverless'; workgroupName: string; secretArn: string | undefined }
  | { kind: 'cluster'; clusterIdentifier: string; secretArn: string; dbUser?: undefined }
  | { kind: 'cluster'; clusterIdentifier: string; dbUser: string; secretArn?: undefined };

export interface RedshiftConfig {
  /** Undefined only when the warehouse does not use Redshift. */
  target: RedshiftTarget | undefined;
  database: string;
  /** Schema holding the warehouse tables (created by migrations/redshift). */
  schema: string;
  /** Default longest run of a statement before lakegate cancels it. */
  queryTimeoutMs: number;
  /** First delay between DescribeStatement polls; grows by 1.5x up to maxPollIntervalMs. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Timeout of each API call (ExecuteStatement, DescribeStatement, GetStatementResult). */
  pollTimeoutMs: number;
  /** SDK attempts per API call. */
  maxAttempts: number;
}

const WORKGROUP = /^[a-z0-9-]{3,64}$/;
const CLUSTER = /^[a-z][a-z0-9-]{0,62}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const NAME = /^[a-z_][a-z0-9_$]{0,126}$/;

/** `enabled`: the warehouse uses the Redshift Data API; only then are settings required. */
export function readRedshiftConfig(env: Env, enabled: boolean): RedshiftConfig {
  const v = readEnv(env, {
    LAKEGATE_REDSHIFT_WORKGROUP_NAME: z.string().regex(WORKGROUP, 'expected a Redshift Serverless workgroup name (3-64 lowercase letters, digits, -)').optional(),
    LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: z.string().regex(CLUSTER, 'expected a Redshift cluster identifier (lowercase letters, digits, -)').optional(),
    LAKEGATE_REDSHIFT_SECRET_ARN: z.string().regex(SECRET_ARN, 'expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)').optional(),
    LAKEGATE_REDSHIFT_DB_USER: z.string().regex(NAME, 'expected a database user name').optional(),
    LAKEGATE_REDSHIFT_DATABASE: z.string().regex(NAME, 'expected a database name (lowercase letters, digits, _)').optional(),
    LAKEGATE_REDSHIFT_SCHEMA: z.string().regex(NAME, 'expected a schema name (lowercase letters, digits, _)').default('warehouse'),
    LAKEGATE_REDSHIFT_QUERY_TIMEOUT_MS: envInt(1_000, 3_600_000).default(60_000),
    LAKEGATE_REDSHIFT_POLL_INTERVAL_MS: envInt(1, 10_000).default(50),
    LAKEGATE_REDSHIFT_MAX_POLL_INTERVAL_MS: envInt(1, 60_000).default(1_000),
    LAKEGATE_REDSHIFT_POLL_TIMEOUT_MS: envInt(100, 600_000).default(10_000),
    LAKEGATE_REDSHIFT_MAX_ATTEMPTS: envInt(1, 20).default(3),
  });
  const problems: string[] = [];
  const target = readTarget(v, enabled, problems);
  if (enabled && !v.LAKEGATE_REDSHIFT_DATABASE) {
    problems.push('LAKEGATE_REDSHIFT_DATABASE: required when the warehouse uses Redshift; set the database holding the warehouse schema (e.g. dev)');
  }
  if (v.LAKEGATE_REDSHIFT_MAX_POLL_INTERVAL_MS < v.LAKEGATE_REDSHIFT_POLL_INTERVAL_MS) {
    problems.push(
      `LAKEGATE_REDSHIFT_MAX_POLL_INTERVAL_MS: must be at least LAKEGATE_REDSHIFT_POLL_INTERVAL_MS (${v.LAKEGATE_REDSHIFT_POLL_INTERVAL_MS}), got ${v.LAKEGATE_REDSHIFT_MAX_POLL_INTERVAL_MS}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    target,
    database: v.LAKEGATE_REDSHIFT_DATABASE ?? 'dev',
    schema: v.LAKEGATE_REDSHIFT_SCHEMA,
    queryTimeoutMs: v.LAKEGATE_REDSHIFT_QUERY_TIMEOUT_MS,
    pollIntervalMs: v.LAKEGATE_REDSHIFT_POLL_INTERVAL_MS,
    maxPollIntervalMs: v.LAKEGATE_REDSHIFT_MAX_POLL_INTERVAL_MS,
    pollTimeoutMs: v.LAKEGATE_REDSHIFT_POLL_TIMEOUT_MS,
    maxAttempts: v.LAKEGATE_REDSHIFT_MAX_ATTEMPTS,
  };
}

function readTarget(
  v: {
    LAKEGATE_REDSHIFT_WORKGROUP_NAME?: string | undefined;
    LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER?: string | undefined;
    LAKEGATE_REDSHIFT_SECRET_ARN?: string | undefined;
    LAKEGATE_REDSHIFT_DB_USER?: string | undefined;
  },
  enabled: boolean,
  problems: string[],
): RedshiftTarget | undefined {
  const workgroupName = v.LAKEGATE_REDSHIFT_WORKGROUP_NAME;
  const clusterIdentifier = v.LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER;
  const secretArn = v.LAKEGATE_REDSHIFT_SECRET_ARN;
  const dbUser = v.LAKEGATE_REDSHIFT_DB_USER;
  if (workgroupName && clusterIdentifier) {
    problems.push(
      'LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: set either LAKEGATE_REDSHIFT_WORKGROUP_NAME (Serverless) or LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER (provisioned cluster), not both',
    );
    return undefined;
  }
  if (workgroupName) {
    if (dbUser) {
      problems.push(
        'LAKEGATE_REDSHIFT_DB_USER: only used with LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER; with a Serverless workgroup leave it unset (the IAM identity is the user) or set LAKEGATE_REDSHIFT_SECRET_ARN',
      );
      return undefined;
    }
    return { kind: 'serverless', workgroupName, secretArn };
  }
  if (clusterIdentifier) {
    if (secretArn && dbUser) {
      problems.push('LAKEGATE_REDSHIFT_DB_USER: set either LAKEGATE_REDSHIFT_SECRET_ARN or LAKEGATE_REDSHIFT_DB_USER for the cluster, not both');
      return undefined;
    }
    if (secretArn) return { kind: 'cluster', clusterIdentifier, secretArn };
    if (dbUser) return { kind: 'cluster', clusterIdentifier, dbUser };
    problems.push(
      'LAKEGATE_REDSHIFT_SECRET_ARN: required with LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER unless LAKEGATE_REDSHIFT_DB_USER is set (temporary credentials); set the ARN of the Secrets Manager secret holding the database credentials',
    );
    return undefined;
  }
  if (enabled) {
    problems.push(
      'LAKEGATE_REDSHIFT_WORKGROUP_NAME: required when the warehouse uses Redshift; set the Serverless workgroup name, or LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER for a provisioned cluster',
    );
  }
  return undefined;
}
