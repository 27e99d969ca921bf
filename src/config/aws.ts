import { z } from 'zod';
import { readAthenaConfig, type AthenaConfig } from './aws-athena';
import { readGlueConfig, type GlueConfig } from './aws-glue';
import { readAwsLoadsConfig, type AwsLoadsConfig } from './aws-loads';
import { readRedshiftConfig, type RedshiftConfig } from './aws-redshift';
import { collect, ConfigError, readEnv, type Env } from './env';

/**
 * AWS backends. LAKEGATE_MODE=aws selects every AWS backend; per-domain settings
 * override. Settings of a backend are required only when it is selected.
 */
export type LakeBackend = 'duckdb' | 'athena';
export type WarehouseBackend = 'duckdb' | 'redshift-data';
export type DecisionsBackend = 'embedded' | 'dynamodb';
export type CatalogBackend = 'embedded' | 'glue';
export type JobRunsBackend = 'embedded' | 'glue';

export interface AwsConfig {
  lake: LakeBackend;
  warehouse: WarehouseBackend;
  decisions: DecisionsBackend;
  catalog: CatalogBackend;
  jobRuns: JobRunsBackend;
  region: string | undefined;
  dynamodb: { decisionsTable: string; queryLedgerTable: string; deletionLedgerTable: string; loadLedgerTable: string; migrationsTable: string };
  athena: AthenaConfig;
  redshift: RedshiftConfig;
  glue: GlueConfig;
  loads: AwsLoadsConfig;
}

export function readAwsConfig(env: Env, mode: 'embedded' | 'aws'): AwsConfig {
  const aws = mode === 'aws';
  const v = readEnv(env, {
    LAKEGATE_LAKE: z.enum(['duckdb', 'athena']).default(aws ? 'athena' : 'duckdb'),
    LAKEGATE_WAREHOUSE: z.enum(['duckdb', 'redshift-data']).default(aws ? 'redshift-data' : 'duckdb'),
    LAKEGATE_DECISIONS: z.enum(['embedded', 'dynamodb']).default(aws ? 'dynamodb' : 'embedded'),
    LAKEGATE_CATALOG: z.enum(['embedded', 'glue']).default(aws ? 'glue' : 'embedded'),
    LAKEGATE_JOB_RUNS: z.enum(['embedded', 'glue']).default(aws ? 'glue' : 'embedded'),
    AWS_REGION: z.string().optional(),
    LAKEGATE_DYNAMODB_DECISIONS_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'expected a DynamoDB table name').default('lakegate_decisions'),
    LAKEGATE_DYNAMODB_QUERY_LEDGER_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'expected a DynamoDB table name').default('lakegate_query_ledger'),
    LAKEGATE_DYNAMODB_DELETION_LEDGER_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'expected a DynamoDB table name').default('lakegate_deletion_requests'),
    LAKEGATE_DYNAMODB_LOAD_LEDGER_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'expected a DynamoDB table name').default('lakegate_load_days'),
    LAKEGATE_DYNAMODB_MIGRATIONS_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'expected a DynamoDB table name').default('lakegate_migrations'),
  });
  const problems: string[] = [];
  const athena = collect(problems, () => readAthenaConfig(env, v.LAKEGATE_LAKE === 'athena'));
  const redshift = collect(problems, () => readRedshiftConfig(env, v.LAKEGATE_WAREHOUSE === 'redshift-data'));
  const glue = collect(problems, () => readGlueConfig(env, v.LAKEGATE_CATALOG === 'glue' || v.LAKEGATE_JOB_RUNS === 'glue'));
  // Loads on AWS need the export location and the COPY role, unless the scheduler is off (then loads are off too).
  const schedulerOff = ['false', '0', 'no', 'off'].includes(String(env.LAKEGATE_LOADS_SCHEDULER ?? '').trim());
  const loads = collect(problems, () => readAwsLoadsConfig(env, v.LAKEGATE_LAKE === 'athena' && v.LAKEGATE_WAREHOUSE === 'redshift-data' && !schedulerOff));
  if (problems.length > 0 || !athena || !redshift || !glue || !loads) throw new ConfigError(problems);
  return {
    athena,
    redshift,
    glue,
    loads,
    lake: v.LAKEGATE_LAKE,
    warehouse: v.LAKEGATE_WAREHOUSE,
    decisions: v.LAKEGATE_DECISIONS,
    catalog: v.LAKEGATE_CATALOG,
    jobRuns: v.LAKEGATE_JOB_RUNS,
    region: v.AWS_REGION,
    dynamodb: {
      decisionsTable: v.LAKEGATE_DYNAMODB_DECISIONS_TABLE,
      queryLedgerTable: v.LAKEGATE_DYNAMODB_QUERY_LEDGER_TABLE,
      deletionLedgerTable: v.LAKEGATE_DYNAMODB_DELETION_LEDGER_TABLE,
      loadLedgerTable: v.LAKEGATE_DYNAMODB_LOAD_LEDGER_TABLE,
      migrationsTable: v.LAKEGATE_DYNAMODB_MIGRATIONS_TABLE,
    },
  };
}
