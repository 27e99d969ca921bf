import path from 'node:path';
import { rootLogger } from '../../observability/logger';
import type { DuckDbDatabase } from './database';

/**
 * After the warehouse erasure's DELETEs (src/gdpr/stores/warehouse-erasure.ts) on
 * the embedded DuckDB: the deleted rows must leave the file too. A CHECKPOINT is
 * not enough: DuckDB marks deleted rows in place, keeps row groups (and their string
 * dictionaries) where few rows went, and reuses freed blocks without clearing them,
 * so the subject's id stays readable in warehouse.duckdb. The file is rewritten
 * from its live contents instead (DuckDbDatabase.rewriteFile: copy, check, fsync,
 * atomic rename), which also ends the write-ahead log. Statements arriving meanwhile
 * wait; a rewrite that cannot run (statements still running after the drain
 * timeout) fails the step, which is retried with backoff.
 */
export function duckDbWarehouseReclaim(database: DuckDbDatabase, options: { drainTimeoutMs?: number } = {}): (tables: readonly string[], signal?: AbortSignal) => Promise<void> {
  return async (tables, signal) => {
    if (tables.length === 0) return;
    const done = await database.rewriteFile({ drainTimeoutMs: options.drainTimeoutMs, signal });
    rootLogger().info({ file: path.basename(database.path), ...done }, 'gdpr: warehouse file rewritten after erasure');
  };
}
