import type { SqlFragment } from './sql';

export type SqlEngineName = 'duckdb' | 'athena' | 'redshift';
export type BackendName = SqlEngineName | 'dynamodb' | 'glue' | 'cache';

/**
 * A value as every SQL adapter returns it, whatever the engine:
 * integers as number (bigint beyond 2^53), decimals as string, doubles as number,
 * booleans, dates as 'YYYY-MM-DD', timestamps as ISO 8601 UTC strings with
 * milliseconds ('2026-01-31T10:00:00.000Z'), arrays as arrays, maps and rows as
 * plain objects, JSON and strings as strings, SQL NULL as null.
 */
export type SqlCell = string | number | bigint | boolean | null | SqlCell[] | { [key: string]: SqlCell };
export type SqlRow = Record<string, SqlCell>;

/** What one backend call cost; collected per request and in the query ledger. */
export interface QueryStats {
  backend: BackendName;
  /** What the call was for, e.g. 'events.page' (no user data). */
  label: string;
  /** Wall time seen by lakegate. */
  ms: number;
  /** Time the engine reports for itself, when it does (Athena, Redshift). */
  engineMs?: number;
  bytesScanned: number;
  /** Rows returned. */
  rows: number;
  /** Estimated price in USD per the engine's pricing (0 where it is free). */
  costUsd: number;
  /** Engine's own id for the query (Athena QueryExecutionId, Redshift statement id). */
  queryId?: string;
  /** DynamoDB capacity units consumed, when relevant. */
  capacityUnits?: number;
  /** Partitions (days) and files read, where the engine can tell. */
  partitions?: number;
  files?: number;
  /** Time the query waited for a slot of its engine (admission control), when it waited. */
  queueMs?: number;
}

export interface SqlQuery {
  /** A short constant naming the query, e.g. 'eventStats.lake' (for logs and cost). */
  label: string;
  sql: SqlFragment;
  /** Aborted when the client goes away or the request times out. */
  signal?: AbortSignal;
  /** Overrides the engine's default timeout. */
  timeoutMs?: number;
  /** Bytes the adapter should account when it cannot measure them itself. */
  bytesHint?: number;
  partitions?: number;
  files?: number;
  /**
   * false: never answered from an earlier result (Athena result reuse), for the
   * statements of a workflow that must see the data as it is now (a load's counts,
   * an erasure's lookups). Default: the engine's setting.
   */
  reuse?: boolean;
}

export interface SqlResult {
  rows: SqlRow[];
  columns: Array<{ name: string; type: string }>;
  stats: QueryStats;
}

export interface EngineCapabilities {
  /** The engine measures bytes scanned itself (Athena) or we estimate them (DuckDB). */
  measuresBytes: boolean;
  /** Statements can be cancelled mid-flight. */
  cancellable: boolean;
}

/** A SQL engine: DuckDB locally, Athena or the Redshift Data API on AWS. */
export interface SqlEngine {
  readonly name: SqlEngineName;
  capabilities(): EngineCapabilities;
  query(query: SqlQuery): Promise<SqlResult>;
  /** Throws a BACKEND_UNAVAILABLE AppError when the engine cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
