import type { CachedReader } from '../../cache/cached-reader';
import { badInput } from '../../errors/app-error';
import type { Catalog, CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord, TokenPage } from '../../ports/catalog';
import { hasExactKeys, queryFingerprint, type CursorCodec } from '../../util/cursor';
import { emptyPage, makePage, pageSize, type Page } from '../../util/pagination';

const NAME = /^[A-Za-z0-9_.-]{1,255}$/;
const LIKE = /^[A-Za-z0-9_.%-]{1,255}$/;
const CATALOG_ID = /^[A-Za-z0-9_:-]{1,255}$/;

function name(argument: string, value: string): string {
  if (!NAME.test(value)) throw badInput(argument, 'must be 1-255 characters of letters, digits, "_", "." or "-"');
  return value;
}

/** Position inside a paginated catalog listing: the backend's token and our offset in its page. */
interface TokenPosition {
  token: string | null;
  skip: number;
}
/** Backend page tokens are base64url, optionally behind a short prefix ("gt1.", "gp1."). */
const TOKEN = /^[A-Za-z0-9_.-]{1,2048}$/;
/** An offset inside one backend page: bounded so a position never asks a backend for an absurd page. */
const MAX_SKIP = 10_000_000;
const isTokenPosition = (p: unknown): p is TokenPosition =>
  hasExactKeys(p, ['token', 'skip']) &&
  (p.token === null || (typeof p.token === 'string' && TOKEN.test(p.token))) &&
  Number.isSafeInteger(p.skip) &&
  (p.skip as number) >= 0 &&
  (p.skip as number) <= MAX_SKIP;

/**
 * The data catalog: Glue on AWS, the embedded catalog locally. Catalog ids are
 * checked against the configured ones; pages follow the backend's own tokens,
 * wrapped in our opaque cursors.
 */
export class CatalogService {
  constructor(
    private readonly catalog: Catalog,
    private readonly cache: CachedReader,
    private readonly cursors: CursorCodec,
  ) {}

  catalogId(argument: string, value: string | null | undefined): string {
    const known = this.catalog.catalogIds();
    if (value === null || value === undefined) return known[0]!;
    if (!CATALOG_ID.test(value) || !known.includes(value)) {
      throw badInput(argument, `unknown catalog ${JSON.stringify(value.slice(0, 64))}; this deployment serves ${known.join(', ')}`);
    }
    return value;
  }

  databases(catalogIdArg?: string | null): Promise<CatalogDatabaseRecord[]> {
    const catalogId = this.catalogId('catalogId', catalogIdArg);
    return this.cache.read(
      { domain: 'catalog', label: 'catalog.databases', args: { catalogId }, scope: 'all', datasets: ['catalog'] },
      () => this.catalog.listDatabases(catalogId),
    );
  }

  table(database: string, tableName: string, catalogIdArg?: string | null): Promise<CatalogTableRecord | null> {
    const catalogId = this.catalogId('catalogId', catalogIdArg);
    const args = { catalogId, database: name('database', database), name: name('name', tableName) };
    return this.cache.read({ domain: 'catalog', label: 'catalog.table', args, scope: 'all', datasets: ['catalog'] }, () =>
      this.catalog.getTable(args.catalogId, args.database, args.name),
    );
  }

  tables(database: CatalogDatabaseRecord, options: { nameLike?: string | null; first?: number | null; after?: string | null }): Promise<Page<CatalogTableRecord>> {
    const nameLike = options.nameLike ?? undefined;
    if (nameLike !== undefined && !LIKE.test(nameLike)) {
      throw badInput('nameLike', 'must be 1-255 characters of letters, digits, "_", ".", "-" and "%" (LIKE wildcards % and _)');
    }
    return this.paginate(
      'catalog.tables',
      { catalogId: database.catalogId, database: database.name, nameLike },
      options,
      (limit, nextToken) => this.catalog.listTables(database.catalogId, database.name, { nameLike, limit, nextToken }),
    );
  }

  partitions(table: CatalogTableRecord, options: { first?: number | null; after?: string | null }): Promise<Page<CatalogPartitionRecord>> {
    if (table.partitionKeys.length === 0) return Promise.resolve(emptyPage());
    return this.paginate(
      'catalog.partitions',
      { catalogId: table.catalogId, database: table.database, table: table.name },
      options,
      (limit, nextToken) => this.catalog.listPartitions(table.catalogId, table.database, table.name, { limit, nextToken }),
    );
  }

  /**
   * Pages over a token-paginated backend. Our cursor for an item holds the token of
   * the backend page it came from and its offset in that page, so `after` resumes
   * exactly there whatever page sizes the backend uses.
   */
  private async paginate<T>(
    label: string,
    query: Record<string, unknown>,
    options: { first?: number | null; after?: string | null },
    fetch: (limit: number, nextToken?: string) => Promise<TokenPage<T>>,
  ): Promise<Page<T>> {
    const limit = pageSize(options.first);
    const fingerprint = queryFingerprint({ q: label, ...query });
    const start: TokenPosition = options.after ? this.cursors.decode(options.after, fingerprint, isTokenPosition) : { token: null, skip: 0 };

    const collected = await this.cache.read(
      { domain: 'catalog', label, args: { ...query, start, limit }, scope: 'all', datasets: ['catalog'] },
      async () => {
        const items: Array<{ item: T; position: TokenPosition }> = [];
        let token = start.token;
        let skip = start.skip;
        // One more item than asked tells whether a next page exists.
        for (;;) {
          const page = await fetch(limit + 1 + skip, token ?? undefined);
          page.items.slice(skip).forEach((item, i) => items.push({ item, position: { token, skip: skip + i + 1 } }));
          if (items.length > limit || !page.nextToken) return { items: items.slice(0, limit + 1), exhausted: !page.nextToken };
          // Cursor positions after this page's last item point at the next page's start.
          items[items.length - 1]!.position = { token: page.nextToken, skip: 0 };
          token = page.nextToken;
          skip = 0;
        }
      },
    );
    const hasNext = collected.items.length > limit;
    const nodes = collected.items.slice(0, limit);
    const positions = new Map(nodes.map((n) => [n.item, n.position]));
    return makePage(
      nodes.map((n) => n.item),
      (item) => this.cursors.encode(fingerprint, positions.get(item)!),
      hasNext,
      options.after !== undefined && options.after !== null,
    );
  }
}
