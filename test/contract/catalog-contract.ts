import { isAppError } from '../../src/errors/app-error';
import type { Catalog, CatalogColumnRecord, CatalogPartitionRecord, CatalogTableRecord, TokenPage } from '../../src/ports/catalog';
import { matchesLike } from '../../src/util/sql-like';

/**
 * The Catalog port's contract, run against every adapter (Glue over its emulator,
 * the embedded catalog). It discovers the data the adapter serves and checks what
 * must hold whatever the data: so `start` only has to serve a catalog with at least
 * one database of three or more tables and one partitioned table with two or more
 * partitions (the suite checks that it is not vacuous).
 *
 * What the port promises, beyond its types:
 *  - databases come sorted by name; table and partition listings are stable;
 *  - page tokens are absolute positions: resuming from one with another limit
 *    continues at the same item (CatalogService relies on this);
 *  - nameLike is SQL LIKE (% and _), case-insensitive; other characters are literal;
 *  - partitions come in partition-value order (integer keys numerically);
 *  - unknown databases and tables: null / empty pages, never an error;
 *  - a catalog id outside catalogIds() is refused with FORBIDDEN.
 */
export interface CatalogContractSubject {
  catalog: Catalog;
  close(): Promise<void>;
}

interface Snapshot {
  tables: Map<string, CatalogTableRecord[]>;
  partitions: Map<string, CatalogPartitionRecord[]>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);

async function drain<T>(fetch: (nextToken?: string) => Promise<TokenPage<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(token);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    token = page.nextToken;
    pages++;
    if (pages > 10_000) throw new Error('pagination does not end');
  } while (token);
  return { items, pages };
}

function partitionOrder(keys: CatalogColumnRecord[]) {
  return (a: CatalogPartitionRecord, b: CatalogPartitionRecord): number => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i] ?? '';
      const y = b.values[i] ?? '';
      if (x === y) continue;
      if (INTEGER_TYPES.has(keys[i]!.type.toLowerCase())) return Number(x) - Number(y);
      return x < y ? -1 : 1;
    }
    return 0;
  };
}

const key = (...parts: string[]) => parts.join('\u0000');

export function describeCatalogContract(name: string, start: () => Promise<CatalogContractSubject>): void {
  describe(`Catalog contract: ${name}`, () => {
    let subject: CatalogContractSubject;
    let catalog: Catalog;
    const snapshot: Snapshot = { tables: new Map(), partitions: new Map() };
    /** [catalogId, database] of every database served. */
    const databases: Array<[string, string]> = [];

    beforeAll(async () => {
      subject = await start();
      catalog = subject.catalog;
      for (const catalogId of catalog.catalogIds()) {
        for (const db of await catalog.listDatabases(catalogId)) {
          databases.push([catalogId, db.name]);
          const { items } = await drain((nextToken) => catalog.listTables(catalogId, db.name, { limit: 500, nextToken }), 500);
          snapshot.tables.set(key(catalogId, db.name), items);
          for (const table of items.filter((t) => t.partitionKeys.length > 0)) {
            const parts = await drain((nextToken) => catalog.listPartitions(catalogId, db.name, table.name, { limit: 500, nextToken }), 500);
            snapshot.partitions.set(key(catalogId, db.name, table.name), parts.items);
          }
        }
      }
    });
    afterAll(async () => {
      await subject?.close();
    });

    const biggestDatabase = (): [string, string, CatalogTableRecord[]] => {
      let best: [string, string, CatalogTableRecord[]] | undefined;
      for (const [catalogId, db] of databases) {
        const tables = snapshot.tables.get(key(catalogId, db))!;
        if (!best || tables.length > best[2].length) best = [catalogId, db, tables];
      }
      return best!;
    };
    const partitionedTable = (): [string, CatalogTableRecord, CatalogPartitionRecord[]] => {
      for (const [catalogId, db] of databases) {
        for (const table of snapshot.tables.get(key(catalogId, db))!) {
          const parts = snapshot.partitions.get(key(catalogId, db, table.name)) ?? [];
          if (parts.length >= 2) return [catalogId, table, parts];
        }
      }
      throw new Error('no partitioned table with two or more partitions');
    };

    test('serves at least one catalog id, the default first, each once', () => {
      const ids = catalog.catalogIds();
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    });

    test('the data is rich enough for this suite (not vacuous)', () => {
      expect(databases.length).toBeGreaterThan(0);
      expect(biggestDatabase()[2].length).toBeGreaterThanOrEqual(3);
      expect(partitionedTable()[2].length).toBeGreaterThanOrEqual(2);
    });

    test('databases: sorted by name, unique, of their catalog, well-formed', async () => {
      for (const catalogId of catalog.catalogIds()) {
        const dbs = await catalog.listDatabases(catalogId);
        const names = dbs.map((d) => d.name);
        expect(names).toEqual([...names].sort());
        expect(new Set(names).size).toBe(names.length);
        for (const db of dbs) {
          expect(db.catalogId).toBe(catalogId);
          expect(db.createTime === null || ISO.test(db.createTime)).toBe(true);
          expect(db.description === null || typeof db.description === 'string').toBe(true);
          expect(db.locationUri === null || typeof db.locationUri === 'string').toBe(true);
        }
      }
    });

    test('tables: well-formed records of their catalog and database, names unique', () => {
      for (const [catalogId, db] of databases) {
        const tables = snapshot.tables.get(key(catalogId, db))!;
        expect(new Set(tables.map((t) => t.name)).size).toBe(tables.length);
        for (const t of tables) {
          expect(t.catalogId).toBe(catalogId);
          expect(t.database).toBe(db);
          expect(['EXTERNAL_TABLE', 'MANAGED_TABLE', 'VIRTUAL_VIEW']).toContain(t.tableType);
          if (t.tableType === 'VIRTUAL_VIEW') {
            expect(typeof t.viewText).toBe('string');
            expect(t.format).toBeNull();
          } else {
            expect(t.viewText).toBeNull();
          }
          expect(t.format === null || ['parquet', 'hudi', 'iceberg', 'delta', 'json', 'csv', 'orc', 'avro'].includes(t.format)).toBe(true);
          for (const c of [...t.columns, ...t.partitionKeys]) {
            expect(typeof c.name).toBe('string');
            expect(c.name.length).toBeGreaterThan(0);
            expect(typeof c.type).toBe('string');
            expect(c.comment === null || typeof c.comment === 'string').toBe(true);
          }
          expect(Object.values(t.parameters).every((v) => typeof v === 'string')).toBe(true);
          for (const time of [t.createTime, t.updateTime]) expect(time === null || ISO.test(time)).toBe(true);
        }
      }
    });

    test('tables: paging with small limits gives the full listing, in the same order', async () => {
      const [catalogId, db, all] = biggestDatabase();
      for (const limit of [1, 2]) {
        const { items, pages } = await drain((nextToken) => catalog.listTables(catalogId, db, { limit, nextToken }), limit);
        expect(items.map((t) => t.name)).toEqual(all.map((t) => t.name));
        expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / limit));
      }
    });

    test('tables: a token is an absolute position (resuming with another limit continues at the same table)', async () => {
      const [catalogId, db, all] = biggestDatabase();
      const first = await catalog.listTables(catalogId, db, { limit: 1 });
      expect(first.items.map((t) => t.name)).toEqual([all[0]!.name]);
      expect(first.nextToken).toBeDefined();
      const rest = await catalog.listTables(catalogId, db, { limit: all.length + 5, nextToken: first.nextToken });
      const again = await catalog.listTables(catalogId, db, { limit: 1, nextToken: first.nextToken });
      const expected = all.slice(1).map((t) => t.name);
      // A page may stop early, but never skips or repeats.
      expect(rest.items.map((t) => t.name)).toEqual(expected.slice(0, rest.items.length));
      expect(rest.items.length).toBeGreaterThan(0);
      expect(again.items.map((t) => t.name)).toEqual(expected.slice(0, 1));
    });

    test('tables: nameLike is SQL LIKE, case-insensitive, with other characters literal', async () => {
      const [catalogId, db, all] = biggestDatabase();
      const sample = all.find((t) => t.name.length >= 3) ?? all[0]!;
      const patterns = [
        `${sample.name.slice(0, 2).toUpperCase()}%`,
        `%${sample.name.slice(-3)}`,
        `${sample.name[0]}_${sample.name.slice(2)}`,
        sample.name.toUpperCase(),
        '%',
        '%_%',
        'no_such_table_%',
        '.*',
        `${sample.name.slice(0, 1)}.*`,
      ];
      for (const nameLike of patterns) {
        const expected = all.filter((t) => matchesLike(t.name, nameLike)).map((t) => t.name);
        const { items } = await drain((nextToken) => catalog.listTables(catalogId, db, { nameLike, limit: 500, nextToken }), 500);
        expect({ nameLike, names: items.map((t) => t.name) }).toEqual({ nameLike, names: expected });
      }
      expect(all.filter((t) => matchesLike(t.name, patterns[0]!)).length).toBeGreaterThan(0);
    });

    test('tables: nameLike pages of one hold exactly the matching tables', async () => {
      const [catalogId, db, all] = biggestDatabase();
      const nameLike = '%_%';
      const expected = all.filter((t) => matchesLike(t.name, nameLike)).map((t) => t.name);
      const { items } = await drain((nextToken) => catalog.listTables(catalogId, db, { nameLike, limit: 1, nextToken }), 1);
      expect(items.map((t) => t.name)).toEqual(expected);
    });

    test('getTable answers the same record as the listing', async () => {
      for (const [catalogId, db] of databases) {
        for (const listed of snapshot.tables.get(key(catalogId, db))!.slice(0, 20)) {
          expect(await catalog.getTable(catalogId, db, listed.name)).toEqual(listed);
        }
      }
    });

    test('unknown databases and tables: null and empty pages', async () => {
      const catalogId = catalog.catalogIds()[0]!;
      const [, db] = databases.find(([c]) => c === catalogId) ?? databases[0]!;
      expect(await catalog.listTables(catalogId, 'no_such_database_x', { limit: 10 })).toEqual({ items: [] });
      expect(await catalog.getTable(catalogId, 'no_such_database_x', 'events')).toBeNull();
      expect(await catalog.getTable(catalogId, db, 'no_such_table_x')).toBeNull();
      expect((await catalog.listPartitions(catalogId, db, 'no_such_table_x', { limit: 10 })).items).toEqual([]);
      expect((await catalog.listPartitions(catalogId, 'no_such_database_x', 'x', { limit: 10 })).items).toEqual([]);
    });

    test('partitions: in partition-value order, one value per key, well-formed', () => {
      const [, table, parts] = partitionedTable();
      expect(parts).toEqual([...parts].sort(partitionOrder(table.partitionKeys)));
      for (const p of parts) {
        expect(p.values).toHaveLength(table.partitionKeys.length);
        expect(p.values.every((v) => typeof v === 'string')).toBe(true);
        expect(p.createTime === null || ISO.test(p.createTime)).toBe(true);
        expect(p.location === null || typeof p.location === 'string').toBe(true);
        expect(Object.values(p.parameters).every((v) => typeof v === 'string')).toBe(true);
      }
      const keys = parts.map((p) => JSON.stringify(p.values));
      expect(new Set(keys).size).toBe(keys.length);
    });

    test('partitions: paging with limit 1 and resuming with another limit', async () => {
      const [catalogId, table, parts] = partitionedTable();
      const { items } = await drain((nextToken) => catalog.listPartitions(catalogId, table.database, table.name, { limit: 1, nextToken }), 1);
      expect(items).toEqual(parts);
      const first = await catalog.listPartitions(catalogId, table.database, table.name, { limit: 1 });
      expect(first.nextToken).toBeDefined();
      const rest = await catalog.listPartitions(catalogId, table.database, table.name, { limit: parts.length, nextToken: first.nextToken });
      expect(rest.items).toEqual(parts.slice(1, 1 + rest.items.length));
      expect(rest.items.length).toBeGreaterThan(0);
    });

    test('a catalog id that is not served is refused with FORBIDDEN', async () => {
      const error = await catalog.listDatabases('000000000999').catch((e: unknown) => e);
      expect(isAppError(error) && error.code).toBe('FORBIDDEN');
    });

    test('ping succeeds', async () => {
      await expect(catalog.ping()).resolves.toBeUndefined();
    });
  });
}
