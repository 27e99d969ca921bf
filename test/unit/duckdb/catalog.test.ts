import { DEFAULT_EMBEDDED_CATALOG_ID, viewSelect } from '../../../src/adapters/duckdb/catalog';
import { eventsDir } from '../../../src/adapters/duckdb/layout';
import { EVENT_COLUMNS } from '../../../src/ports/lake';
import { p, sql } from '../../../src/ports/sql';
import { cleanupDuckDbFixtures, duckDbFixture, openEmbeddedSql, type DuckDbFixture, type EmbeddedSql } from '../../helpers/duckdb-fixture';

describe('EmbeddedCatalog', () => {
  let fixture: DuckDbFixture;
  let ports: EmbeddedSql;
  const id = DEFAULT_EMBEDDED_CATALOG_ID;

  beforeAll(async () => {
    fixture = await duckDbFixture();
    ports = openEmbeddedSql(fixture.dataDir);
  });
  afterAll(async () => {
    await ports.close();
    await cleanupDuckDbFixtures();
  });

  it('serves one catalog id with the lake and warehouse databases', async () => {
    expect(ports.catalog.catalogIds()).toEqual(['000000000000']);
    const databases = await ports.catalog.listDatabases(id);
    expect(databases.map((d) => d.name)).toEqual(['lake', 'warehouse']);
    for (const db of databases) {
      expect(db.catalogId).toBe(id);
      expect(db.description).toBeTruthy();
      expect(db.locationUri).toMatch(/^file:\/\//);
      expect(Number.isNaN(Date.parse(db.createTime!))).toBe(false);
    }
  });

  it('describes the lake events table like Glue describes an external Parquet table', async () => {
    const table = (await ports.catalog.getTable(id, 'lake', 'events'))!;
    expect(table).toMatchObject({
      catalogId: id,
      database: 'lake',
      name: 'events',
      tableType: 'EXTERNAL_TABLE',
      format: 'parquet',
      location: `file://${eventsDir(fixture.dataDir)}/`,
      owner: 'data-platform',
      viewText: null,
    });
    expect(table.parameters).toMatchObject({ classification: 'parquet', 'lakegate.buckets': '16' });
    expect(table.columns.map((c) => c.name)).toEqual(EVENT_COLUMNS.filter((c) => c !== 'day'));
    expect(table.columns.find((c) => c.name === 'occurred_at')).toMatchObject({ type: 'timestamp' });
    expect(table.columns.every((c) => c.comment)).toBe(true);
    expect(table.partitionKeys).toEqual([{ name: 'day', type: 'date', comment: expect.any(String) }]);
    expect(table.updateTime! >= table.createTime!).toBe(true);
  });

  it('derives warehouse tables and the weekly view from DuckDB, with comments and Hive types', async () => {
    const page = await ports.catalog.listTables(id, 'warehouse', { limit: 10 });
    expect(page.items.map((t) => [t.name, t.tableType])).toEqual([
      ['customers', 'MANAGED_TABLE'],
      ['daily_event_counts', 'MANAGED_TABLE'],
      ['weekly_event_counts', 'VIRTUAL_VIEW'],
    ]);
    expect(page.nextToken).toBeUndefined();
    const customers = page.items[0]!;
    expect(customers.columns.map((c) => [c.name, c.type])).toEqual([
      ['customer_id', 'string'],
      ['customer_type', 'string'],
      ['country', 'string'],
      ['name', 'string'],
      ['email', 'string'],
      ['created_at', 'timestamp'],
    ]);
    expect(customers.columns.find((c) => c.name === 'email')!.comment).toMatch(/personal data/);
    expect(customers.description).toMatch(/customer dimension/);
    const daily = page.items[1]!;
    expect(daily.columns.find((c) => c.name === 'total_events')).toMatchObject({ type: 'bigint' });
    expect(daily.columns.find((c) => c.name === 'day')).toMatchObject({ type: 'date' });

    const view = page.items[2]!;
    expect(view.format).toBeNull();
    expect(view.viewText).toMatch(/^SELECT /);
    expect(view.viewText).toMatch(/date_trunc\('week'/);
    expect(view.viewText).toMatch(/Reseller/);
    // The view text is the view: running it gives what the view gives.
    const viaText = await ports.engine.query({ label: 'test.viewText', sql: sql`SELECT COUNT(*) AS n FROM (${{ kind: 'raw', text: view.viewText! }}) v` });
    const viaView = await ports.engine.query({ label: 'test.view', sql: sql`SELECT COUNT(*) AS n FROM warehouse.weekly_event_counts` });
    expect(viaText.rows[0]!.n).toBe(viaView.rows[0]!.n);
    expect(viaView.rows[0]!.n).toBeGreaterThan(0);
  });

  it('pages tables with an opaque token and filters names with LIKE, case-insensitively', async () => {
    const first = await ports.catalog.listTables(id, 'warehouse', { limit: 2 });
    expect(first.items.map((t) => t.name)).toEqual(['customers', 'daily_event_counts']);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(first.nextToken).not.toContain('daily');
    const second = await ports.catalog.listTables(id, 'warehouse', { limit: 2, nextToken: first.nextToken });
    expect(second.items.map((t) => t.name)).toEqual(['weekly_event_counts']);
    expect(second.nextToken).toBeUndefined();

    const like = async (nameLike: string) => (await ports.catalog.listTables(id, 'warehouse', { limit: 10, nameLike })).items.map((t) => t.name);
    expect(await like('%EVENT%')).toEqual(['daily_event_counts', 'weekly_event_counts']);
    expect(await like('customers')).toEqual(['customers']);
    expect(await like('customer_')).toEqual(['customers']);
    expect(await like('_aily%')).toEqual(['daily_event_counts']);
    expect(await like('daily')).toEqual([]);
    expect(await like('%.%')).toEqual([]);
  });

  it('lists partitions in day order with locations, paginated', async () => {
    const seen: string[][] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ports.catalog.listPartitions(id, 'lake', 'events', { limit: 7, nextToken: token });
      for (const part of page.items) {
        seen.push(part.values);
        expect(part.location).toBe(`file://${eventsDir(fixture.dataDir)}/day=${part.values[0]}/`);
        expect(Number(part.parameters.numFiles)).toBeGreaterThan(0);
        expect(Number(part.parameters.totalSize)).toBeGreaterThan(0);
        expect(part.createTime).toEqual(expect.any(String));
      }
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(fixture.seed.days / 7));
    expect(seen).toHaveLength(fixture.seed.days);
    expect(seen[0]).toEqual([fixture.seed.startDay]);
    expect(seen.map((v) => v[0])).toEqual([...seen.map((v) => v[0])].sort());
    expect((await ports.catalog.listPartitions(id, 'warehouse', 'customers', { limit: 10 })).items).toEqual([]);
  });

  it('answers unknown catalogs, databases and tables with empty results, like Glue', async () => {
    expect(await ports.catalog.listDatabases('123456789012')).toEqual([]);
    expect(await ports.catalog.listTables('123456789012', 'lake', { limit: 10 })).toEqual({ items: [] });
    expect(await ports.catalog.listTables(id, 'nope', { limit: 10 })).toEqual({ items: [] });
    expect(await ports.catalog.getTable(id, 'lake', 'nope')).toBeNull();
    expect(await ports.catalog.getTable(id, 'nope', 'events')).toBeNull();
    expect(await ports.catalog.getTable('123456789012', 'lake', 'events')).toBeNull();
    expect(await ports.catalog.listPartitions(id, 'lake', 'nope', { limit: 10 })).toEqual({ items: [] });
    await expect(ports.catalog.listTables(id, 'lake', { limit: 1, nextToken: 'garbage!' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('keeps table names from parameters out of the SQL (names are values)', async () => {
    expect(await ports.catalog.getTable(id, 'warehouse', "customers' OR '1'='1")).toBeNull();
    const { rows } = await ports.engine.query({ label: 'test.count', sql: sql`SELECT COUNT(*) AS n FROM warehouse.customers WHERE customer_id LIKE ${p.str('cus_%')}` });
    expect(rows[0]!.n).toBe(fixture.seed.customers);
  });

  it('strips CREATE VIEW from DuckDB view SQL', () => {
    expect(viewSelect('CREATE VIEW warehouse.v AS SELECT 1 AS x;')).toBe('SELECT 1 AS x');
    expect(viewSelect('create or replace view v as select 2')).toBe('select 2');
  });
});
