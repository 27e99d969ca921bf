import { rootLogger } from '../../observability/logger';
import type { SqlEngine } from '../../ports/sql-engine';
import { sql } from '../../ports/sql';

/**
 * After the warehouse erasure's DELETEs (src/gdpr/stores/warehouse-erasure.ts) on
 * the embedded DuckDB: a CHECKPOINT writes the deletions into warehouse.duckdb and
 * truncates the write-ahead log, which until then still holds the deleted rows'
 * history. DuckDB reuses the freed blocks; row groups where many rows were
 * deleted are compacted by its checkpoints (it has no VACUUM that rewrites a
 * table). A checkpoint refused because other transactions run is retried by
 * DuckDB's automatic checkpoints, so a refusal is logged, not fatal.
 */
export function duckDbWarehouseReclaim(engine: SqlEngine): (tables: readonly string[], signal?: AbortSignal) => Promise<void> {
  return async (tables, signal) => {
    if (tables.length === 0) return;
    try {
      await engine.query({ label: 'gdpr.warehouse.checkpoint', sql: sql`CHECKPOINT`, signal });
    } catch (error) {
      rootLogger().warn({ err: error }, 'gdpr: warehouse CHECKPOINT after erasure was refused; DuckDB checkpoints automatically later');
    }
  };
}
