import type { MigrationLedger, MigrationRun } from '../../ports/migration-ledger';
import type { SqlEngine } from '../../ports/sql-engine';
import { quoteIdent } from '../../ports/sql';
import { applyMissingMigrations, findMigrationsDir, loadMigrationFiles } from '../../util/migration-files';

/**
 * Applies migrations/athena (database, landing table, Iceberg events table) that
 * the ledger does not list yet, one statement per StartQueryExecution, and records
 * each version after its statements succeed. The DDL itself is idempotent
 * (IF NOT EXISTS), so a run interrupted between a statement and its record is safe
 * to repeat.
 */
export interface AthenaMigrationOptions {
  ledger: MigrationLedger;
  database: string;
  /** s3:// prefix of the lake tables, ending in '/'. */
  lakeLocation: string;
  eventsTable?: string;
  /** Customer hash buckets of the Iceberg table. Default 16. */
  buckets?: number;
  /** Directory of the SQL files (default: the repository's migrations/athena). */
  dir?: string;
  /** Ledger key. Default 'athena'. */
  store?: string;
}

const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^'\\\s]*\/)?$/;

export async function migrateAthena(engine: SqlEngine, options: AthenaMigrationOptions): Promise<MigrationRun> {
  const store = options.store ?? 'athena';
  quoteIdent(options.database); // refuses anything but a plain name
  const eventsTable = options.eventsTable ?? 'events';
  quoteIdent(eventsTable);
  if (!S3_PREFIX.test(options.lakeLocation)) throw new TypeError(`migrateAthena: lakeLocation must be an s3:// prefix ending in '/', got ${JSON.stringify(options.lakeLocation)}`);
  const buckets = options.buckets ?? 16;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1024) throw new TypeError(`migrateAthena: buckets must be 1..1024, got ${buckets}`);
  const files = await loadMigrationFiles(options.dir ?? findMigrationsDir('athena'), {
    database: options.database,
    lakeLocation: options.lakeLocation,
    eventsTable,
    buckets: String(buckets),
  });
  return applyMissingMigrations(engine, options.ledger, store, files, 'migrate.athena');
}
