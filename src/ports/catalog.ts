/** The Glue Data Catalog, or the embedded catalog derived from the local lake and warehouse. */
export type TableType = 'EXTERNAL_TABLE' | 'MANAGED_TABLE' | 'VIRTUAL_VIEW';

export interface CatalogColumnRecord {
  name: string;
  type: string;
  comment: string | null;
}

export interface CatalogDatabaseRecord {
  catalogId: string;
  name: string;
  description: string | null;
  locationUri: string | null;
  createTime: string | null;
}

export interface CatalogTableRecord {
  catalogId: string;
  database: string;
  name: string;
  description: string | null;
  tableType: TableType;
  /** parquet, hudi, iceberg, json, csv, ... ; null for views and unknown formats. */
  format: string | null;
  location: string | null;
  owner: string | null;
  createTime: string | null;
  updateTime: string | null;
  columns: CatalogColumnRecord[];
  partitionKeys: CatalogColumnRecord[];
  parameters: Record<string, string>;
  viewText: string | null;
}

export interface CatalogPartitionRecord {
  /** In partition-key order, e.g. ['2026-01-31']. */
  values: string[];
  location: string | null;
  createTime: string | null;
  parameters: Record<string, string>;
}

export interface TokenPage<T> {
  items: T[];
  /** Opaque token of the backend for the next page; absent on the last page. */
  nextToken?: string;
}

export interface Catalog {
  /** Catalog ids this deployment serves; the first is the default. */
  catalogIds(): string[];
  listDatabases(catalogId: string): Promise<CatalogDatabaseRecord[]>;
  /** `nameLike`: SQL LIKE pattern (% and _), case-insensitive. */
  listTables(catalogId: string, database: string, options: { nameLike?: string; limit: number; nextToken?: string }): Promise<TokenPage<CatalogTableRecord>>;
  getTable(catalogId: string, database: string, name: string): Promise<CatalogTableRecord | null>;
  /** Partitions in partition-value order. */
  listPartitions(catalogId: string, database: string, table: string, options: { limit: number; nextToken?: string }): Promise<TokenPage<CatalogPartitionRecord>>;
  ping(): Promise<void>;
}
