import type { AwsConfig } from '../../config/aws';

/** Physical table names, as configured (config.aws.dynamodb). */
export type DynamoTableNames = AwsConfig['dynamodb'];

/**
 * Migration files name tables logically; deployments choose the physical names
 * (several environments can share one account). The migrations table itself is
 * bootstrapped by the runner and has no logical name.
 */
export const LOGICAL_TABLES = {
  decisions: 'decisionsTable',
  query_ledger: 'queryLedgerTable',
  deletion_requests: 'deletionLedgerTable',
  load_days: 'loadLedgerTable',
} as const satisfies Record<string, keyof DynamoTableNames>;

export type LogicalTableName = keyof typeof LOGICAL_TABLES;

export function isLogicalTableName(name: string): name is LogicalTableName {
  return Object.prototype.hasOwnProperty.call(LOGICAL_TABLES, name);
}

export function physicalTableName(tables: DynamoTableNames, logical: LogicalTableName): string {
  return tables[LOGICAL_TABLES[logical]];
}

export const DEFAULT_TABLE_NAMES: DynamoTableNames = {
  decisionsTable: 'lakegate_decisions',
  queryLedgerTable: 'lakegate_query_ledger',
  deletionLedgerTable: 'lakegate_deletion_requests',
  loadLedgerTable: 'lakegate_load_days',
  migrationsTable: 'lakegate_migrations',
};
