import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Field } from '@aws-sdk/client-redshift-data';
import { redshiftConverter, timestampCell, zonedTimestampCell } from '../../../src/adapters/redshift-data/redshift-values';
import { toSqlCell } from '../../../src/adapters/duckdb/values';
import { exactLongValues } from '../../../src/adapters/redshift-data/exact-long-values';
import { jsonWithExactIntegers, redshiftColumnMetadata, redshiftField, redshiftTimestamp } from '../../emulators/redshift-format';

/** Redshift Data API values (as the emulator encodes them) must convert to exactly what DuckDB gives. */
const EXPRESSIONS: Record<string, string> = {
  smallint: 'CAST(-7 AS SMALLINT)',
  integer: 'CAST(2147483647 AS INTEGER)',
  bigint: 'CAST(9007199254740991 AS BIGINT)',
  bigint_huge: 'CAST(9223372036854775807 AS BIGINT)',
  bigint_negative: 'CAST(-9007199254740993 AS BIGINT)',
  sum_hugeint: 'SUM(x)',
  decimal: 'CAST(1.50 AS DECIMAL(10,2))',
  decimal_big: 'CAST(12345678901234567890.123 AS DECIMAL(38,3))',
  double: 'CAST(0.1 AS DOUBLE)',
  double_large: 'CAST(1e21 AS DOUBLE)',
  float: 'CAST(0.1 AS FLOAT)',
  boolean: 'true',
  date: "DATE '2026-01-31'",
  timestamp: "TIMESTAMP '2026-01-31 10:00:00'",
  timestamp_us: "TIMESTAMP '2026-01-31 10:00:00.123456'",
  timestamp_before_epoch: "TIMESTAMP '1969-12-31 23:59:59.5'",
  timestamptz: "TIMESTAMPTZ '2026-01-31 12:00:00+02'",
  varchar: "'ünïcødé ✓'",
  varchar_empty: "''",
  json: `json('{"a": [1, 2]}')`,
  null_varchar: 'CAST(NULL AS VARCHAR)',
  null_bigint: 'CAST(NULL AS BIGINT)',
  null_timestamp: 'CAST(NULL AS TIMESTAMP)',
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

describe('Redshift values equal DuckDB values', () => {
  test.each(Object.entries(EXPRESSIONS))('%s', async (name, expression) => {
    const reader = await connection.runAndReadAll(`SELECT ${expression} AS v FROM (SELECT CAST(5 AS BIGINT) AS x)`);
    const type = reader.columnTypes()[0]!;
    const value = reader.getRows()[0]![0]!;
    // As it crosses the wire: exact JSON from Redshift, rewritten by the client before parsing.
    const field = JSON.parse(exactLongValues(jsonWithExactIntegers(redshiftField(value, type)))) as Field;
    const actual = redshiftConverter(redshiftColumnMetadata('v', type))(field);
    expect({ name, value: actual }).toEqual({ name, value: toSqlCell(value, type) });
  });
});

describe('Redshift text forms', () => {
  test('isNull and a missing field are null', () => {
    expect(redshiftConverter({ typeName: 'int8' })({ isNull: true })).toBeNull();
    expect(redshiftConverter({ typeName: 'varchar' })(undefined)).toBeNull();
  });

  test('int8 sent as a string beyond 2^53 stays exact', () => {
    expect(redshiftConverter({ typeName: 'int8' })({ stringValue: '9007199254740993' })).toBe(9007199254740993n);
  });

  test('timestamps as Redshift prints them', () => {
    expect(redshiftTimestamp(1_769_853_600_000_000n)).toBe('2026-01-31 10:00:00');
    expect(redshiftTimestamp(1_769_853_600_120_000n)).toBe('2026-01-31 10:00:00.12');
    expect(timestampCell('2026-01-31 10:00:00.12')).toBe('2026-01-31T10:00:00.120Z');
    expect(zonedTimestampCell('2026-01-31 15:30:00+05:30')).toBe('2026-01-31T10:00:00.000Z');
  });

  test('the client keeps only unsafe longValues as strings', () => {
    expect(exactLongValues('{"Records":[[{"longValue":9007199254740993},{"longValue":42},{"longValue":-9223372036854775808}]]}')).toBe(
      '{"Records":[[{"stringValue":"9007199254740993"},{"longValue":42},{"stringValue":"-9223372036854775808"}]]}',
    );
    expect(exactLongValues('{"stringValue":"longValue: 12345678901234567890"}')).toBe('{"stringValue":"longValue: 12345678901234567890"}');
  });

  test('super stays JSON text, numeric stays exact text', () => {
    expect(redshiftConverter({ typeName: 'super' })({ stringValue: '{"a":1}' })).toBe('{"a":1}');
    expect(redshiftConverter({ typeName: 'numeric' })({ stringValue: '0.10' })).toBe('0.10');
    expect(redshiftConverter({ typeName: 'bool' })({ booleanValue: false })).toBe(false);
  });
});
