import { AppError, ErrorCode } from '../../src/errors/app-error';
import { addQuerySink } from '../../src/observability/query-accounting';
import type { QueryStats, SqlEngine } from '../../src/ports/sql-engine';
import { p, sql } from '../../src/ports/sql';

/**
 * What every SqlEngine adapter must do, whatever the engine: the normalized value
 * of each SQL type (src/ports/sql-engine.ts), typed parameters that are values and
 * never SQL, empty results with their columns, errors as AppErrors, and one
 * accounted QueryStats per query. The SQL stays in the subset DuckDB, Trino
 * (Athena) and Redshift share.
 */
export interface SqlEngineContractOptions {
  /** Arrays and rows (Redshift has no ARRAY[] / ROW literals). Default true. */
  nested?: boolean;
}

export interface EngineUnderTest {
  engine: SqlEngine;
  close?: () => Promise<void>;
}

export function describeSqlEngineContract(name: string, makeEngine: () => Promise<EngineUnderTest>, options: SqlEngineContractOptions = {}): void {
  describe(`SqlEngine contract: ${name}`, () => {
    let subject: EngineUnderTest;
    let engine: SqlEngine;
    let accounted: QueryStats[];
    let removeSink: () => void;

    beforeAll(async () => {
      subject = await makeEngine();
      engine = subject.engine;
    });
    afterAll(async () => {
      await (subject.close ? subject.close() : engine.close());
    });
    beforeEach(() => {
      accounted = [];
      removeSink = addQuerySink((stats) => accounted.push(stats));
    });
    afterEach(() => removeSink());

    const one = async (fragment: ReturnType<typeof sql>) => {
      const result = await engine.query({ label: 'contract.value', sql: fragment });
      expect(result.rows).toHaveLength(1);
      return result.rows[0]!;
    };

    it('maps integers to numbers, and to bigint beyond 2^53', async () => {
      const row = await one(sql`SELECT CAST(42 AS INTEGER) AS i, CAST(-7 AS BIGINT) AS b, CAST(9007199254740993 AS BIGINT) AS big`);
      expect(row.i).toBe(42);
      expect(row.b).toBe(-7);
      expect(row.big).toBe(9007199254740993n);
    });

    it('maps decimals to exact strings and doubles to numbers', async () => {
      const row = await one(sql`SELECT CAST(12.30 AS DECIMAL(10,2)) AS d, CAST(0.1 AS DOUBLE) AS f, CAST(123456789012.345678 AS DECIMAL(18,6)) AS wide`);
      expect(row.d).toBe('12.30');
      expect(row.f).toBeCloseTo(0.1, 12);
      expect(typeof row.f).toBe('number');
      expect(row.wide).toBe('123456789012.345678');
    });

    it('maps booleans, strings and NULL', async () => {
      const row = await one(sql`SELECT CAST(1 = 1 AS BOOLEAN) AS t, CAST(1 = 0 AS BOOLEAN) AS f, 'héllo ''quoted''' AS s, CAST(NULL AS VARCHAR) AS n`);
      expect(row).toEqual({ t: true, f: false, s: "héllo 'quoted'", n: null });
    });

    it("maps dates to 'YYYY-MM-DD' and timestamps to ISO UTC with milliseconds", async () => {
      const row = await one(sql`SELECT DATE '2026-01-31' AS d, TIMESTAMP '2026-01-31 10:00:00.123' AS ts, TIMESTAMP '1969-12-31 23:59:59.5' AS old`);
      expect(row.d).toBe('2026-01-31');
      expect(row.ts).toBe('2026-01-31T10:00:00.123Z');
      expect(row.old).toBe('1969-12-31T23:59:59.500Z');
    });

    if (options.nested !== false) {
      it('maps arrays to arrays', async () => {
        const row = await one(sql`SELECT ARRAY[1, 2, 3] AS a, ARRAY['x', 'y'] AS s`);
        expect(row.a).toEqual([1, 2, 3]);
        expect(row.s).toEqual(['x', 'y']);
      });
    }

    it('returns columns with names and types, in select order', async () => {
      const result = await engine.query({ label: 'contract.columns', sql: sql`SELECT CAST(1 AS BIGINT) AS first_col, 'x' AS second_col` });
      expect(result.columns.map((c) => c.name)).toEqual(['first_col', 'second_col']);
      expect(result.columns.every((c) => typeof c.type === 'string' && c.type.length > 0)).toBe(true);
    });

    it('binds every parameter type as a value', async () => {
      const row = await one(
        sql`SELECT ${p.str('text')} AS s, ${p.int(9007199254740991)} AS i, ${p.num(2.5)} AS n, ${p.bool(true)} AS b,
                   CAST(${p.date('2026-02-28')} AS DATE) AS d, CAST(${p.timestamp('2026-02-28T23:59:58.250Z')} AS TIMESTAMP) AS ts`,
      );
      expect(row).toEqual({ s: 'text', i: 9007199254740991, n: 2.5, b: true, d: '2026-02-28', ts: '2026-02-28T23:59:58.250Z' });
    });

    it('treats injection attempts in parameters as plain strings', async () => {
      const attacks = ["x' OR '1'='1", "'; DROP TABLE users; --", 'a\\b"c', '$1', '?', ':p1', "Robert'); DELETE FROM t;--", '日本語 ✓', 'line\nbreak'];
      for (const attack of attacks) {
        const row = await one(sql`SELECT ${p.str(attack)} AS v, CASE WHEN ${p.str(attack)} = ${p.str(attack)} THEN 1 ELSE 0 END AS same`);
        expect(row.v).toBe(attack);
        expect(row.same).toBe(1);
      }
    });

    it('filters with parameters in IN lists and comparisons', async () => {
      const result = await engine.query({
        label: 'contract.filter',
        sql: sql`SELECT v FROM (SELECT 'a' AS v UNION ALL SELECT 'b' UNION ALL SELECT 'c' UNION ALL SELECT 'd') t
                 WHERE v IN ${p.list([p.str('a'), p.str('c'), p.str("' OR 1=1 --")])} AND v <> ${p.str('z')} ORDER BY v`,
      });
      expect(result.rows.map((r) => r.v)).toEqual(['a', 'c']);
    });

    it('returns empty results with their columns', async () => {
      const result = await engine.query({ label: 'contract.empty', sql: sql`SELECT CAST(1 AS INTEGER) AS x, 'y' AS y FROM (SELECT 1 AS one) t WHERE 1 = 0` });
      expect(result.rows).toEqual([]);
      expect(result.columns.map((c) => c.name)).toEqual(['x', 'y']);
      expect(result.stats.rows).toBe(0);
    });

    it('accounts each query once with its label, rows and bytesHint', async () => {
      const result = await engine.query({ label: 'contract.accounting', sql: sql`SELECT 1 AS x UNION ALL SELECT 2`, bytesHint: 4096 });
      expect(result.stats.backend).toBe(engine.name);
      expect(result.stats.label).toBe('contract.accounting');
      expect(result.stats.rows).toBe(2);
      expect(result.stats.ms).toBeGreaterThanOrEqual(0);
      expect(result.stats.costUsd).toBeGreaterThanOrEqual(0);
      if (!engine.capabilities().measuresBytes) expect(result.stats.bytesScanned).toBe(4096);
      expect(accounted.filter((s) => s.label === 'contract.accounting')).toHaveLength(1);
    });

    it('turns SQL errors into BACKEND_QUERY_FAILED AppErrors without the SQL text', async () => {
      const secret = 'customer-secret-value';
      const error = await engine.query({ label: 'contract.bad', sql: sql`SELEC ${p.str(secret)}` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(ErrorCode.BACKEND_QUERY_FAILED);
      expect((error as AppError).message).toContain('contract.bad');
      expect((error as AppError).message).not.toContain(secret);
      const missing = await engine.query({ label: 'contract.missing', sql: sql`SELECT * FROM no_such_table_here` }).catch((e: unknown) => e);
      expect((missing as AppError).code).toBe(ErrorCode.BACKEND_QUERY_FAILED);
      expect(accounted.some((s) => s.label === 'contract.bad')).toBe(true);
    });

    it('refuses a query whose signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await engine.query({ label: 'contract.aborted', sql: sql`SELECT 1 AS x`, signal: controller.signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect([ErrorCode.BACKEND_TIMEOUT, ErrorCode.BACKEND_UNAVAILABLE]).toContain((error as AppError).code);
    });

    it('answers ping', async () => {
      await expect(engine.ping()).resolves.toBeUndefined();
    });
  });
}
