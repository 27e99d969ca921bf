import net from 'node:net';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { GlueCatalog } from '../../../src/adapters/glue/glue-catalog';
import { createGlueClient } from '../../../src/adapters/glue/client';
import { AppError, isAppError } from '../../../src/errors/app-error';
import { newQueryScope, runInQueryScope } from '../../../src/observability/query-accounting';
import type { CatalogTableRecord } from '../../../src/ports/catalog';
import { startGlueEmulator } from '../../emulators/glue-emulator';
import { CATALOG_A, CATALOG_B, EVENT_DAYS, REGION, WEEKLY_VIEW_SQL, glueCatalogFixture } from '../../emulators/glue-fixtures';
import type { GlueEmulatorContent, GlueTableSeed } from '../../emulators/glue-model';
import { startGlueHarness, type GlueHarness } from './glue-harness';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error;
  return error;
}

async function allTables(catalog: GlueCatalog, catalogId: string, database: string, limit: number, nameLike?: string): Promise<CatalogTableRecord[]> {
  const out: CatalogTableRecord[] = [];
  let nextToken: string | undefined;
  do {
    const page = await catalog.listTables(catalogId, database, { limit, nextToken, nameLike });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

describe('GlueCatalog over the Glue emulator', () => {
  let h: GlueHarness;
  let catalog: GlueCatalog;

  beforeAll(async () => {
    h = await startGlueHarness(glueCatalogFixture());
    catalog = new GlueCatalog({ client: h.client, catalogIds: [CATALOG_A, CATALOG_B], cacheTtlMs: 0 });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.server.calls.length = 0;
    h.emulator.server.clearFaults();
  });

  test('serves several catalogs and passes CatalogId on every call', async () => {
    expect(catalog.catalogIds()).toEqual([CATALOG_A, CATALOG_B]);
    const a = await catalog.listDatabases(CATALOG_A);
    const b = await catalog.listDatabases(CATALOG_B);
    expect(a.map((d) => d.name)).toEqual(['default', 'lake', 'scratch']);
    expect(a[1]).toEqual({ catalogId: CATALOG_A, name: 'lake', description: 'The raw event lake', locationUri: 's3://lake-bucket/', createTime: '2026-01-05T08:00:00.000Z' });
    expect(b).toEqual([{ catalogId: CATALOG_B, name: 'shared_sales', description: 'Shared from the sales account', locationUri: null, createTime: '2026-01-05T08:00:00.000Z' }]);
    await catalog.getTable(CATALOG_B, 'shared_sales', 'orders');
    await catalog.listTables(CATALOG_A, 'lake', { limit: 5 });
    await catalog.listPartitions(CATALOG_A, 'lake', 'events', { limit: 5 });
    const calls = h.emulator.server.calls;
    expect(new Set(calls.map((c) => c.operation))).toEqual(new Set(['GetDatabases', 'GetTable', 'GetTables', 'GetPartitions']));
    expect(calls.every((c) => c.input.CatalogId === CATALOG_A || c.input.CatalogId === CATALOG_B)).toBe(true);
    expect(calls.filter((c) => c.input.CatalogId === CATALOG_B).map((c) => c.operation)).toEqual(['GetDatabases', 'GetTable']);
  });

  test('maps the replicated Hudi table of DESIGN.md completely', async () => {
    expect(await catalog.getTable(CATALOG_A, 'default', 'hudi_trips')).toEqual({
      catalogId: CATALOG_A,
      database: 'default',
      name: 'hudi_trips',
      description: null,
      tableType: 'EXTERNAL_TABLE',
      format: 'hudi',
      location: 's3://replicated-lake/default/hudi_trips',
      owner: 'hadoop',
      createTime: '2023-03-14T09:26:53.000Z',
      updateTime: null,
      columns: [
        { name: '_hoodie_commit_time', type: 'string', comment: null },
        { name: '_hoodie_record_key', type: 'string', comment: null },
        { name: 'trip_id', type: 'bigint', comment: null },
        { name: 'fare', type: 'double', comment: 'in USD' },
        { name: 'ts', type: 'timestamp', comment: null },
      ],
      partitionKeys: [],
      parameters: {
        'spark.sql.sources.provider': 'hudi',
        'spark.sql.sources.schema.numParts': '1',
        last_commit_time_sync: '20230314092650123',
        'hoodie.query.as.ro.table': 'false',
        EXTERNAL: 'TRUE',
        transient_lastDdlTime: '1678786013',
      },
      viewText: null,
    });
  });

  test('detects every format', async () => {
    const tables = await allTables(catalog, CATALOG_A, 'lake', 100);
    expect(Object.fromEntries(tables.map((t) => [t.name, t.format]))).toEqual({
      crawled_json: 'json',
      events: 'parquet',
      events_avro: 'avro',
      events_csv: 'csv',
      events_delta: 'delta',
      events_iceberg: 'iceberg',
      events_json: 'json',
      events_orc: 'orc',
      hive_view: null,
      unknown_format: null,
      weekly_events_v: null,
    });
    expect((await catalog.getTable(CATALOG_B, 'shared_sales', 'orders'))!.format).toBe('parquet');
  });

  test('decodes the Athena view blob into readable SQL; Hive views keep their text', async () => {
    const view = await catalog.getTable(CATALOG_A, 'lake', 'weekly_events_v');
    expect(view).toMatchObject({ tableType: 'VIRTUAL_VIEW', format: null, viewText: WEEKLY_VIEW_SQL, owner: 'analyst' });
    expect(view!.columns.map((c) => c.name)).toEqual(['first_day_of_week', 'customer_type', 'event_type', 'total_events']);
    const hive = await catalog.getTable(CATALOG_A, 'lake', 'hive_view');
    expect(hive).toMatchObject({ tableType: 'VIRTUAL_VIEW', viewText: 'SELECT count(*) AS n FROM events' });
    expect((await catalog.getTable(CATALOG_A, 'lake', 'events'))!.viewText).toBeNull();
  });

  test('maps columns, partition keys, parameters and times of the events table', async () => {
    const events = await catalog.getTable(CATALOG_A, 'lake', 'events');
    expect(events).toMatchObject({
      description: 'Customer and security events, one partition per day',
      location: 's3://lake-bucket/events/',
      createTime: '2026-01-05T08:00:00.000Z',
      updateTime: '2026-01-20T12:30:00.500Z',
      partitionKeys: [{ name: 'day', type: 'string', comment: null }],
      parameters: { EXTERNAL: 'TRUE', 'parquet.compression': 'ZSTD' },
    });
    expect(events!.columns).toContainEqual({ name: 'event_type', type: 'string', comment: 'login, payment, ...' });
  });

  test('partitions come in partition-value order although Glue returns them unordered', async () => {
    const page = await catalog.listPartitions(CATALOG_A, 'lake', 'events', { limit: 100 });
    expect(page.items.map((p) => p.values[0])).toEqual(EVENT_DAYS);
    const served = h.emulator.server.callsOf('GetPartitions');
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((c) => c.input.ExcludeColumnSchema === true)).toBe(true);
    const raw = await h.client.send(new GetPartitionsCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', TableName: 'events' }));
    // Glue gives no order; the emulator answers in hashed order, so the adapter's sort is what is tested.
    expect(raw.Partitions!.map((p) => p.Values![0])).not.toEqual(EVENT_DAYS);
    expect([...raw.Partitions!.map((p) => p.Values![0])].sort()).toEqual(EVENT_DAYS);
    expect(page.items[0]).toEqual({
      values: ['2026-01-01'],
      location: 's3://lake-bucket/events/day=2026-01-01/',
      createTime: '2026-01-01T02:00:00.000Z',
      parameters: { totalSize: '1000000', numRows: '1000', rawDataSize: '4000000', numFiles: '16' },
    });
    const orders = await catalog.listPartitions(CATALOG_B, 'shared_sales', 'orders', { limit: 10 });
    expect(orders.items.map((p) => p.values)).toEqual([
      ['2025', '1'],
      ['2025', '2'],
      ['2025', '9'],
      ['2025', '10'],
    ]);
  });

  test('a table without partition keys has no partitions; an unknown one neither', async () => {
    expect(await catalog.listPartitions(CATALOG_A, 'default', 'hudi_trips', { limit: 10 })).toEqual({ items: [] });
    expect(await catalog.listPartitions(CATALOG_A, 'lake', 'nope', { limit: 10 })).toEqual({ items: [] });
    expect(await catalog.getTable(CATALOG_A, 'nope', 'events')).toBeNull();
    expect(await catalog.listTables(CATALOG_A, 'nope', { limit: 10 })).toEqual({ items: [] });
  });

  test('a catalog id that is not served is refused before any call', async () => {
    const error = await rejection(catalog.listDatabases('999999999999'));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('999999999999');
    expect(error.message).toContain('LAKEGATE_GLUE_CATALOG_IDS');
    expect(h.emulator.server.calls).toHaveLength(0);
  });

  test('a configured catalog that Glue denies answers FORBIDDEN naming the catalog', async () => {
    const denied = new GlueCatalog({ client: h.client, catalogIds: [CATALOG_A, '777788889999'], cacheTtlMs: 0 });
    for (const call of [
      () => denied.listDatabases('777788889999'),
      () => denied.listTables('777788889999', 'lake', { limit: 1 }),
      () => denied.getTable('777788889999', 'lake', 'events'),
    ]) {
      const error = await rejection(call());
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('777788889999');
      expect(error.details).toMatchObject({ backend: 'glue', catalogId: '777788889999' });
    }
  });

  test('throttling is retried by the SDK; persistent throttling is BACKEND_UNAVAILABLE', async () => {
    h.emulator.injectFault({ operation: 'GetTables', times: 2, error: { type: 'ThrottlingException', message: 'Rate exceeded' } });
    const page = await catalog.listTables(CATALOG_A, 'lake', { limit: 3 });
    expect(page.items.map((t) => t.name)).toEqual(['crawled_json', 'events', 'events_avro']);
    expect(h.emulator.server.callsOf('GetTables')).toHaveLength(3);

    h.emulator.injectFault({ operation: 'GetTable', times: 10, error: { type: 'ThrottlingException', message: 'Rate exceeded' } });
    const error = await rejection(catalog.getTable(CATALOG_A, 'lake', 'events'));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ThrottlingException');
    expect(h.emulator.server.callsOf('GetTable')).toHaveLength(3); // maxAttempts
  });

  test('a 5xx is retried', async () => {
    h.emulator.injectFault({ operation: 'GetDatabases', times: 1, error: { type: 'InternalServiceException', message: 'boom', status: 500 } });
    expect((await catalog.listDatabases(CATALOG_B)).map((d) => d.name)).toEqual(['shared_sales']);
  });

  test('every call is accounted as a glue query', async () => {
    const scope = newQueryScope('req-1');
    await runInQueryScope(scope, () => catalog.getTable(CATALOG_A, 'lake', 'events'));
    await runInQueryScope(scope, () => catalog.getTable(CATALOG_A, 'lake', 'missing'));
    expect(scope.queries.map((q) => [q.backend, q.label, q.rows, q.bytesScanned])).toEqual([
      ['glue', 'glue.GetTable', 1, 0],
      ['glue', 'glue.GetTable', 0, 0],
    ]);
    expect(scope.queries.every((q) => q.ms >= 0 && q.costUsd === 0)).toBe(true);
  });

  test('a cancelled request is not sent and answers BACKEND_TIMEOUT', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(runInQueryScope(newQueryScope('req-2', controller.signal), () => catalog.listDatabases(CATALOG_A)));
    expect(error.code).toBe('BACKEND_TIMEOUT');
    expect(h.emulator.server.calls).toHaveLength(0);
  });

  test('a token that is not ours is BAD_USER_INPUT', async () => {
    expect((await rejection(catalog.listTables(CATALOG_A, 'lake', { limit: 1, nextToken: 'garbage' }))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(catalog.listPartitions(CATALOG_A, 'lake', 'events', { limit: 1, nextToken: 'gp1.-4' }))).code).toBe('BAD_USER_INPUT');
  });

  test('a table with more partitions than allowed is refused as too expensive', async () => {
    const small = new GlueCatalog({ client: h.client, catalogIds: [CATALOG_A], maxListedPartitions: 3, partitionPageSize: 2, cacheTtlMs: 0 });
    const error = await rejection(small.listPartitions(CATALOG_A, 'lake', 'events', { limit: 1 }));
    expect(error.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error.message).toContain('LAKEGATE_GLUE_MAX_LISTED_PARTITIONS');
  });

  test('the database allow-list hides other databases', async () => {
    const allowed = new GlueCatalog({
      client: h.client,
      catalogIds: [CATALOG_A, CATALOG_B],
      databaseAllowList: new Map([
        [CATALOG_A, new Set(['lake'])],
        [CATALOG_B, new Set<string>()],
      ]),
      cacheTtlMs: 0,
    });
    expect((await allowed.listDatabases(CATALOG_A)).map((d) => d.name)).toEqual(['lake']);
    expect(await allowed.listDatabases(CATALOG_B)).toEqual([]);
    expect(await allowed.getTable(CATALOG_A, 'default', 'hudi_trips')).toBeNull();
    expect(await allowed.listTables(CATALOG_A, 'default', { limit: 5 })).toEqual({ items: [] });
    expect(await allowed.getTable(CATALOG_A, 'LAKE', 'events')).not.toBeNull();
  });
});

describe('GlueCatalog pagination across many pages', () => {
  const many = 61;
  let h: GlueHarness;
  let catalog: GlueCatalog;
  const names = Array.from({ length: many }, (_, i) => (i % 3 === 0 ? `daily_${String(i).padStart(3, '0')}` : `t_${String(i).padStart(3, '0')}`));

  beforeAll(async () => {
    const tables: GlueTableSeed[] = names.map((name) => ({ DatabaseName: 'big', Name: name, TableType: 'EXTERNAL_TABLE', Parameters: { classification: 'csv' } }));
    const databases = Array.from({ length: 23 }, (_, i) => ({ Name: `db_${String(i).padStart(2, '0')}` }));
    const content: GlueEmulatorContent = { pageSize: 7, catalogs: { [CATALOG_A]: { databases: [...databases, { Name: 'big' }], tables } } };
    h = await startGlueHarness(content);
    catalog = new GlueCatalog({ client: h.client, catalogIds: [CATALOG_A], pageSize: 10, cacheTtlMs: 0 });
  });
  afterAll(() => h.close());

  test('GetDatabases pages are followed', async () => {
    h.emulator.server.calls.length = 0;
    expect(await catalog.listDatabases(CATALOG_A)).toHaveLength(24);
    expect(h.emulator.server.callsOf('GetDatabases').length).toBe(Math.ceil(24 / 7));
  });

  test('tables: every page size yields every table once, in order', async () => {
    for (const limit of [1, 6, 7, 20, 500]) {
      expect((await allTables(catalog, CATALOG_A, 'big', limit)).map((t) => t.name)).toEqual([...names].sort());
    }
  });

  test('tables: nameLike filters client-side while following NextToken to fill pages', async () => {
    h.emulator.server.calls.length = 0;
    const page = await catalog.listTables(CATALOG_A, 'big', { limit: 20, nameLike: 'DAILY\\_%' });
    // LIKE has no escape character here: the backslash is literal, so nothing matches.
    expect(page).toEqual({ items: [] });
    const daily = names.filter((n) => n.startsWith('daily_')).sort();
    const first = await catalog.listTables(CATALOG_A, 'big', { limit: 20, nameLike: 'DAILY_%' });
    expect(first.items.map((t) => t.name)).toEqual(daily.slice(0, 20));
    expect(first.nextToken).toBeDefined();
    expect(h.emulator.server.callsOf('GetTables').every((c) => c.input.Expression === undefined)).toBe(true);
    const collected = await allTables(catalog, CATALOG_A, 'big', 20, 'daily_%');
    expect(collected.map((t) => t.name)).toEqual(daily);
    const fifties = (await allTables(catalog, CATALOG_A, 'big', 500)).filter((t) => /^.*.5.$/.test(t.name));
    expect(fifties).toHaveLength(10);
    expect(await allTables(catalog, CATALOG_A, 'big', 3, '%_5_')).toEqual(fifties);
  });
});

describe('GlueCatalog when Glue is down at the first call', () => {
  test('answers BACKEND_UNAVAILABLE, then works once the endpoint is back', async () => {
    const port = await freePort();
    const client = createGlueClient({ endpoint: `http://127.0.0.1:${port}`, region: REGION, maxAttempts: 2, connectionTimeoutMs: 500 });
    const catalog = new GlueCatalog({ client, catalogIds: [CATALOG_A], cacheTtlMs: 0 });
    try {
      const error = await rejection(catalog.listDatabases(CATALOG_A));
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      await expect(catalog.ping()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });

      const emulator = await startGlueEmulator(glueCatalogFixture(), { port });
      try {
        await expect(catalog.ping()).resolves.toBeUndefined();
        expect((await catalog.listDatabases(CATALOG_A)).map((d) => d.name)).toEqual(['default', 'lake', 'scratch']);
      } finally {
        await emulator.close();
      }
    } finally {
      client.destroy();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
