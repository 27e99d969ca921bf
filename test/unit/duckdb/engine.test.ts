import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbDatabase } from '../../../src/adapters/duckdb/database';
import { DuckDbEngine } from '../../../src/adapters/duckdb/engine';
import { AppError, ErrorCode } from '../../../src/errors/app-error';
import { addQuerySink, newQueryScope, runInQueryScope } from '../../../src/observability/query-accounting';
import type { QueryStats } from '../../../src/ports/sql-engine';
import { p, sql } from '../../../src/ports/sql';

// A statement that runs for minutes unless interrupted.
const SLOW = sql`SELECT SUM(hash(i)) AS s FROM range(CAST(1e12 AS BIGINT)) t(i)`;

describe('DuckDbEngine', () => {
  let engine: DuckDbEngine;
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lakegate-engine-'));
    engine = new DuckDbEngine(new DuckDbDatabase({ path: path.join(tmp, 'warehouse.duckdb'), threads: 2, maxConnections: 3 }), {
      pricing: (s) => s.bytesScanned * 1e-9,
    });
  });
  afterAll(async () => {
    await engine.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('normalizes structs, maps, lists of structs, JSON, tz timestamps and huge integers', async () => {
    const { rows, columns } = await engine.query({
      label: 'test.types',
      sql: sql`SELECT {'a': 1, 'b': [DATE '2026-01-01']} AS s, MAP {'k': 2.5} AS m, [{'x': 1}, {'x': 2}] AS l,
                      CAST('{"a":[1,2]}' AS JSON) AS j, TIMESTAMPTZ '2026-01-31 12:00:00.5+02' AS tz,
                      CAST(170141183460469231731687303715884105727 AS HUGEINT) AS huge, CAST(3 AS UTINYINT) AS tiny,
                      CAST(1.5 AS FLOAT) AS f, TIMESTAMP_MS '2026-01-01 00:00:00.007' AS ms, CAST('abc' AS BLOB) AS bin`,
    });
    expect(rows[0]).toEqual({
      s: { a: 1, b: ['2026-01-01'] },
      m: { k: '2.5' },
      l: [{ x: 1 }, { x: 2 }],
      j: '{"a":[1,2]}',
      tz: '2026-01-31T10:00:00.500Z',
      huge: 170141183460469231731687303715884105727n,
      tiny: 3,
      f: 1.5,
      ms: '2026-01-01T00:00:00.007Z',
      bin: Buffer.from('abc').toString('base64'),
    });
    expect(columns.find((c) => c.name === 'j')?.type).toBe('JSON');
  });

  it('binds timestamps with offsets, microseconds and no zone as UTC', async () => {
    const { rows } = await engine.query({
      label: 'test.timestamps',
      sql: sql`SELECT ${p.timestamp('2026-01-31T12:00:00+02:00')} AS a, ${p.timestamp('2026-01-31 10:00:00.123456')} AS b, CAST(${p.timestamp('2026-01-31T10:00:00.123456Z')} AS VARCHAR) AS c`,
    });
    expect(rows[0]).toEqual({ a: '2026-01-31T10:00:00.000Z', b: '2026-01-31T10:00:00.123Z', c: '2026-01-31 10:00:00.123456' });
  });

  it('binds NULL parameters', async () => {
    const { rows } = await engine.query({ label: 'test.null', sql: sql`SELECT ${{ kind: 'param', type: 'varchar', value: null }} IS NULL AS isnull` });
    expect(rows[0]!.isnull).toBe(true);
  });

  it('rejects malformed date and timestamp parameters before running anything', async () => {
    for (const bad of [p.date('2026-02-30'), p.date('31/01/2026'), p.timestamp('yesterday'), p.timestamp('2026-01-31T25:00:00Z')]) {
      const error = await engine.query({ label: 'test.badParam', sql: sql`SELECT ${bad} AS v` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(ErrorCode.BACKEND_QUERY_FAILED);
    }
  });

  it('keeps a parameter that looks like SQL out of the statement', async () => {
    await engine.query({ label: 'test.setup', sql: sql`CREATE TABLE IF NOT EXISTS victims (name VARCHAR)` });
    await engine.query({ label: 'test.insert', sql: sql`INSERT INTO victims VALUES (${p.str("x'); DROP TABLE victims; --")})` });
    const { rows } = await engine.query({ label: 'test.count', sql: sql`SELECT name FROM victims` });
    expect(rows).toEqual([{ name: "x'); DROP TABLE victims; --" }]);
  });

  it('refuses several statements in one query', async () => {
    const error = await engine.query({ label: 'test.multi', sql: sql`SELECT 1; SELECT 2` }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe(ErrorCode.BACKEND_QUERY_FAILED);
  });

  it('stops a query at its timeout with BACKEND_TIMEOUT, and the connection serves the next query', async () => {
    const error = await engine.query({ label: 'test.slow', sql: SLOW, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.BACKEND_TIMEOUT);
    expect((error as AppError).details).toMatchObject({ backend: 'duckdb', label: 'test.slow', timeoutMs: 150 });
    // Every pooled connection still works after an interrupt.
    const results = await Promise.all([1, 2, 3, 4].map((n) => engine.query({ label: 'test.after', sql: sql`SELECT ${p.int(n)} AS n` })));
    expect(results.map((r) => r.rows[0]!.n)).toEqual([1, 2, 3, 4]);
  });

  it('cancels a running query when its signal aborts, and uses the request signal of the query scope', async () => {
    const controller = new AbortController();
    const running = engine.query({ label: 'test.cancel', sql: SLOW, signal: controller.signal, timeoutMs: 60_000 }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 100);
    const error = await running;
    expect((error as AppError).code).toBe(ErrorCode.BACKEND_TIMEOUT);

    const scoped = new AbortController();
    const reason = new AppError(ErrorCode.BACKEND_TIMEOUT, 'request deadline');
    const fromScope = runInQueryScope(newQueryScope('req-1', scoped.signal), () => engine.query({ label: 'test.scope', sql: SLOW, timeoutMs: 60_000 })).catch((e: unknown) => e);
    setTimeout(() => scoped.abort(reason), 100);
    expect(await fromScope).toBe(reason);
  });

  it('runs queries on several connections at once', async () => {
    // Three slow statements finish together only if they run in parallel; the
    // fourth query waits for a free connection and still completes.
    const slow = [1, 2, 3].map(() => engine.query({ label: 'test.parallel', sql: SLOW, timeoutMs: 300 }).catch((e: unknown) => e));
    const quick = engine.query({ label: 'test.queued', sql: sql`SELECT 42 AS x` });
    const errors = await Promise.all(slow);
    expect(errors.every((e) => (e as AppError).code === ErrorCode.BACKEND_TIMEOUT)).toBe(true);
    expect((await quick).rows[0]!.x).toBe(42);
  });

  it('accounts every query, failed ones included, into the request scope', async () => {
    const seen: QueryStats[] = [];
    const remove = addQuerySink((s) => seen.push(s));
    const scope = newQueryScope('req-2');
    try {
      await runInQueryScope(scope, async () => {
        await engine.query({ label: 'test.ok', sql: sql`SELECT 1 AS x`, bytesHint: 2e9, partitions: 3, files: 7 });
        await engine.query({ label: 'test.fail', sql: sql`SELECT * FROM missing_table` }).catch(() => undefined);
      });
    } finally {
      remove();
    }
    expect(scope.queries.map((q) => q.label)).toEqual(['test.ok', 'test.fail']);
    expect(scope.queries[0]).toMatchObject({ backend: 'duckdb', rows: 1, bytesScanned: 2e9, partitions: 3, files: 7, costUsd: 2 });
    expect(seen.map((q) => q.label)).toEqual(['test.ok', 'test.fail']);
  });

  it('maps IO errors to BACKEND_UNAVAILABLE', async () => {
    const error = await engine.query({ label: 'test.io', sql: sql`SELECT * FROM read_parquet('/nonexistent/lakegate/file.parquet')` }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
    expect((error as AppError).message).not.toContain('/nonexistent');
  });
});

describe('DuckDbDatabase open', () => {
  it('reports a file it cannot open as BACKEND_UNAVAILABLE and retries on the next call', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'lakegate-open-'));
    const file = path.join(tmp, 'warehouse.duckdb');
    writeFileSync(file, 'this is not a duckdb file');
    const engine = new DuckDbEngine(new DuckDbDatabase({ path: file }));
    try {
      const first = await engine.query({ label: 'test.open', sql: sql`SELECT 1 AS x` }).catch((e: unknown) => e);
      expect((first as AppError).code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
      await expect(engine.ping()).rejects.toMatchObject({ code: ErrorCode.BACKEND_UNAVAILABLE });
      rmSync(file);
      const { rows } = await engine.query({ label: 'test.open', sql: sql`SELECT 1 AS x` });
      expect(rows).toEqual([{ x: 1 }]);
    } finally {
      await engine.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('applies the timeout to waiting for a connection too', async () => {
    const engine = new DuckDbEngine(new DuckDbDatabase({ path: ':memory:', maxConnections: 1 }));
    try {
      const holder = engine.query({ label: 'test.holder', sql: SLOW, timeoutMs: 2000 }).catch((e: unknown) => e);
      const waiter = await engine.query({ label: 'test.waiter', sql: sql`SELECT 1 AS x`, timeoutMs: 100 }).catch((e: unknown) => e);
      expect((waiter as AppError).code).toBe(ErrorCode.BACKEND_TIMEOUT);
      expect((waiter as AppError).details).toMatchObject({ label: 'test.waiter' });
      expect(((await holder) as AppError).code).toBe(ErrorCode.BACKEND_TIMEOUT);
    } finally {
      await engine.close();
    }
  });

  it('refuses work after close', async () => {
    const engine = new DuckDbEngine(new DuckDbDatabase({ path: ':memory:' }));
    await engine.query({ label: 'test.before', sql: sql`SELECT 1 AS x` });
    await engine.close();
    await expect(engine.query({ label: 'test.after', sql: sql`SELECT 1 AS x` })).rejects.toMatchObject({ code: ErrorCode.BACKEND_UNAVAILABLE });
  });
});
