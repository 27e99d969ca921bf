import { renderRedshiftSql } from '../../../src/adapters/redshift-data/redshift-sql';
import { AppError } from '../../../src/errors/app-error';
import { p, raw, sql } from '../../../src/ports/sql';
import { redshiftToDuckDb } from '../../emulators/redshift-format';

describe('renderRedshiftSql', () => {
  test('named placeholders, values as strings, non-text values cast in the SQL', () => {
    const statement = renderRedshiftSql(
      sql`SELECT * FROM ${raw('"warehouse"."daily_event_counts"')} WHERE day BETWEEN ${p.date('2026-01-01')} AND ${p.date('2026-01-31')} AND customer_id = ${p.str('c-1')} AND total_events > ${p.int(5)} AND ${p.bool(true)} AND x < ${p.num(2.5)} AND t < ${p.timestamp('2026-01-31T10:00:00Z')}`,
    );
    expect(statement.text).toBe(
      'SELECT * FROM "warehouse"."daily_event_counts" WHERE day BETWEEN CAST(:p1 AS DATE) AND CAST(:p2 AS DATE) AND customer_id = :p3 AND total_events > CAST(:p4 AS BIGINT) AND CAST(:p5 AS BOOLEAN) AND x < CAST(:p6 AS DOUBLE PRECISION) AND t < CAST(:p7 AS TIMESTAMP)',
    );
    expect(statement.parameters).toEqual([
      { name: 'p1', value: '2026-01-01' },
      { name: 'p2', value: '2026-01-31' },
      { name: 'p3', value: 'c-1' },
      { name: 'p4', value: '5' },
      { name: 'p5', value: 'true' },
      { name: 'p6', value: '2.5' },
      { name: 'p7', value: '2026-01-31 10:00:00.000' },
    ]);
  });

  test('NULL and empty strings (which the Data API cannot carry) become constants', () => {
    const statement = renderRedshiftSql(sql`SELECT ${{ kind: 'param', type: 'date', value: null }} AS a, ${p.str('')} AS b, ${p.str('x')} AS c`);
    expect(statement.text).toBe(`SELECT CAST(NULL AS DATE) AS a, '' AS b, :p1 AS c`);
    expect(statement.parameters).toEqual([{ name: 'p1', value: 'x' }]);
  });

  test('hostile strings travel as parameter values, never in the SQL text', () => {
    const hostile = "'; DROP TABLE x; --";
    const statement = renderRedshiftSql(sql`SELECT ${p.str(hostile)} AS v`);
    expect(statement.text).toBe('SELECT :p1 AS v');
    expect(statement.parameters).toEqual([{ name: 'p1', value: hostile }]);
  });

  test('no Parameters when there are none', () => {
    expect(renderRedshiftSql(sql`SELECT 1`).parameters).toBeUndefined();
  });

  test('refuses values that are not what their type says', () => {
    expect(() => renderRedshiftSql(sql`SELECT ${p.date('2026-13-01')}`)).toThrow(AppError);
    expect(() => renderRedshiftSql(sql`SELECT ${p.timestamp('now')}`)).toThrow(/timestamp/);
  });

  test('the emulator maps :name to DuckDB $name outside strings and :: casts', () => {
    const { sql: text, names } = redshiftToDuckDb(`SELECT :p1, ':p2', x::int, CAST(:p3 AS DATE) -- :p4`);
    expect(text).toBe(`SELECT $p1, ':p2', x::int, CAST($p3 AS DATE) -- :p4`);
    expect(names).toEqual(['p1', 'p3']);
  });
});

describe('the emulator translates the DDL of migrations/redshift', () => {
  test('drops Redshift table attributes and unenforced primary keys', () => {
    const { sql: text } = redshiftToDuckDb(`CREATE TABLE IF NOT EXISTS w.c (\n  id VARCHAR(128) NOT NULL,\n  doc SUPER,\n  PRIMARY KEY (id)\n)\nDISTSTYLE KEY\nDISTKEY (id)\nCOMPOUND SORTKEY (id, doc)`);
    expect(text.replace(/\s+/g, ' ').trim()).toBe('CREATE TABLE IF NOT EXISTS w.c ( id VARCHAR(128) NOT NULL, doc JSON )');
  });

  test("runs Redshift's VACUUM variants as DuckDB's VACUUM <table>", () => {
    expect(redshiftToDuckDb('VACUUM DELETE ONLY "warehouse"."customers" TO 100 PERCENT').sql).toBe('VACUUM "warehouse"."customers"');
    expect(redshiftToDuckDb('VACUUM FULL w.c TO 75 PERCENT BOOST').sql).toBe('VACUUM w.c');
  });
});
