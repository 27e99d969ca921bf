import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { athenaConverter, parseNested, timestampCell, zonedTimestampCell } from '../../../src/adapters/athena/athena-values';
import { toSqlCell } from '../../../src/adapters/duckdb/values';
import { athenaColumnInfo, athenaText, javaDouble, javaFloat } from '../../emulators/athena-format';

/**
 * The Athena adapter must give exactly the values the DuckDB adapter gives. Each
 * expression runs once in DuckDB; its value goes (a) through the DuckDB adapter's
 * conversion and (b) through Athena's text form (as the emulator writes it) and
 * the Athena adapter's conversion. Both must be equal.
 */
const EXPRESSIONS: Record<string, string> = {
  tinyint: 'CAST(-7 AS TINYINT)',
  smallint: 'CAST(300 AS SMALLINT)',
  integer: 'CAST(2147483647 AS INTEGER)',
  bigint: 'CAST(9007199254740991 AS BIGINT)',
  bigint_huge: 'CAST(9223372036854775807 AS BIGINT)',
  bigint_negative: 'CAST(-9223372036854775808 AS BIGINT)',
  sum_hugeint: 'SUM(x) FILTER (WHERE true)',
  decimal: 'CAST(1.50 AS DECIMAL(10,2))',
  decimal_negative: 'CAST(-0.05 AS DECIMAL(38,4))',
  decimal_big: 'CAST(12345678901234567890.123 AS DECIMAL(38,3))',
  double: 'CAST(0.1 AS DOUBLE)',
  double_large: 'CAST(1e21 AS DOUBLE)',
  double_small: 'CAST(1.5e-7 AS DOUBLE)',
  double_whole: 'CAST(3 AS DOUBLE)',
  double_nan: "CAST('NaN' AS DOUBLE)",
  double_inf: "CAST('-Infinity' AS DOUBLE)",
  float: 'CAST(0.1 AS FLOAT)',
  float_whole: 'CAST(2 AS FLOAT)',
  boolean_true: 'true',
  boolean_false: 'false',
  date: "DATE '2026-01-31'",
  date_old: "DATE '1969-12-31'",
  timestamp: "TIMESTAMP '2026-01-31 10:00:00'",
  timestamp_ms: "TIMESTAMP '2026-01-31 10:00:00.123456'",
  timestamp_before_epoch: "TIMESTAMP '1969-12-31 23:59:59.999'",
  timestamptz: "TIMESTAMPTZ '2026-01-31 12:00:00+02'",
  varchar: "'hello'",
  varchar_empty: "''",
  varchar_unicode: "'ünïcødé ✓ 日本語'",
  varchar_quotes: "'it''s \"quoted\"'",
  json: `json('{"a": [1, 2], "b": "x"}')`,
  array_int: '[1, 2, 3]',
  array_empty: 'CAST([] AS INTEGER[])',
  array_str: "['a', 'b c']",
  array_null: '[1, NULL]',
  array_double: '[1.5::DOUBLE, -2.25::DOUBLE]',
  array_dates: "[DATE '2026-01-01']",
  array_nested: '[[1, 2], [3]]',
  map: "MAP(['a', 'b'], [1, 2])",
  map_int_keys: "MAP([1, 2], ['x', 'y'])",
  row: 'CAST(ROW(1, 2) AS STRUCT(x INTEGER, y INTEGER))',
  row_nested: "{'x': 1, 'inner': {'s': 'v', 'list': [true, false]}}",
  array_of_rows: "[{'k': 1}, {'k': 2}]",
  null_varchar: 'CAST(NULL AS VARCHAR)',
  null_bigint: 'CAST(NULL AS BIGINT)',
  null_date: 'CAST(NULL AS DATE)',
  null_array: 'CAST(NULL AS INTEGER[])',
};

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

describe('Athena values equal DuckDB values', () => {
  test.each(Object.entries(EXPRESSIONS))('%s', async (name, expression) => {
    const reader = await connection.runAndReadAll(`SELECT ${expression} AS v FROM (SELECT CAST(5 AS BIGINT) AS x)`);
    const type = reader.columnTypes()[0]!;
    const value = reader.getRows()[0]![0]!;
    const expected = toSqlCell(value, type);
    const column = athenaColumnInfo('v', type);
    const actual = athenaConverter(column)(athenaText(value, type));
    expect({ name, value: actual }).toEqual({ name, value: expected });
  });
});

describe('Athena text forms', () => {
  test('NULL (no VarCharValue) is null for every type', () => {
    for (const type of ['varchar', 'bigint', 'integer', 'double', 'float', 'boolean', 'date', 'timestamp', 'decimal', 'array', 'map', 'row', 'json']) {
      expect(athenaConverter({ Type: type })(undefined)).toBeNull();
    }
    expect(athenaConverter({ Type: 'unknown' })('x')).toBeNull();
  });

  test('an empty string stays an empty string', () => {
    expect(athenaConverter({ Type: 'varchar' })('')).toBe('');
  });

  test('bigints beyond 2^53 stay exact', () => {
    expect(athenaConverter({ Type: 'bigint' })('9007199254740993')).toBe(9007199254740993n);
    expect(athenaConverter({ Type: 'bigint' })('42')).toBe(42);
  });

  test('timestamps of any precision become ISO UTC with milliseconds', () => {
    expect(timestampCell('2026-01-31 10:00:00.000')).toBe('2026-01-31T10:00:00.000Z');
    expect(timestampCell('2026-01-31 10:00:00.123456')).toBe('2026-01-31T10:00:00.123Z');
    expect(timestampCell('2026-01-31 10:00:00')).toBe('2026-01-31T10:00:00.000Z');
    expect(zonedTimestampCell('2026-01-31 10:00:00.000 UTC')).toBe('2026-01-31T10:00:00.000Z');
    expect(zonedTimestampCell('2026-01-31 12:00:00.000 +02:00')).toBe('2026-01-31T10:00:00.000Z');
    expect(zonedTimestampCell('2026-07-01 12:00:00.000 Europe/Berlin')).toBe('2026-07-01T10:00:00.000Z');
    expect(athenaConverter({ Type: 'timestamp with time zone' })('2026-01-31 05:00:00.000 America/New_York')).toBe('2026-01-31T10:00:00.000Z');
  });

  test("nested values in Trino's display format", () => {
    expect(parseNested('[1, 2]')).toEqual([1, 2]);
    expect(parseNested('[]')).toEqual([]);
    expect(parseNested('{a=1, b=null}')).toEqual({ a: 1, b: null });
    expect(parseNested('{x=1, y=2}')).toEqual({ x: 1, y: 2 });
    expect(parseNested('[{x=1, y=[a, b]}, {x=2, y=[]}]')).toEqual([
      { x: 1, y: ['a', 'b'] },
      { x: 2, y: [] },
    ]);
    expect(parseNested('{1, a}')).toEqual({ field0: 1, field1: 'a' });
    expect(parseNested('[2026-01-31 10:00:00.000, true, 1.5, -3]')).toEqual(['2026-01-31T10:00:00.000Z', true, 1.5, -3]);
  });

  test('Java number formatting (what Trino prints for double and real)', () => {
    expect(javaDouble(1)).toBe('1.0');
    expect(javaDouble(0.001)).toBe('0.001');
    expect(javaDouble(1e-4)).toBe('1.0E-4');
    expect(javaDouble(1e7)).toBe('1.0E7');
    expect(javaDouble(1234567.5)).toBe('1234567.5');
    expect(javaDouble(-2.5e-10)).toBe('-2.5E-10');
    expect(javaDouble(Number.NaN)).toBe('NaN');
    expect(javaFloat(Math.fround(0.1))).toBe('0.1');
    expect(javaFloat(Math.fround(3.4e38))).toBe('3.4E38');
  });
});
