import type { Warehouse, WarehouseTable } from '../../ports/lake';
import type { SqlEngine } from '../../ports/sql-engine';
import { quoteIdent, raw, sql, type SqlFragment } from '../../ports/sql';

/** The curated warehouse on Redshift: the tables of migrations/redshift in a configurable schema. */
export class RedshiftWarehouse implements Warehouse {
  private readonly schema: string;

  constructor(
    readonly engine: SqlEngine,
    schema = 'warehouse',
  ) {
    this.schema = quoteIdent(schema);
  }

  table(name: WarehouseTable): SqlFragment {
    return sql`${raw(`${this.schema}.${quoteIdent(name)}`)}`;
  }
}
