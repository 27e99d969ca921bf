/**
 * Which migrations a store has had applied. The SQL stores of AWS mode (Athena,
 * Redshift) cannot keep this in a table of their own cheaply, so the versions are
 * recorded elsewhere (DynamoDB's migrations table in AWS mode) behind this port.
 * `store` names the target, e.g. 'athena' or 'redshift'; versions are the
 * migration file names without '.sql' (e.g. '001_database').
 */
export interface MigrationLedger {
  applied(store: string): Promise<string[]>;
  record(store: string, version: string): Promise<void>;
}

/** What a migration run did. */
export interface MigrationRun {
  store: string;
  /** Versions applied by this run, in order. */
  applied: string[];
  /** Versions that were already applied. */
  alreadyApplied: string[];
}
