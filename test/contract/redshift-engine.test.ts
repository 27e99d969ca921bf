import { createServer } from 'node:net';
import { defaultRedshiftPricing, type RedshiftDataEngine } from '../../src/adapters/redshift-data/redshift-engine';
import { migrateRedshift } from '../../src/adapters/redshift-data/redshift-migrations';
import { RedshiftWarehouse } from '../../src/adapters/redshift-data/redshift-warehouse';
import { AppError } from '../../src/errors/app-error';
import { addQuerySink, newQueryScope, runInQueryScope } from '../../src/observability/query-accounting';
import type { MigrationLedger } from '../../src/ports/migration-ledger';
import type { QueryStats } from '../../src/ports/sql-engine';
import { p, sql } from '../../src/ports/sql';
import { startRedshiftDataEmulator, type RedshiftDataEmulator } from '../emulators/redshift-data-emulator';
import { redshiftEngineFor } from '../emulators/redshift-test-engine';

/**
 * RedshiftDataEngine through the real AWS SDK v3 client over HTTP, against the
 * Redshift Data API emulator (DuckDB), with the warehouse created by
 * migrations/redshift.
 */
class MemoryLedger implements MigrationLedger {
  readonly versions = new Map<string, string[]>();
  async applied(store: string): Promise<string[]> {
    return [...(this.versions.get(store) ?? [])];
  }
  async record(store: string, version: string): Promise<void> {
    this.versions.set(store, [...(this.versions.get(store) ?? []), version]);
  }
}

let emulator: RedshiftDataEmulator;
let engine: RedshiftDataEngine;
let warehouse: RedshiftWarehouse;
const ledger = new MemoryLedger();

beforeAll(async () => {
  emulator = await startRedshiftDataEmulator({ pageRows: 1000 });
  engine = redshiftEngineFor(emulator.endpoint);
  warehouse = new RedshiftWarehouse(engine, 'warehouse');
});

afterAll(async () => {
  await engine.close();
  await emulator.close();
});

afterEach(() => {
  emulator.server.clearFaults();
  emulator.setLatency(0);
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the query to fail');
}

describe('migrations and the warehouse', () => {
  test('migrateRedshift applies schema, tables and the weekly view once', async () => {
    const first = await migrateRedshift(engine, { ledger, schema: 'warehouse' });
    expect(first).toEqual({ store: 'redshift', applied: ['001_schema', '002_customers', '003_daily_event_counts', '004_weekly_event_counts'], alreadyApplied: [] });
    const sent = emulator.server.callsOf('ExecuteStatement').map((c) => c.input.Sql as string);
    expect(sent.some((q) => q.includes('DISTKEY (customer_id)') && q.includes('CREATE TABLE IF NOT EXISTS warehouse.daily_event_counts'))).toBe(true);
    const before = emulator.server.callsOf('ExecuteStatement').length;
    const second = await migrateRedshift(engine, { ledger, schema: 'warehouse' });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toHaveLength(4);
    expect(emulator.server.callsOf('ExecuteStatement')).toHaveLength(before);
  });

  test('the warehouse relations answer, and the weekly view excludes resellers', async () => {
    await engine.query({
      label: 'test.load',
      sql: sql`INSERT INTO ${warehouse.table('daily_event_counts')} VALUES
        (${p.date('2026-01-05')}, ${p.str('c-1')}, ${p.str('SMB')}, ${p.str('login')}, ${p.int(3)}),
        (${p.date('2026-01-07')}, ${p.str('c-1')}, ${p.str('SMB')}, ${p.str('login')}, ${p.int(4)}),
        (${p.date('2026-01-12')}, ${p.str('c-2')}, ${p.str('Reseller')}, ${p.str('login')}, ${p.int(9)})`,
    });
    await engine.query({
      label: 'test.customers',
      sql: sql`INSERT INTO ${warehouse.table('customers')} VALUES (${p.str('c-1')}, ${p.str('SMB')}, ${p.str('DE')}, ${p.str("Zoë O'Neil")}, ${p.str('zoe@example.com')}, ${p.timestamp('2025-12-01T08:00:00Z')})`,
    });
    const weekly = await engine.query({ label: 'test.weekly', sql: sql`SELECT * FROM warehouse.weekly_event_counts ORDER BY 1` });
    expect(weekly.rows).toEqual([{ first_day_of_week: '2026-01-05', customer_type: 'SMB', event_type: 'login', total_events: 7 }]);
    const customers = await engine.query({ label: 'customers.byId', sql: sql`SELECT customer_id, name, created_at FROM ${warehouse.table('customers')} WHERE customer_id IN ${p.list([p.str('c-1'), p.str('c-9')])}` });
    expect(customers.rows).toEqual([{ customer_id: 'c-1', name: "Zoë O'Neil", created_at: '2025-12-01T08:00:00.000Z' }]);
  });
});

describe('values and parameters', () => {
  test('every Redshift type arrives as the DuckDB adapter gives it', async () => {
    const result = await engine.query({
      label: 'test.types',
      sql: sql`SELECT CAST(7 AS SMALLINT) AS small, CAST(42 AS INTEGER) AS int, CAST(9007199254740991 AS BIGINT) AS big,
        CAST(1.50 AS DECIMAL(10,2)) AS dec, CAST(0.1 AS DOUBLE PRECISION) AS dbl, CAST(0.1 AS REAL) AS flt, TRUE AS bool,
        DATE '2026-01-31' AS d, TIMESTAMP '2026-01-31 10:00:00.123456' AS ts, 'ünïcødé' AS s,
        JSON_PARSE('{"a": [1, 2]}') AS sup, CAST(NULL AS VARCHAR) AS n`,
    });
    expect(result.rows).toEqual([
      { small: 7, int: 42, big: 9007199254740991, dec: '1.50', dbl: 0.1, flt: Math.fround(0.1), bool: true, d: '2026-01-31', ts: '2026-01-31T10:00:00.123Z', s: 'ünïcødé', sup: '{"a":[1,2]}', n: null },
    ]);
    expect(result.columns.map((c) => c.type)).toEqual(['int2', 'int4', 'int8', 'numeric', 'float8', 'float4', 'bool', 'date', 'timestamp', 'varchar', 'super', 'varchar']);
  });

  test.each(["'; DROP TABLE x; --", "O'Brien", 'a:p1 b', 'ünïcødé ✓', "x' OR '1'='1", '', '\\'])('the value %p comes back unchanged', async (value) => {
    const before = emulator.server.callsOf('ExecuteStatement').length;
    const result = await engine.query({ label: 'test.echo', sql: sql`SELECT ${p.str(value)} AS v` });
    expect(result.rows).toEqual([{ v: value }]);
    const call = emulator.server.callsOf('ExecuteStatement')[before]!;
    if (value === '') expect(call.input.Sql).toBe(`SELECT '' AS v`);
    else {
      expect(call.input.Sql).toBe('SELECT :p1 AS v');
      expect(call.input.Parameters).toEqual([{ name: 'p1', value }]);
    }
  });

  test('typed parameters are cast in SQL; NULL is a typed constant', async () => {
    const result = await engine.query({
      label: 'test.typed',
      sql: sql`SELECT ${p.int(-5)} + 1 AS i, ${p.num(2.5)} * 2 AS x, ${p.bool(false)} AS b, ${p.date('2026-02-28')} AS d, ${p.timestamp('2026-02-28T23:59:59.999Z')} AS t, ${{ kind: 'param', type: 'bigint', value: null }} AS n`,
    });
    expect(result.rows).toEqual([{ i: -4, x: 5, b: false, d: '2026-02-28', t: '2026-02-28T23:59:59.999Z', n: null }]);
  });
});

describe('results', () => {
  beforeAll(async () => {
    const c = await emulator.duckdb.connect();
    await c.run(`CREATE TABLE warehouse.numbers AS SELECT CAST(i AS BIGINT) AS i, 'n' || i AS label FROM range(5000) t(i)`);
    c.closeSync();
  });

  test('5,000 rows over pages followed by NextToken', async () => {
    const before = emulator.server.callsOf('GetStatementResult').length;
    const result = await engine.query({ label: 'test.pages', sql: sql`SELECT i, label FROM warehouse.numbers ORDER BY i` });
    expect(result.rows).toHaveLength(5000);
    expect(result.rows[4999]).toEqual({ i: 4999, label: 'n4999' });
    expect(result.rows.every((r, i) => r.i === i)).toBe(true);
    const pages = emulator.server.callsOf('GetStatementResult').slice(before);
    expect(pages).toHaveLength(5);
    expect(pages.slice(1).every((c) => typeof c.input.NextToken === 'string')).toBe(true);
  });

  test('an empty result has its columns and no rows; DDL has no result set', async () => {
    const empty = await engine.query({ label: 'test.empty', sql: sql`SELECT i FROM warehouse.numbers WHERE i < ${p.int(0)}` });
    expect(empty.rows).toEqual([]);
    expect(empty.columns).toEqual([{ name: 'i', type: 'int8' }]);
    const before = emulator.server.callsOf('GetStatementResult').length;
    const ddl = await engine.query({ label: 'test.ddl', sql: sql`CREATE TABLE IF NOT EXISTS warehouse.scratch (a INT)` });
    expect(ddl.rows).toEqual([]);
    expect(emulator.server.callsOf('GetStatementResult')).toHaveLength(before);
  });
});

describe('cost', () => {
  test("engine time is Redshift's Duration; cost is RPU-hours at the base capacity with a 60 s minimum", async () => {
    emulator.setLatency(40);
    const scope = newQueryScope('req-cost');
    const result = await runInQueryScope(scope, () => engine.query({ label: 'warehouse.count', sql: sql`SELECT COUNT(*) AS n FROM warehouse.numbers` }));
    expect(result.rows).toEqual([{ n: 5000 }]);
    expect(scope.queries).toEqual([result.stats]);
    expect(result.stats).toMatchObject({ backend: 'redshift', label: 'warehouse.count', rows: 1, bytesScanned: 0, queryId: expect.any(String) });
    expect(result.stats.engineMs).toBeGreaterThanOrEqual(40);
    expect(result.stats.costUsd).toBeCloseTo((60 / 3600) * 8 * 0.375, 12);
    expect(defaultRedshiftPricing(0.375, 8, 60)(0, 120_000)).toBeCloseTo((120 / 3600) * 8 * 0.375, 12);
  });
});

describe('faults', () => {
  test('ActiveStatementsExceededException (not retried by the SDK) is retried with the same ClientToken', async () => {
    const before = emulator.server.callsOf('ExecuteStatement').length;
    const statements = emulator.statements.size;
    emulator.server.injectFault({ operation: 'ExecuteStatement', times: 3, error: { type: 'ActiveStatementsExceededException', message: 'Active statements exceeded the allowed quota.' } });
    const result = await engine.query({ label: 'test.busy', sql: sql`SELECT 1 AS one` });
    expect(result.rows).toEqual([{ one: 1 }]);
    const calls = emulator.server.callsOf('ExecuteStatement').slice(before);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.input.ClientToken)).size).toBe(1);
    expect(emulator.statements.size).toBe(statements + 1);
  });

  test('the active-statement limit is waited out', async () => {
    const limited = await startRedshiftDataEmulator({ maxActiveStatements: 1, latencyMs: 40 });
    const client = redshiftEngineFor(limited.endpoint);
    try {
      const results = await Promise.all([1, 2, 3].map((n) => client.query({ label: 'test.limit', sql: sql`SELECT ${p.int(n)} AS n` })));
      expect(results.map((r) => r.rows[0]!.n)).toEqual([1, 2, 3]);
    } finally {
      await client.close();
      await limited.close();
    }
  });

  test('a FAILED statement with a transient cause is a retryable BACKEND_UNAVAILABLE', async () => {
    emulator.failNextStatements(1, { message: 'ERROR: could not serialize access due to concurrent update' });
    const error = await failure(engine.query({ label: 'test.conflict', sql: sql`SELECT 1 AS one` }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  test('a FAILED statement of its own making is a BACKEND_QUERY_FAILED', async () => {
    const error = await failure(engine.query({ label: 'test.missing', sql: sql`SELECT * FROM warehouse.no_such_table WHERE a = ${p.str('secret@example.com')}` }));
    expect(error.code).toBe('BACKEND_QUERY_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/does not exist/);
    expect(error.message).not.toContain('secret@example.com');
  });

  test('a statement slower than its timeout is cancelled (CancelStatement) and fails with BACKEND_TIMEOUT', async () => {
    emulator.delayNextStatements(1, 10_000);
    const error = await failure(engine.query({ label: 'test.slow', sql: sql`SELECT 1 AS one`, timeoutMs: 300 }));
    expect(error.code).toBe('BACKEND_TIMEOUT');
    const id = error.details.queryId as string;
    expect(emulator.cancelled).toContain(id);
    expect(emulator.statements.get(id)!.status).toBe('ABORTED');
  });

  test("the query's abort signal cancels it", async () => {
    emulator.delayNextStatements(1, 10_000);
    const controller = new AbortController();
    const accounted: QueryStats[] = [];
    const remove = addQuerySink((s) => s.label === 'test.abort' && accounted.push(s));
    try {
      const pending = engine.query({ label: 'test.abort', sql: sql`SELECT 1 AS one`, signal: controller.signal });
      setTimeout(() => controller.abort(), 150);
      const error = await failure(pending);
      expect(error.code).toBe('BACKEND_TIMEOUT');
      expect(error.details.aborted).toBe(true);
      const last = [...emulator.statements.values()].at(-1)!;
      expect(emulator.cancelled).toContain(last.id);
      expect(accounted).toHaveLength(1);
    } finally {
      remove();
    }
  });

  test('a provisioned cluster target sends ClusterIdentifier with SecretArn or DbUser', async () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rs-AbCdEf';
    const viaSecret = redshiftEngineFor(emulator.endpoint, { target: { clusterIdentifier: 'dw-1', secretArn: secret } });
    const viaUser = redshiftEngineFor(emulator.endpoint, { target: { clusterIdentifier: 'dw-1', dbUser: 'lakegate' } });
    try {
      await viaSecret.query({ label: 'test.cluster', sql: sql`SELECT 1 AS one` });
      expect(emulator.server.callsOf('ExecuteStatement').at(-1)!.input).toMatchObject({ ClusterIdentifier: 'dw-1', SecretArn: secret, Database: 'dev' });
      await viaUser.query({ label: 'test.cluster', sql: sql`SELECT 1 AS one` });
      expect(emulator.server.callsOf('ExecuteStatement').at(-1)!.input).toMatchObject({ ClusterIdentifier: 'dw-1', DbUser: 'lakegate' });
    } finally {
      await viaSecret.close();
      await viaUser.close();
    }
  });

  test('a backend down at the first call works later without a restart of the engine', async () => {
    const port = await freePort();
    const client = redshiftEngineFor(`http://127.0.0.1:${port}`);
    let later: RedshiftDataEmulator | undefined;
    try {
      const down = await failure(client.query({ label: 'test.down', sql: sql`SELECT 1 AS one` }));
      expect(down.code).toBe('BACKEND_UNAVAILABLE');
      await expect(client.ping()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      later = await startRedshiftDataEmulator({ port });
      await client.ping();
      expect((await client.query({ label: 'test.up', sql: sql`SELECT 1 AS one` })).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
      await later?.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
