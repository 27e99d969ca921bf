import { pathToFileURL } from 'node:url';
import { AppError, ErrorCode } from '../../errors/app-error';
import type { Catalog, CatalogColumnRecord, CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord, TableType, TokenPage } from '../../ports/catalog';
import type { Lake } from '../../ports/lake';
import type { SqlEngine, SqlRow } from '../../ports/sql-engine';
import { p, sql } from '../../ports/sql';
import { matchesLike } from '../../util/sql-like';
import { CATALOG_DATABASES } from './catalog-registry';
import { hiveType } from './hive-types';
import { eventsDir, warehousePath } from './layout';
import { stringMap } from './values';

export const DEFAULT_EMBEDDED_CATALOG_ID = '000000000000';

export interface EmbeddedCatalogOptions {
  dataDir: string;
  /** Account id the embedded catalog answers as (default 000000000000). */
  catalogId?: string;
}

/**
 * The Glue Data Catalog of the embedded mode, derived from what is there:
 * database `lake` (the Parquet events table, its partitions listed from the
 * directory) and database `warehouse` (DuckDB tables and views of schema
 * warehouse, types and comments from DuckDB), plus the lakegate registry for
 * descriptions, owners, times and parameters.
 *
 * Unknown catalog ids and databases behave like an empty Glue answer: no
 * databases, empty table and partition pages, getTable -> null. Deciding whether
 * that is an error (and which) is the catalog service's job.
 */
export class EmbeddedCatalog implements Catalog {
  private readonly catalogId: string;

  constructor(
    private readonly engine: SqlEngine,
    private readonly lake: Lake,
    private readonly options: EmbeddedCatalogOptions,
  ) {
    this.catalogId = options.catalogId ?? DEFAULT_EMBEDDED_CATALOG_ID;
  }

  catalogIds(): string[] {
    return [this.catalogId];
  }

  async listDatabases(catalogId: string): Promise<CatalogDatabaseRecord[]> {
    if (catalogId !== this.catalogId) return [];
    const { rows } = await this.engine.query({ label: 'catalog.databases', sql: sql`SELECT database_name, created_at FROM lakegate.catalog_databases` });
    const created = new Map(rows.map((r) => [String(r.database_name), r.created_at === null ? null : String(r.created_at)]));
    return CATALOG_DATABASES.map((d) => ({
      catalogId,
      name: d.name,
      description: d.description,
      locationUri: d.name === 'lake' ? `${pathToFileURL(this.options.dataDir).href}/` : pathToFileURL(warehousePath(this.options.dataDir)).href,
      createTime: created.get(d.name) ?? null,
    }));
  }

  async listTables(catalogId: string, database: string, options: { nameLike?: string; limit: number; nextToken?: string }): Promise<TokenPage<CatalogTableRecord>> {
    if (catalogId !== this.catalogId || !isDatabase(database)) return { items: [] };
    const after = options.nextToken === undefined ? undefined : decodeToken(options.nextToken);
    const all = (await this.tables(database)).filter((t) => (options.nameLike === undefined || matchesLike(t.name, options.nameLike)) && (after === undefined || t.name > after));
    const limit = Math.max(1, options.limit);
    const items = all.slice(0, limit);
    return all.length > limit ? { items, nextToken: encodeToken(items[items.length - 1]!.name) } : { items };
  }

  async getTable(catalogId: string, database: string, name: string): Promise<CatalogTableRecord | null> {
    if (catalogId !== this.catalogId || !isDatabase(database)) return null;
    return (await this.tables(database, name)).find((t) => t.name === name) ?? null;
  }

  async listPartitions(catalogId: string, database: string, table: string, options: { limit: number; nextToken?: string }): Promise<TokenPage<CatalogPartitionRecord>> {
    if (catalogId !== this.catalogId || database !== 'lake' || table !== 'events') return { items: [] };
    const after = options.nextToken === undefined ? undefined : decodeToken(options.nextToken);
    const all = (await this.lake.partitions()).filter((part) => after === undefined || part.day > after);
    const limit = Math.max(1, options.limit);
    const items = all.slice(0, limit).map((part) => ({
      values: [part.day],
      location: part.location,
      createTime: part.createdAt,
      parameters: { numFiles: String(part.files), totalSize: String(part.bytes) },
    }));
    return all.length > limit ? { items, nextToken: encodeToken(all[limit - 1]!.day) } : { items };
  }

  async ping(): Promise<void> {
    await this.engine.ping();
  }

  /** Tables of a database, by name; `only` narrows the DuckDB queries to one table. */
  private async tables(database: 'lake' | 'warehouse', only?: string): Promise<CatalogTableRecord[]> {
    const registry = await this.registry(database, only);
    return database === 'lake' ? this.lakeTables(registry) : this.warehouseTables(registry, only);
  }

  private async registry(database: string, only?: string): Promise<{ tables: Map<string, SqlRow>; columns: Map<string, SqlRow[]> }> {
    const filter = only === undefined ? sql`` : sql` AND table_name = ${p.str(only)}`;
    const [tables, columns] = await Promise.all([
      this.engine.query({ label: 'catalog.registry.tables', sql: sql`SELECT * FROM lakegate.catalog_tables WHERE database_name = ${p.str(database)}${filter}` }),
      this.engine.query({
        label: 'catalog.registry.columns',
        sql: sql`SELECT * FROM lakegate.catalog_columns WHERE database_name = ${p.str(database)}${filter} ORDER BY table_name, ordinal`,
      }),
    ]);
    const byTable = new Map<string, SqlRow[]>();
    for (const row of columns.rows) {
      const list = byTable.get(String(row.table_name)) ?? [];
      list.push(row);
      byTable.set(String(row.table_name), list);
    }
    return { tables: new Map(tables.rows.map((r) => [String(r.table_name), r])), columns: byTable };
  }

  private async lakeTables(registry: { tables: Map<string, SqlRow>; columns: Map<string, SqlRow[]> }): Promise<CatalogTableRecord[]> {
    const out: CatalogTableRecord[] = [];
    for (const [name, row] of [...registry.tables].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const columns = registry.columns.get(name) ?? [];
      const column = (r: SqlRow): CatalogColumnRecord => ({ name: String(r.column_name), type: String(r.data_type), comment: r.comment === null ? null : String(r.comment) });
      let updateTime = str(row.updated_at);
      if (name === 'events') {
        // New partitions update the table, as a crawler or partition projection would.
        const newest = (await this.lake.partitions()).reduce<string | null>((max, part) => (max === null || part.createdAt > max ? part.createdAt : max), null);
        if (newest && (!updateTime || newest > updateTime)) updateTime = newest;
      }
      out.push({
        ...this.baseRecord('lake', name, row),
        location: name === 'events' ? `${pathToFileURL(eventsDir(this.options.dataDir)).href}/` : str(row.location),
        updateTime,
        columns: columns.filter((r) => r.is_partition_key !== true).map(column),
        partitionKeys: columns.filter((r) => r.is_partition_key === true).map(column),
        viewText: null,
      });
    }
    return out;
  }

  private async warehouseTables(registry: { tables: Map<string, SqlRow> }, only?: string): Promise<CatalogTableRecord[]> {
    const filter = only === undefined ? sql`` : sql` AND table_name = ${p.str(only)}`;
    const viewFilter = only === undefined ? sql`` : sql` AND view_name = ${p.str(only)}`;
    const [tables, views, columns] = await Promise.all([
      this.engine.query({
        label: 'catalog.warehouse.tables',
        sql: sql`SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'warehouse' AND NOT temporary${filter}`,
      }),
      this.engine.query({
        label: 'catalog.warehouse.views',
        sql: sql`SELECT view_name, comment, sql FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'warehouse' AND NOT temporary${viewFilter}`,
      }),
      this.engine.query({
        label: 'catalog.warehouse.columns',
        sql: sql`SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'warehouse'${filter} ORDER BY table_name, column_index`,
      }),
    ]);
    const columnsOf = new Map<string, CatalogColumnRecord[]>();
    for (const r of columns.rows) {
      const list = columnsOf.get(String(r.table_name)) ?? [];
      list.push({ name: String(r.column_name), type: hiveType(String(r.data_type)), comment: str(r.comment) });
      columnsOf.set(String(r.table_name), list);
    }
    const found: Array<{ name: string; type: TableType; comment: string | null; viewText: string | null }> = [
      ...tables.rows.map((r) => ({ name: String(r.table_name), type: 'MANAGED_TABLE' as const, comment: str(r.comment), viewText: null })),
      ...views.rows.map((r) => ({ name: String(r.view_name), type: 'VIRTUAL_VIEW' as const, comment: str(r.comment), viewText: viewSelect(String(r.sql)) })),
    ].sort((a, b) => (a.name < b.name ? -1 : 1));
    return found.map((t) => {
      const row = registry.tables.get(t.name);
      const base = row ? this.baseRecord('warehouse', t.name, row) : this.bareRecord('warehouse', t.name);
      return {
        ...base,
        tableType: t.type,
        description: t.comment ?? base.description,
        format: null,
        location: null,
        columns: columnsOf.get(t.name) ?? [],
        partitionKeys: [],
        viewText: t.viewText,
      };
    });
  }

  private baseRecord(database: string, name: string, row: SqlRow): CatalogTableRecord {
    return {
      catalogId: this.catalogId,
      database,
      name,
      description: str(row.description),
      tableType: String(row.table_type) as TableType,
      format: str(row.format),
      location: str(row.location),
      owner: str(row.owner),
      createTime: str(row.created_at),
      updateTime: str(row.updated_at),
      columns: [],
      partitionKeys: [],
      parameters: stringMap(row.parameters),
      viewText: null,
    };
  }

  private bareRecord(database: string, name: string): CatalogTableRecord {
    return {
      catalogId: this.catalogId,
      database,
      name,
      description: null,
      tableType: 'MANAGED_TABLE',
      format: null,
      location: null,
      owner: null,
      createTime: null,
      updateTime: null,
      columns: [],
      partitionKeys: [],
      parameters: {},
      viewText: null,
    };
  }
}

function isDatabase(name: string): name is 'lake' | 'warehouse' {
  return name === 'lake' || name === 'warehouse';
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** `CREATE VIEW x AS SELECT ...;` -> `SELECT ...` (what Glue shows as the view's SQL). */
export function viewSelect(createSql: string): string {
  return createSql.replace(/^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+\S+\s+AS\s+/i, '').replace(/;\s*$/, '');
}

/** Page tokens: opaque to callers, the last name (or day) of the previous page. */
function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ a: after }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof parsed.a === 'string') return parsed.a;
  } catch {
    // fall through
  }
  throw new AppError(ErrorCode.BAD_USER_INPUT, 'the catalog page token is not valid; start again without one', { details: { backend: 'catalog' } });
}
