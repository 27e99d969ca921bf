import { z } from 'zod';
import { readEnv, type Env } from './env';

/**
 * AWS backends. LAKEGATE_MODE=aws selects every AWS backend; per-domain settings
 * override. (Filled in by the "AWS backends" work; the embedded mode needs none.)
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
  dynamodb: { decisionsTable: string; queryLedgerTable: string; deletionLedgerTable: string; migrationsTable: string };
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
    LAKEGATE_DYNAMODB_MIGRATIONS_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'expected a DynamoDB table name').default('lakegate_migrations'),
  });
  return {
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
      migrationsTable: v.LAKEGATE_DYNAMODB_MIGRATIONS_TABLE,
    },
  };
}
