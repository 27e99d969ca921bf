/** The DynamoDB adapters: what the wiring and the CLI use. */
export { createDynamoClients, type DynamoClientOptions, type DynamoClients } from './client';
export { startEmbeddedDynamo, type EmbeddedDynamo, type EmbeddedDynamoOptions } from './embedded-server';
export { DynamoDecisionStore, type DynamoDecisionStoreOptions } from './decision-store';
export { DynamoQueryLedger, type DynamoQueryLedgerOptions } from './query-ledger';
export {
  dynamoMigrationStatus,
  loadDynamoMigrations,
  migrateDynamo,
  type AppliedDynamoMigration,
  type DynamoMigrationOptions,
  type DynamoMigrationReport,
  type DynamoMigrationStatus,
} from './migrations';
export { DEFAULT_TABLE_NAMES, type DynamoTableNames } from './table-names';
export { DynamoMigrationLedger } from './migration-ledger';
export { dropAllTables } from './drop-tables';
