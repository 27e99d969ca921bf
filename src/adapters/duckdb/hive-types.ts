/**
 * DuckDB column types as the Glue catalog spells them (Hive DDL types), so the
 * embedded catalog answers like Glue: VARCHAR -> string, INTEGER -> int, ...
 */
const SIMPLE: Record<string, string> = {
  VARCHAR: 'string',
  JSON: 'string',
  UUID: 'string',
  BIGINT: 'bigint',
  UBIGINT: 'bigint',
  HUGEINT: 'decimal(38,0)',
  INTEGER: 'int',
  UINTEGER: 'bigint',
  SMALLINT: 'smallint',
  USMALLINT: 'int',
  TINYINT: 'tinyint',
  UTINYINT: 'smallint',
  DOUBLE: 'double',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  BLOB: 'binary',
};

export function hiveType(duckDbType: string): string {
  const type = duckDbType.trim().toUpperCase();
  const simple = SIMPLE[type];
  if (simple) return simple;
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  if (type.endsWith('[]')) return `array<${hiveType(duckDbType.trim().slice(0, -2))}>`;
  return duckDbType.toLowerCase();
}
