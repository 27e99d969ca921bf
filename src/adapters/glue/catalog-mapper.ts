import type { Column, Database, Partition, Table } from '@aws-sdk/client-glue';
import type { CatalogColumnRecord, CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord, TableType } from '../../ports/catalog';
import { detectTableFormat, isView } from './table-format';
import { decodeViewText } from './view-text';

/** Glue API shapes -> the Catalog port's records. Times become ISO 8601 UTC strings. */
export function iso(date: Date | undefined): string | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

export function mapDatabase(catalogId: string, db: Database): CatalogDatabaseRecord {
  return {
    catalogId,
    name: db.Name ?? '',
    description: db.Description || null,
    locationUri: db.LocationUri || null,
    createTime: iso(db.CreateTime),
  };
}

function mapColumn(column: Column): CatalogColumnRecord {
  return { name: column.Name ?? '', type: column.Type ?? '', comment: column.Comment || null };
}

function mapTableType(table: Table): TableType {
  if (isView(table)) return 'VIRTUAL_VIEW';
  const type = (table.TableType ?? '').toUpperCase();
  // GOVERNED tables are managed by Lake Formation.
  if (type === 'MANAGED_TABLE' || type === 'GOVERNED') return 'MANAGED_TABLE';
  return 'EXTERNAL_TABLE';
}

export function mapTable(catalogId: string, database: string, table: Table): CatalogTableRecord {
  const view = isView(table);
  return {
    catalogId,
    database: table.DatabaseName ?? database,
    name: table.Name ?? '',
    description: table.Description || null,
    tableType: mapTableType(table),
    format: detectTableFormat(table),
    location: table.StorageDescriptor?.Location || null,
    owner: table.Owner || null,
    createTime: iso(table.CreateTime),
    updateTime: iso(table.UpdateTime),
    columns: (table.StorageDescriptor?.Columns ?? []).map(mapColumn),
    partitionKeys: (table.PartitionKeys ?? []).map(mapColumn),
    parameters: { ...(table.Parameters ?? {}) },
    viewText: view ? decodeViewText(table) : null,
  };
}

export function mapPartition(partition: Partition): CatalogPartitionRecord {
  return {
    values: [...(partition.Values ?? [])],
    location: partition.StorageDescriptor?.Location || null,
    createTime: iso(partition.CreationTime),
    parameters: { ...(partition.Parameters ?? {}) },
  };
}
