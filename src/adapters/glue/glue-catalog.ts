import {
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTablesCommand,
  type GlueClient,
  type Partition,
  type Table,
} from '@aws-sdk/client-glue';
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode, tooExpensive } from '../../errors/app-error';
import type { Catalog, CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord, TokenPage } from '../../ports/catalog';
import { likeMatcher } from '../../util/sql-like';
import { mapDatabase, mapPartition, mapTable } from './catalog-mapper';
import { glueCall } from './glue-call';
import { fetchGlueTable } from './glue-table-read';
import { decodePartitionOffset, decodeTablePosition, encodePartitionOffset, encodeTablePosition, type TablePosition } from './page-token';
import { partitionValueComparator } from './partition-order';

export interface GlueCatalogOptions {
  client: GlueClient;
  /** Catalog ids served (12-digit account ids), the default first. */
  catalogIds: string[];
  /** Databases exposed per catalog id; unset exposes all. */
  databaseAllowList?: Map<string, Set<string>>;
  /** MaxResults of GetDatabases / GetTables (1..100). Default 100. */
  pageSize?: number;
  /** MaxResults of GetPartitions (1..1000). Default 1000. */
  partitionPageSize?: number;
  /** Tables with more partitions are refused by listPartitions. Default 200,000. */
  maxListedPartitions?: number;
  /** How long a table's sorted partition list is reused. Default 60 s. */
  cacheTtlMs?: number;
}

/**
 * The Catalog port over the Glue Data Catalog. Every call names its CatalogId, so
 * several accounts' catalogs are served side by side.
 *
 * - Table names are filtered with SQL LIKE on our side while following NextToken:
 *   GetTables' Expression is a regular-expression dialect whose anchoring and
 *   wildcard rules are not documented precisely enough to translate LIKE into it.
 * - Glue returns partitions in no order; listPartitions reads them all (without
 *   column schemas), sorts them by partition value and pages over the sorted list,
 *   which is kept for `cacheTtlMs`.
 * - Databases outside the allow-list behave as if they did not exist.
 */
export class GlueCatalog implements Catalog {
  private readonly client: GlueClient;
  private readonly ids: string[];
  private readonly allow: Map<string, Set<string>> | undefined;
  private readonly pageSize: number;
  private readonly partitionPageSize: number;
  private readonly maxListedPartitions: number;
  private readonly partitionLists: LRUCache<string, Promise<CatalogPartitionRecord[]>> | undefined;

  constructor(options: GlueCatalogOptions) {
    if (options.catalogIds.length === 0) throw new Error('GlueCatalog needs at least one catalog id');
    this.client = options.client;
    this.ids = [...options.catalogIds];
    this.allow = options.databaseAllowList;
    this.pageSize = options.pageSize ?? 100;
    this.partitionPageSize = options.partitionPageSize ?? 1000;
    this.maxListedPartitions = options.maxListedPartitions ?? 200_000;
    const ttl = options.cacheTtlMs ?? 60_000;
    this.partitionLists = ttl > 0 ? new LRUCache({ max: 256, ttl }) : undefined;
  }

  catalogIds(): string[] {
    return [...this.ids];
  }

  async listDatabases(catalogId: string): Promise<CatalogDatabaseRecord[]> {
    this.assertServed(catalogId);
    const out: CatalogDatabaseRecord[] = [];
    let token: string | undefined;
    do {
      const page = await glueCall(
        'GetDatabases',
        { catalogId },
        (abortSignal) => this.client.send(new GetDatabasesCommand({ CatalogId: catalogId, MaxResults: this.pageSize, NextToken: token }), { abortSignal }),
        (o) => o.DatabaseList?.length ?? 0,
      );
      for (const db of page.DatabaseList ?? []) {
        if (db.Name && this.exposed(catalogId, db.Name)) out.push(mapDatabase(catalogId, db));
      }
      token = page.NextToken || undefined;
    } while (token);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async listTables(
    catalogId: string,
    database: string,
    options: { nameLike?: string; limit: number; nextToken?: string },
  ): Promise<TokenPage<CatalogTableRecord>> {
    this.assertServed(catalogId);
    if (!this.exposed(catalogId, database)) return { items: [] };
    const filter = options.nameLike === undefined ? undefined : likeMatcher(options.nameLike);
    const limit = Math.max(1, Math.floor(options.limit));
    // Unfiltered, a Glue page the size of the request suffices; filtered, read full pages.
    const glueMax = (wanted: number) => (filter ? this.pageSize : Math.min(Math.max(wanted, 1), this.pageSize));
    let position: TablePosition = options.nextToken ? decodeTablePosition(options.nextToken) : { glueToken: null, maxResults: glueMax(limit), skip: 0 };
    const items: CatalogTableRecord[] = [];

    for (;;) {
      const page = await this.getTablesPage(catalogId, database, position);
      const tables = page.tables;
      for (let i = position.skip; i < tables.length; i++) {
        const table = tables[i]!;
        if (filter && !filter.test(table.Name ?? '')) continue;
        items.push(mapTable(catalogId, database, table));
        if (items.length === limit) {
          const next: TablePosition | undefined =
            i + 1 < tables.length
              ? { ...position, skip: i + 1 }
              : page.nextToken
                ? { glueToken: page.nextToken, maxResults: glueMax(limit), skip: 0 }
                : undefined;
          return next ? { items, nextToken: encodeTablePosition(next) } : { items };
        }
      }
      if (!page.nextToken) return { items };
      position = { glueToken: page.nextToken, maxResults: glueMax(limit - items.length), skip: 0 };
    }
  }

  async getTable(catalogId: string, database: string, name: string): Promise<CatalogTableRecord | null> {
    this.assertServed(catalogId);
    if (!this.exposed(catalogId, database)) return null;
    const table = await fetchGlueTable(this.client, catalogId, database, name);
    return table ? mapTable(catalogId, database, table) : null;
  }

  async listPartitions(
    catalogId: string,
    database: string,
    table: string,
    options: { limit: number; nextToken?: string },
  ): Promise<TokenPage<CatalogPartitionRecord>> {
    this.assertServed(catalogId);
    const offset = options.nextToken ? decodePartitionOffset(options.nextToken) : 0;
    if (!this.exposed(catalogId, database)) return { items: [] };
    const all = await this.sortedPartitions(catalogId, database, table);
    const end = offset + Math.max(1, Math.floor(options.limit));
    const items = all.slice(offset, end);
    return end < all.length ? { items, nextToken: encodePartitionOffset(end) } : { items };
  }

  async ping(): Promise<void> {
    const catalogId = this.ids[0]!;
    await glueCall(
      'GetDatabases',
      { catalogId },
      (abortSignal) => this.client.send(new GetDatabasesCommand({ CatalogId: catalogId, MaxResults: 1 }), { abortSignal }),
      (o) => o.DatabaseList?.length ?? 0,
    );
  }

  private async getTablesPage(catalogId: string, database: string, position: TablePosition): Promise<{ tables: Table[]; nextToken?: string }> {
    const out = await glueCall(
      'GetTables',
      { catalogId, onNotFound: () => ({ TableList: [] }) },
      (abortSignal) =>
        this.client.send(
          new GetTablesCommand({
            CatalogId: catalogId,
            DatabaseName: database,
            MaxResults: position.maxResults,
            NextToken: position.glueToken ?? undefined,
          }),
          { abortSignal },
        ),
      (o) => o.TableList?.length ?? 0,
    );
    return { tables: out.TableList ?? [], ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
  }

  private sortedPartitions(catalogId: string, database: string, table: string): Promise<CatalogPartitionRecord[]> {
    const key = JSON.stringify([catalogId, database.toLowerCase(), table.toLowerCase()]);
    const cached = this.partitionLists?.get(key);
    if (cached) return cached;
    const loading = this.loadSortedPartitions(catalogId, database, table);
    this.partitionLists?.set(key, loading);
    // A failure must not be served from the cache.
    loading.catch(() => this.partitionLists?.delete(key));
    return loading;
  }

  private async loadSortedPartitions(catalogId: string, database: string, tableName: string): Promise<CatalogPartitionRecord[]> {
    const table = await fetchGlueTable(this.client, catalogId, database, tableName);
    if (!table || (table.PartitionKeys ?? []).length === 0) return [];
    const partitions: Partition[] = [];
    let token: string | undefined;
    do {
      const page = await glueCall(
        'GetPartitions',
        { catalogId, onNotFound: () => ({ Partitions: [] }) },
        (abortSignal) =>
          this.client.send(
            new GetPartitionsCommand({
              CatalogId: catalogId,
              DatabaseName: database,
              TableName: tableName,
              MaxResults: this.partitionPageSize,
              NextToken: token,
              ExcludeColumnSchema: true,
            }),
            { abortSignal },
          ),
        (o) => o.Partitions?.length ?? 0,
      );
      partitions.push(...(page.Partitions ?? []));
      if (partitions.length > this.maxListedPartitions) {
        throw tooExpensive(
          `${database}.${tableName} has more than ${this.maxListedPartitions} partitions, too many to list in order; raise LAKEGATE_GLUE_MAX_LISTED_PARTITIONS or query the lake by day instead`,
          { catalogId, database, table: tableName, maxListedPartitions: this.maxListedPartitions },
        );
      }
      token = page.NextToken || undefined;
    } while (token);
    const records = partitions.map(mapPartition);
    const compare = partitionValueComparator((table.PartitionKeys ?? []).map((k) => ({ name: k.Name ?? '', type: k.Type ?? '', comment: null })));
    return records.sort((a, b) => compare(a.values, b.values));
  }

  private assertServed(catalogId: string): void {
    if (!this.ids.includes(catalogId)) {
      throw new AppError(ErrorCode.FORBIDDEN, `catalog ${JSON.stringify(catalogId.slice(0, 64))} is not served by this deployment (see LAKEGATE_GLUE_CATALOG_IDS)`, {
        details: { backend: 'glue', catalogId: catalogId.slice(0, 64) },
      });
    }
  }

  private exposed(catalogId: string, database: string): boolean {
    const allowed = this.allow?.get(catalogId);
    return this.allow === undefined ? true : !!allowed && allowed.has(database.toLowerCase());
  }
}
