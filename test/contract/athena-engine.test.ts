import { createServer } from 'node:net';
import path from 'node:path';
import { defaultAthenaPricing, type AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { AppError } from '../../src/errors/app-error';
import { addQuerySink, newQueryScope, runInQueryScope } from '../../src/observability/query-accounting';
import type { QueryStats } from '../../src/ports/sql-engine';
import { p, raw, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { listLakeFiles } from '../emulators/athena-redshift-duckdb';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * AthenaEngine through the real AWS SDK v3 client over HTTP, against the Athena
 * emulator (DuckDB over real Parquet files).
 */
const EVENTS = 5_000;
const lakeDir = tempDir('athena-engine');
let emulator: AthenaEmulator;
let engine: AthenaEngine;
const accounted: QueryStats[] = [];
let removeSink: () => void;

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(EVENTS, '2026-01-01', 5), 4);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir });
  engine = athenaEngineFor(emulator.endpoint);
  removeSink = addQuerySink((stats) => accounted.push(stats));
});

afterAll(async () => {
  removeSink();
  await engine.close();
  await emulator.close();
  lakeDir.remove();
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

const EVENTS_TABLE = raw('"lake"."events"');

describe('values', () => {
  test('every Athena type arrives as the DuckDB adapter gives it', async () => {
    const result = await engine.query({
      label: 'test.types',
      sql: sql`SELECT CAST(7 AS TINYINT) AS tiny, CAST(9007199254740993 AS BIGINT) AS big, CAST(42 AS INTEGER) AS int,
        CAST(1.50 AS DECIMAL(10,2)) AS dec, CAST(0.1 AS DOUBLE) AS dbl, CAST(0.1 AS REAL) AS flt, true AS bool,
        DATE '2026-01-31' AS d, TIMESTAMP '2026-01-31 10:00:00.123' AS ts, 'ünïcødé' AS s, '' AS empty,
        ARRAY[1, 2] AS arr, MAP(ARRAY['a', 'b'], ARRAY[1, 2]) AS m, CAST(ROW(1, 'x') AS ROW(x INTEGER, y VARCHAR)) AS r,
        json_parse('{"a": [1, 2]}') AS j, CAST(NULL AS VARCHAR) AS n`,
    });
    expect(result.rows).toEqual([
      {
        tiny: 7,
        big: 9007199254740993n,
        int: 42,
        dec: '1.50',
        dbl: 0.1,
        flt: Math.fround(0.1),
        bool: true,
        d: '2026-01-31',
        ts: '2026-01-31T10:00:00.123Z',
        s: 'ünïcødé',
        empty: '',
        arr: [1, 2],
        m: { a: 1, b: 2 },
        r: { x: 1, y: 'x' },
        j: '{"a":[1,2]}',
        n: null,
      },
    ]);
    expect(result.columns.map((c) => c.type)).toEqual([
      'tinyint', 'bigint', 'integer', 'decimal(10,2)', 'double', 'float', 'boolean', 'date', 'timestamp', 'varchar', 'varchar', 'array', 'map', 'row', 'json', 'varchar',
    ]);
  });

  test('lake rows: timestamps, dates and the day partition', async () => {
    const result = await engine.query({
      label: 'test.lake',
      sql: sql`SELECT event_id, occurred_at, day, customer_id FROM ${EVENTS_TABLE} WHERE day = ${p.date('2026-01-02')} AND event_id = ${p.str('e-000001')}`,
    });
    expect(result.rows).toEqual([{ event_id: 'e-000001', occurred_at: expect.stringMatching(/^2026-01-02T\d{2}:\d{2}:\d{2}\.001Z$/), day: '2026-01-02', customer_id: 'c-1' }]);
  });
});

describe('parameters', () => {
  const hostile = ["'; DROP TABLE x; --", "O'Brien", "it''s", 'a?b', 'ünïcødé ✓ 日本語', "x' OR '1'='1", '\\', '"'];

  beforeAll(async () => {
    const c = await emulator.duckdb.connect();
    await c.run(`CREATE TABLE lake.words (w VARCHAR)`);
    const appender = await c.createAppender('words', 'lake');
    for (const w of [...hostile, 'plain']) {
      appender.appendVarchar(w);
      appender.endRow();
    }
    appender.closeSync();
    c.closeSync();
  });

  test.each(hostile)('the value %p matches exactly itself as a WHERE parameter, never as SQL text', async (value) => {
    const before = emulator.server.callsOf('StartQueryExecution').length;
    const result = await engine.query({ label: 'test.where', sql: sql`SELECT w, length(w) AS n FROM "lake"."words" WHERE w = ${p.str(value)}` });
    expect(result.rows).toEqual([{ w: value, n: [...value].length }]);
    const call = emulator.server.callsOf('StartQueryExecution')[before]!;
    expect(call.input.QueryString).toBe('SELECT w, length(w) AS n FROM "lake"."words" WHERE w = ?');
    expect(call.input.ExecutionParameters).toEqual([`'${value.replace(/'/g, "''")}'`]);
  });

  test.each(hostile)('the value %p selected as a literal comes back unchanged', async (value) => {
    const result = await engine.query({ label: 'test.echo', sql: sql`SELECT ${p.str(value)} AS v` });
    expect(result.rows).toEqual([{ v: value }]);
  });

  test('an injection attempt in a filter matches nothing instead of everything', async () => {
    const result = await engine.query({
      label: 'test.filter',
      sql: sql`SELECT COUNT(*) AS n FROM ${EVENTS_TABLE} WHERE day BETWEEN ${p.date('2026-01-01')} AND ${p.date('2026-01-05')} AND customer_id = ${p.str("c-1' OR '1'='1")}`,
    });
    expect(result.rows).toEqual([{ n: 0 }]);
  });

  test('typed parameters: dates, timestamps, numbers, booleans, IN lists, NULL', async () => {
    const result = await engine.query({
      label: 'test.typed',
      sql: sql`SELECT COUNT(*) AS n, ${p.int(-5)} AS i, ${p.num(2.5)} AS x, ${p.bool(false)} AS b, ${{ kind: 'param', type: 'date', value: null }} AS nd
        FROM ${EVENTS_TABLE}
        WHERE day BETWEEN ${p.date('2026-01-02')} AND ${p.date('2026-01-03')}
          AND occurred_at < ${p.timestamp('2026-01-03T12:00:00Z')}
          AND event_type IN ${p.list([p.str('login'), p.str('payment')])}`,
    });
    expect(result.rows[0]).toMatchObject({ i: -5, x: 2.5, b: false, nd: null });
    expect(result.rows[0]!.n).toBeGreaterThan(0);
  });
});

describe('results', () => {
  test('5,000 rows over six pages of at most 1000 rows, the header row skipped once', async () => {
    const before = emulator.server.callsOf('GetQueryResults').length;
    const result = await engine.query({
      label: 'test.pages',
      sql: sql`SELECT event_id FROM ${EVENTS_TABLE} WHERE day BETWEEN ${p.date('2026-01-01')} AND ${p.date('2026-01-05')} ORDER BY event_id`,
    });
    expect(result.rows).toHaveLength(EVENTS);
    expect(result.rows[0]).toEqual({ event_id: 'e-000000' });
    expect(result.rows[EVENTS - 1]).toEqual({ event_id: `e-${String(EVENTS - 1).padStart(6, '0')}` });
    expect(new Set(result.rows.map((r) => r.event_id)).size).toBe(EVENTS);
    const pages = emulator.server.callsOf('GetQueryResults').slice(before);
    expect(pages).toHaveLength(6); // 1 header + 5000 rows = 5001 rows at 1000 a page
    expect(pages.every((c) => c.input.MaxResults === 1000)).toBe(true);
    expect(pages[0]!.input.NextToken).toBeUndefined();
    expect(pages.slice(1).every((c) => typeof c.input.NextToken === 'string')).toBe(true);
  });

  test('an empty result has its columns and no rows', async () => {
    const result = await engine.query({
      label: 'test.empty',
      sql: sql`SELECT event_id, day FROM ${EVENTS_TABLE} WHERE day = ${p.date('2025-06-01')}`,
    });
    expect(result.rows).toEqual([]);
    expect(result.columns).toEqual([
      { name: 'event_id', type: 'varchar' },
      { name: 'day', type: 'date' },
    ]);
  });
});

describe('cost accounting', () => {
  test('bytes scanned and engine time of each execution are accounted, priced at 5 USD per TB with a 10 MB minimum', async () => {
    emulator.setLatency(30);
    const scope = newQueryScope('req-cost');
    const result = await runInQueryScope(scope, () =>
      engine.query({ label: 'events.count', sql: sql`SELECT COUNT(*) AS n FROM ${EVENTS_TABLE} WHERE day BETWEEN ${p.date('2026-01-02')} AND ${p.date('2026-01-03')}` }),
    );
    // What Athena reports scanning (the emulator: the column chunks the query reads, of the days in range), as sent.
    const expectedBytes = [...emulator.executions.values()].find((e) => e.id === result.stats.queryId)!.scannedBytes;
    const daysBytes = listLakeFiles(path.join(lakeDir.dir, 'events'))
      .filter((f) => f.day >= '2026-01-02' && f.day <= '2026-01-03')
      .reduce((sum, f) => sum + f.bytes, 0);
    expect(expectedBytes).toBeGreaterThan(0);
    expect(expectedBytes).toBeLessThan(daysBytes); // COUNT(*) reads one column's chunks, not the files
    expect(result.rows).toEqual([{ n: 2000 }]);
    expect(scope.queries).toHaveLength(1);
    const stats = scope.queries[0]!;
    expect(stats).toMatchObject({ backend: 'athena', label: 'events.count', bytesScanned: expectedBytes, rows: 1, queryId: expect.any(String) });
    expect(stats.engineMs).toBeGreaterThanOrEqual(30);
    expect(stats.costUsd).toBe(defaultAthenaPricing()(expectedBytes));
    expect(stats.costUsd).toBeCloseTo((10 * 1024 * 1024 * 5) / 1e12, 15); // under 10 MB: the minimum
    expect(result.stats).toEqual(stats);
  });

  test('pricing is configurable', async () => {
    const priced = athenaEngineFor(emulator.endpoint, {}, { pricing: (bytes) => bytes * 2 });
    try {
      const result = await priced.query({ label: 'test.priced', sql: sql`SELECT COUNT(*) AS n FROM ${EVENTS_TABLE} WHERE day = ${p.date('2026-01-01')}` });
      expect(result.stats.costUsd).toBe(result.stats.bytesScanned * 2);
      expect(result.stats.bytesScanned).toBeGreaterThan(0);
    } finally {
      await priced.close();
    }
  });

  test('a reused result (result reuse on) is neither scanned nor billed again', async () => {
    const reusing = athenaEngineFor(emulator.endpoint, { resultReuse: true, resultReuseMaxAgeMinutes: 5 });
    try {
      const q = () => reusing.query({ label: 'test.reuse', sql: sql`SELECT COUNT(*) AS n FROM ${EVENTS_TABLE} WHERE day = ${p.date('2026-01-04')}` });
      const first = await q();
      const second = await q();
      expect(second.rows).toEqual(first.rows);
      expect(first.stats.costUsd).toBeGreaterThan(0);
      expect(second.stats).toMatchObject({ bytesScanned: 0, costUsd: 0 });
      const start = emulator.server.callsOf('StartQueryExecution').at(-1)!;
      expect(start.input.ResultReuseConfiguration).toEqual({ ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 5 } });
    } finally {
      await reusing.close();
    }
  });
});

describe('faults', () => {
  test('throttled starts are retried with the same ClientRequestToken (one execution)', async () => {
    const startsBefore = emulator.server.callsOf('StartQueryExecution').length;
    const executionsBefore = emulator.executions.size;
    emulator.server.injectFault({ operation: 'StartQueryExecution', times: 4, error: { type: 'TooManyRequestsException', message: 'Rate exceeded' } });
    const result = await engine.query({ label: 'test.throttled', sql: sql`SELECT 1 AS one` });
    expect(result.rows).toEqual([{ one: 1 }]);
    const starts = emulator.server.callsOf('StartQueryExecution').slice(startsBefore);
    expect(starts.length).toBe(5); // 4 throttled (SDK and engine retries) + 1 accepted
    expect(new Set(starts.map((c) => c.input.ClientRequestToken)).size).toBe(1);
    expect(emulator.executions.size).toBe(executionsBefore + 1);
  });

  test('the concurrent-query limit is waited out', async () => {
    const limited = await startAthenaEmulator({ dataDir: lakeDir.dir, maxConcurrentQueries: 1, latencyMs: 40 });
    const client = athenaEngineFor(limited.endpoint);
    try {
      const results = await Promise.all([1, 2, 3].map((n) => client.query({ label: 'test.limit', sql: sql`SELECT ${p.int(n)} AS n` })));
      expect(results.map((r) => r.rows[0]!.n)).toEqual([1, 2, 3]);
      expect(limited.executions.size).toBe(3);
    } finally {
      await client.close();
      await limited.close();
    }
  });

  test('a FAILED query marked Retryable is resubmitted', async () => {
    const before = emulator.executions.size;
    emulator.failNextQueries(1, { category: 1, retryable: true, message: 'GENERIC_INTERNAL_ERROR: node lost' });
    const result = await engine.query({ label: 'test.retry', sql: sql`SELECT 2 AS two` });
    expect(result.rows).toEqual([{ two: 2 }]);
    const runs = [...emulator.executions.values()].slice(before);
    expect(runs.map((e) => e.state)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  test('a Retryable failure that persists is a retryable BACKEND_UNAVAILABLE', async () => {
    emulator.failNextQueries(2, { category: 1, retryable: true });
    const error = await failure(engine.query({ label: 'test.retry2', sql: sql`SELECT 3 AS three` }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ backend: 'athena', label: 'test.retry2', errorCategory: 1 });
  });

  test('a user error is not retried; its message hides quoted values', async () => {
    const before = emulator.executions.size;
    emulator.failNextQueries(1, { category: 2, retryable: false, message: "COLUMN_NOT_FOUND: line 1:8: Column 'secret@example.com' cannot be resolved" });
    const error = await failure(engine.query({ label: 'test.user', sql: sql`SELECT 4 AS four` }));
    expect(error.code).toBe('BACKEND_QUERY_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('COLUMN_NOT_FOUND');
    expect(error.message).not.toContain('secret@example.com');
    expect(emulator.executions.size).toBe(before + 1);
  });

  test('an engine error from the SQL itself fails as the user error it is', async () => {
    const error = await failure(engine.query({ label: 'test.badcolumn', sql: sql`SELECT no_such_column FROM ${EVENTS_TABLE}` }));
    expect(error.code).toBe('BACKEND_QUERY_FAILED');
    expect(error.message).toMatch(/COLUMN_NOT_FOUND/);
    expect(error.details.errorCategory).toBe(2);
  });

  test('a query slower than its timeout is stopped (StopQueryExecution) and fails with BACKEND_TIMEOUT', async () => {
    emulator.delayNextQueries(1, 10_000);
    const sink: QueryStats[] = [];
    const remove = addQuerySink((s) => s.label === 'test.slow' && sink.push(s));
    try {
      const error = await failure(engine.query({ label: 'test.slow', sql: sql`SELECT 5 AS five`, timeoutMs: 300 }));
      expect(error.code).toBe('BACKEND_TIMEOUT');
      expect(error.retryable).toBe(true);
      const id = error.details.queryId as string;
      expect(emulator.stopped).toContain(id);
      expect(emulator.executions.get(id)!.state).toBe('CANCELLED');
      expect(sink).toHaveLength(1);
      expect(sink[0]).toMatchObject({ label: 'test.slow', queryId: id, rows: 0 });
    } finally {
      remove();
    }
  });

  test("the query's abort signal stops it", async () => {
    emulator.delayNextQueries(1, 10_000);
    const controller = new AbortController();
    const pending = engine.query({ label: 'test.abort', sql: sql`SELECT 6 AS six`, signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    const error = await failure(pending);
    expect(error.code).toBe('BACKEND_TIMEOUT');
    expect(error.details.aborted).toBe(true);
    const last = [...emulator.executions.values()].at(-1)!;
    expect(emulator.stopped).toContain(last.id);
    expect(last.state).toBe('CANCELLED');
  });

  test("the request's signal (currentSignal) stops it too", async () => {
    emulator.delayNextQueries(1, 10_000);
    const controller = new AbortController();
    const scope = newQueryScope('req-abort', controller.signal);
    const pending = runInQueryScope(scope, () => engine.query({ label: 'test.scopeAbort', sql: sql`SELECT 7 AS seven` }));
    setTimeout(() => controller.abort(new AppError('BACKEND_TIMEOUT', 'request timed out')), 150);
    const error = await failure(pending);
    expect(error.message).toBe('request timed out');
    const last = [...emulator.executions.values()].at(-1)!;
    expect(emulator.stopped).toContain(last.id);
    expect(scope.queries.map((q) => q.label)).toEqual(['test.scopeAbort']);
  });

  test('a backend down at the first call works later without a restart of the engine', async () => {
    const port = await freePort();
    const client = athenaEngineFor(`http://127.0.0.1:${port}`);
    let later: AthenaEmulator | undefined;
    try {
      const down = await failure(client.query({ label: 'test.down', sql: sql`SELECT 8 AS eight` }));
      expect(down.code).toBe('BACKEND_UNAVAILABLE');
      expect(down.retryable).toBe(true);
      await expect(client.ping()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      later = await startAthenaEmulator({ dataDir: lakeDir.dir, port });
      await client.ping();
      expect((await client.query({ label: 'test.up', sql: sql`SELECT 8 AS eight` })).rows).toEqual([{ eight: 8 }]);
    } finally {
      await client.close();
      await later?.close();
    }
  });

  test('a request Athena rejects is a BACKEND_QUERY_FAILED naming the operation', async () => {
    const noOutput = athenaEngineFor(emulator.endpoint, { outputLocation: undefined });
    try {
      const error = await failure(noOutput.query({ label: 'test.nooutput', sql: sql`SELECT 1 AS one` }));
      expect(error.code).toBe('BACKEND_QUERY_FAILED');
      expect(error.message).toMatch(/StartQueryExecution.*output location/);
    } finally {
      await noOutput.close();
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
