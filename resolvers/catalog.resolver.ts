import { Arg, Args, Authorized, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord } from '../src/ports/catalog';
import type { Services } from '../src/services/services';
import type { Page } from '../src/util/pagination';
import { CatalogDatabase } from '../schema/catalog/catalog-database.type';
import { CatalogPartitionConnection } from '../schema/catalog/catalog-partition.type';
import { CatalogTable, CatalogTableConnection } from '../schema/catalog/catalog-table.type';
import { PageArgs } from '../schema/common/pagination.args';

@Resolver(() => CatalogDatabase)
export class CatalogDatabaseResolver {
  constructor(private readonly services: Services) {}

  @Authorized('catalog:read')
  @Query(() => [CatalogDatabase], { description: 'Databases of a catalog (default: the first configured catalog id).' })
  catalogDatabases(@Arg('catalogId', () => String, { nullable: true }) catalogId: string | null): Promise<CatalogDatabaseRecord[]> {
    return this.services.catalog.databases(catalogId);
  }

  @FieldResolver(() => CatalogTableConnection, { description: 'Tables and views, by name; nameLike is a LIKE pattern (% and _), case-insensitive.' })
  tables(
    @Root() database: CatalogDatabaseRecord,
    @Arg('nameLike', () => String, { nullable: true }) nameLike: string | null,
    @Args() page: PageArgs,
  ): Promise<Page<CatalogTableRecord>> {
    return this.services.catalog.tables(database, { nameLike, first: page.first, after: page.after });
  }
}

@Resolver(() => CatalogTable)
export class CatalogTableResolver {
  constructor(private readonly services: Services) {}

  @Authorized('catalog:read')
  @Query(() => CatalogTable, { nullable: true, description: 'A table or view; null when it does not exist.' })
  catalogTable(
    @Arg('database') database: string,
    @Arg('name') name: string,
    @Arg('catalogId', () => String, { nullable: true }) catalogId: string | null,
  ): Promise<CatalogTableRecord | null> {
    return this.services.catalog.table(database, name, catalogId);
  }

  @FieldResolver(() => CatalogPartitionConnection, { description: 'Partitions in partition-value order (empty for unpartitioned tables).' })
  partitions(@Root() table: CatalogTableRecord, @Args() page: PageArgs): Promise<Page<CatalogPartitionRecord>> {
    return this.services.catalog.partitions(table, { first: page.first, after: page.after });
  }
}
