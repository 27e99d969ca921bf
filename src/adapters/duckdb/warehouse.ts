import type { Warehouse, WarehouseTable } from '../../ports/lake';
import type { SqlEngine } from '../../ports/sql-engine';
import { raw, sql, type SqlFragment } from '../../ports/sql';

const TABLES: Record<WarehouseTable, string> = {
  customers: '"warehouse"."customers"',
  daily_event_counts: '"warehouse"."daily_event_counts"',
};

/** The curated tables inside warehouse.duckdb (schema `warehouse`). */
export class DuckDbWarehouse implements Warehouse {
  constructor(readonly engine: SqlEngine) {}

  table(name: WarehouseTable): SqlFragment {
    const relation = TABLES[name];
    if (!relation) throw new TypeError(`unknown warehouse table ${JSON.stringify(name)}`);
    return sql`${raw(relation)}`;
  }
}
