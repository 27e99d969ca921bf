import { athenaLiteral, renderAthenaSql, MAX_EXECUTION_PARAMETER_LENGTH } from '../../../src/adapters/athena/athena-sql';
import { AppError } from '../../../src/errors/app-error';
import { p, raw, sql } from '../../../src/ports/sql';
import { bindExecutionParameters, isLiteral } from '../../emulators/athena-translate';

const HOSTILE = ["'; DROP TABLE x; --", "O'Brien", "''", "\\'", 'a?b', 'ünïcødé ✓ 日本語', "x' OR '1'='1", '/* c */', '-- c', '"quoted"'];

describe('renderAthenaSql', () => {
  test('uses ? placeholders and puts every value in ExecutionParameters', () => {
    const statement = renderAthenaSql(sql`SELECT * FROM ${raw('"lake"."events"')} WHERE day BETWEEN ${p.date('2026-01-01')} AND ${p.date('2026-01-31')} AND customer_id = ${p.str('c-1')} LIMIT ${raw('10')}`);
    expect(statement.text).toBe(`SELECT * FROM "lake"."events" WHERE day BETWEEN ? AND ? AND customer_id = ? LIMIT 10`);
    expect(statement.executionParameters).toEqual([`DATE '2026-01-01'`, `DATE '2026-01-31'`, `'c-1'`]);
  });

  test('omits ExecutionParameters when there are none (Athena rejects an empty list)', () => {
    expect(renderAthenaSql(sql`SELECT 1`).executionParameters).toBeUndefined();
  });

  test('renders each type as a literal', () => {
    expect(athenaLiteral(p.int(-42))).toBe('CAST(-42 AS BIGINT)');
    expect(athenaLiteral(p.num(1.5))).toBe(`CAST('1.5' AS DOUBLE)`);
    expect(athenaLiteral(p.num(Number.NaN))).toBe(`CAST('NaN' AS DOUBLE)`);
    expect(athenaLiteral(p.num(1e21))).toBe(`CAST('1e+21' AS DOUBLE)`);
    expect(athenaLiteral(p.bool(true))).toBe('true');
    expect(athenaLiteral(p.bool(false))).toBe('false');
    expect(athenaLiteral(p.timestamp('2026-01-31T10:00:00.123Z'))).toBe(`TIMESTAMP '2026-01-31 10:00:00.123'`);
    expect(athenaLiteral(p.timestamp('2026-01-31T12:00:00+02:00'))).toBe(`TIMESTAMP '2026-01-31 10:00:00.000'`);
    expect(athenaLiteral({ kind: 'param', type: 'date', value: null })).toBe('CAST(NULL AS DATE)');
    expect(athenaLiteral({ kind: 'param', type: 'varchar', value: null })).toBe('CAST(NULL AS VARCHAR)');
  });

  test.each(HOSTILE)('a hostile string %p stays one quoted literal', (value) => {
    const literal = athenaLiteral(p.str(value));
    expect(literal).toBe(`'${value.replace(/'/g, "''")}'`);
    // Inside, every quote is doubled: the literal cannot end early.
    expect(literal.slice(1, -1).replace(/''/g, '')).not.toContain("'");
    // The emulator accepts it as exactly one literal, as Athena does.
    expect(isLiteral(literal)).toBe(true);
  });

  test('every rendered literal is accepted by the emulator as a single literal', () => {
    const params = [p.int(7), p.num(-0.25), p.bool(true), p.date('2026-02-28'), p.timestamp('2026-02-28T23:59:59.999Z'), p.str('x')];
    for (const param of params) expect(isLiteral(athenaLiteral(param))).toBe(true);
    expect(isLiteral("'a'; DROP TABLE x")).toBe(false);
    expect(isLiteral('1 OR 1=1')).toBe(false);
    expect(isLiteral('(SELECT 1)')).toBe(false);
  });

  test('the emulator binds parameters in order and checks their count', () => {
    const statement = renderAthenaSql(sql`SELECT a FROM t WHERE a = ${p.str('a?')} AND b = ${p.int(2)} AND c = '?'`);
    expect(statement.text).toBe(`SELECT a FROM t WHERE a = ? AND b = ? AND c = '?'`);
    expect(bindExecutionParameters(statement.text, statement.executionParameters)).toBe(`SELECT a FROM t WHERE a = ('a?') AND b = (CAST(2 AS BIGINT)) AND c = '?'`);
    expect(() => bindExecutionParameters('SELECT a FROM t WHERE a = ? AND b = ?', [`'a'`])).toThrow(/Incorrect number of parameters/);
  });

  test('values in WHERE clauses are parameters; elsewhere they are the same checked literal in the text', () => {
    const statement = renderAthenaSql(
      sql`SELECT ${p.str("it's")} AS label, (SELECT max(x) FROM u WHERE u.k = ${p.int(1)}) AS m
          FROM t JOIN v ON v.id = t.id AND v.kind = ${p.str('k')}
          WHERE t.day BETWEEN ${p.date('2026-01-01')} AND ${p.date('2026-01-02')} AND t.c IN (${p.str('a')}, lower(${p.str('B')}))
          GROUP BY 1 HAVING COUNT(*) > ${p.int(3)}`,
    );
    expect(statement.text).toBe(
      `SELECT 'it''s' AS label, (SELECT max(x) FROM u WHERE u.k = ?) AS m
          FROM t JOIN v ON v.id = t.id AND v.kind = 'k'
          WHERE t.day BETWEEN ? AND ? AND t.c IN (?, lower(?))
          GROUP BY 1 HAVING COUNT(*) > CAST(3 AS BIGINT)`,
    );
    expect(statement.executionParameters).toEqual(['CAST(1 AS BIGINT)', `DATE '2026-01-01'`, `DATE '2026-01-02'`, `'a'`, `'B'`]);
    // The emulator enforces the same rules Athena documents.
    expect(() => bindExecutionParameters(statement.text, statement.executionParameters)).not.toThrow();
    expect(() => bindExecutionParameters('SELECT ? AS v', [`'x'`])).toThrow(/only supported in WHERE clauses/);
  });

  test('statements Athena cannot parameterize (DELETE, OPTIMIZE, ...) get checked literals only', () => {
    const statement = renderAthenaSql(sql`DELETE FROM "lake"."events" WHERE customer_id = ${p.str("c-1' OR '1'='1")} AND day = ${p.date('2026-01-01')}`);
    expect(statement).toEqual({ text: `DELETE FROM "lake"."events" WHERE customer_id = 'c-1'' OR ''1''=''1' AND day = DATE '2026-01-01'`, executionParameters: undefined });
    expect(() => bindExecutionParameters('DELETE FROM t WHERE a = ?', [`'x'`])).toThrow(/only supported in SELECT, INSERT INTO, CTAS and UNLOAD/);
  });

  test('refuses values that are not what their type says, naming the type', () => {
    expect(() => athenaLiteral(p.date('2026-02-30'))).toThrow(AppError);
    expect(() => athenaLiteral(p.date("2026-01-01' OR '1'='1"))).toThrow(/date/);
    expect(() => athenaLiteral(p.timestamp('yesterday'))).toThrow(/timestamp/);
    expect(() => athenaLiteral({ kind: 'param', type: 'bigint', value: 1.5 })).toThrow(/integer/);
    expect(() => athenaLiteral({ kind: 'param', type: 'varchar', value: 'a\u0000b' })).toThrow(/NUL/);
  });

  test('refuses a value longer than an execution parameter may be', () => {
    expect(() => athenaLiteral(p.str('x'.repeat(MAX_EXECUTION_PARAMETER_LENGTH)))).toThrow(/longer than Athena accepts/);
    expect(athenaLiteral(p.str('x'.repeat(MAX_EXECUTION_PARAMETER_LENGTH - 2)))).toHaveLength(MAX_EXECUTION_PARAMETER_LENGTH);
  });
});
