import type { SqlEngine } from '../../ports/sql-engine';
import type { Warehouse, WarehouseTable } from '../../ports/lake';
import { sql } from '../../ports/sql';

/**
 * After the warehouse erasure's DELETEs on Redshift: DELETE only marks rows; the
 * blocks keep them until a vacuum rewrites the table. `VACUUM DELETE ONLY <table>
 * TO 100 PERCENT` reclaims every deleted row now (the default threshold, 95,
 * may leave some; automatic vacuum runs only when the cluster is idle). VACUUM
 * cannot run inside a transaction: the Data API runs each statement on its own.
 * It needs the table owner, a superuser or the VACUUM privilege; one VACUUM runs
 * at a time per cluster, and a refused one fails the step, which is retried.
 */
export function redshiftWarehouseReclaim(engine: SqlEngine, warehouse: Warehouse): (tables: readonly WarehouseTable[], signal?: AbortSignal) => Promise<void> {
  return async (tables, signal) => {
    for (const table of tables) {
      await engine.query({ label: `gdpr.warehouse.vacuum.${table}`, sql: sql`VACUUM DELETE ONLY ${warehouse.table(table)} TO 100 PERCENT`, signal, timeoutMs: 3_600_000 });
    }
  };
}
