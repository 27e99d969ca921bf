import type { MigrationLedger, MigrationRun } from '../../ports/migration-ledger';
import type { SqlEngine } from '../../ports/sql-engine';
import { quoteIdent } from '../../ports/sql';
import { applyMissingMigrations, findMigrationsDir, loadMigrationFiles } from '../../util/migration-files';

/**
 * Applies migrations/redshift (schema, customers, daily_event_counts, the weekly
 * view) that the ledger does not list yet, one statement per ExecuteStatement,
 * recording each version after its statements succeed. The DDL is idempotent
 * (IF NOT EXISTS, CREATE OR REPLACE VIEW), so an interrupted run is safe to repeat.
 */
export interface RedshiftMigrationOptions {
  ledger: MigrationLedger;
  /** Schema of the warehouse tables. Default 'warehouse'. */
  schema?: string;
  dir?: string;
  /** Ledger key. Default 'redshift'. */
  store?: string;
}

export async function migrateRedshift(engine: SqlEngine, options: RedshiftMigrationOptions): Promise<MigrationRun> {
  const store = options.store ?? 'redshift';
  const schema = options.schema ?? 'warehouse';
  quoteIdent(schema); // refuses anything but a plain name
  const files = await loadMigrationFiles(options.dir ?? findMigrationsDir('redshift'), { schema });
  return applyMissingMigrations(engine, options.ledger, store, files, 'migrate.redshift');
}
