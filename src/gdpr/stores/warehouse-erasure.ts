import type { Warehouse, WarehouseTable } from '../../ports/lake';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore } from '../../ports/erasure';
import { p, sql } from '../../ports/sql';
import { chunks } from '../subjects';

/** Warehouse tables holding a customer id. */
export const WAREHOUSE_SUBJECT_TABLES: readonly WarehouseTable[] = ['daily_event_counts', 'customers'];

export interface WarehouseErasureOptions {
  /**
   * Runs before anything is deleted: refuses (throws) when the reclaim below could
   * not take effect (Redshift: lakegate's user must own the tables, or its VACUUM
   * silently does nothing). Comes from the adapter.
   */
  preflight?: (tables: readonly WarehouseTable[], signal?: AbortSignal) => Promise<void>;
  /**
   * Runs after the DELETEs: what makes the engine drop the deleted rows physically
   * (Redshift: VACUUM DELETE ONLY; DuckDB: CHECKPOINT). Comes from the adapter.
   */
  reclaim?: (tables: readonly WarehouseTable[], signal?: AbortSignal) => Promise<void>;
  /** Subjects per statement (IN list). */
  chunkSize?: number;
}

/**
 * The warehouse (DuckDB locally, Redshift on AWS): a parameterized DELETE on every
 * table that holds the subject, after counting what goes. Removing the subject's
 * daily_event_counts rows keeps eventStats from the warehouse equal to eventStats
 * from the (erased) lake.
 */
export class WarehouseErasure implements ErasureStore {
  readonly store = 'warehouse' as const;
  private readonly chunkSize: number;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: WarehouseErasureOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? 500;
  }

  async find(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const table of WAREHOUSE_SUBJECT_TABLES) {
      for (const [customerId, n] of await this.count(table, subjects, signal)) found.set(customerId, (found.get(customerId) ?? 0) + n);
    }
    return found;
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    await this.options.preflight?.(WAREHOUSE_SUBJECT_TABLES, context.signal);
    for (const table of WAREHOUSE_SUBJECT_TABLES) {
      const counts = await this.count(table, subjects, context.signal);
      if (counts.size === 0) continue;
      for (const chunk of chunks([...counts.keys()], this.chunkSize)) {
        await this.warehouse.engine.query({
          label: `gdpr.warehouse.delete.${table}`,
          sql: sql`DELETE FROM ${this.warehouse.table(table)} WHERE customer_id IN ${p.list(chunk.map((id) => p.str(id)))}`,
          signal: context.signal,
        });
      }
      for (const [customerId, n] of counts) {
        const entry = outcome.subjects.get(customerId) ?? emptyErasure();
        entry.recordsDeleted += n;
        outcome.subjects.set(customerId, entry);
        outcome.totals.recordsDeleted += n;
      }
    }
    // Reclaim even when nothing was found this time: a crash may have come between the DELETE and the reclaim.
    await this.options.reclaim?.(WAREHOUSE_SUBJECT_TABLES, context.signal);
    return outcome;
  }

  private async count(table: WarehouseTable, subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const chunk of chunks(subjects, this.chunkSize)) {
      const result = await this.warehouse.engine.query({
        label: `gdpr.warehouse.find.${table}`,
        sql: sql`SELECT customer_id, COUNT(*) AS n FROM ${this.warehouse.table(table)} WHERE customer_id IN ${p.list(chunk.map((id) => p.str(id)))} GROUP BY customer_id`,
        signal,
      });
      for (const row of result.rows) counts.set(String(row.customer_id), Number(row.n));
    }
    return counts;
  }
}
