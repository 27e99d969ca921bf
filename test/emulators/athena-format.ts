import {
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBListType,
  DuckDBListValue,
  DuckDBArrayType,
  DuckDBArrayValue,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * DuckDB results in Athena's shapes: ColumnInfo with Athena (Trino) type names and
 * every value as the text Athena puts in Datum.VarCharValue. NULL has no
 * VarCharValue. Nested values use Trino's display format: arrays `[1, 2]`, maps
 * `{a=1}`, rows `{x=1, y=2}`, strings unquoted, NULL inside as `null`.
 */
export interface AthenaColumnInfo {
  CatalogName: string;
  SchemaName: string;
  TableName: string;
  Name: string;
  Label: string;
  Type: string;
  Precision: number;
  Scale: number;
  Nullable: 'UNKNOWN';
  CaseSensitive: boolean;
}

export function athenaColumnInfo(name: string, type: DuckDBType): AthenaColumnInfo {
  const athenaType = athenaTypeName(type);
  let precision = 0;
  let scale = 0;
  if (type instanceof DuckDBDecimalType) {
    precision = type.width;
    scale = type.scale;
  } else if (athenaType === 'varchar') precision = 2147483647;
  else if (athenaType === 'bigint') precision = 19;
  else if (athenaType === 'integer') precision = 10;
  else if (athenaType === 'double') precision = 17;
  else if (athenaType === 'timestamp') precision = 3;
  return {
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Type: athenaType,
    Precision: precision,
    Scale: scale,
    Nullable: 'UNKNOWN',
    CaseSensitive: athenaType === 'varchar',
  };
}

export function athenaTypeName(type: DuckDBType): string {
  if (type.alias === 'JSON') return 'json';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
      return 'tinyint';
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return 'smallint';
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return 'integer';
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT: // DuckDB's SUM(BIGINT); Trino's is bigint
    case DuckDBTypeId.UHUGEINT:
      return 'bigint';
    case DuckDBTypeId.FLOAT:
      return 'float';
    case DuckDBTypeId.DOUBLE:
      return 'double';
    case DuckDBTypeId.DECIMAL:
      return 'decimal';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp with time zone';
    case DuckDBTypeId.TIME:
      return 'time';
    case DuckDBTypeId.BLOB:
      return 'varbinary';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return 'array';
    case DuckDBTypeId.MAP:
      return 'map';
    case DuckDBTypeId.STRUCT:
      return 'row';
    case DuckDBTypeId.SQLNULL:
      return 'unknown';
    default:
      return 'varchar';
  }
}

/** A top-level value as VarCharValue text (undefined for NULL). */
export function athenaText(value: DuckDBValue, type: DuckDBType): string | undefined {
  if (value === null || value === undefined) return undefined;
  return format(value, type);
}

function format(value: DuckDBValue, type: DuckDBType): string {
  if (value === null || value === undefined) return 'null';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value ? 'true' : 'false';
    case DuckDBTypeId.DOUBLE:
      return javaDouble(Number(value));
    case DuckDBTypeId.FLOAT:
      return javaFloat(Number(value));
    case DuckDBTypeId.DECIMAL:
      return value instanceof DuckDBDecimalValue ? value.toString() : String(value);
    case DuckDBTypeId.DATE:
      return value instanceof DuckDBDateValue ? value.toString() : String(value);
    case DuckDBTypeId.TIMESTAMP:
      return value instanceof DuckDBTimestampValue ? timestampText(value.micros) : String(value);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return value instanceof DuckDBTimestampTZValue ? `${timestampText(value.micros)} UTC` : String(value);
    case DuckDBTypeId.LIST:
      if (value instanceof DuckDBListValue && type instanceof DuckDBListType) return `[${value.items.map((v) => format(v, type.valueType)).join(', ')}]`;
      return String(value);
    case DuckDBTypeId.ARRAY:
      if (value instanceof DuckDBArrayValue && type instanceof DuckDBArrayType) return `[${value.items.map((v) => format(v, type.valueType)).join(', ')}]`;
      return String(value);
    case DuckDBTypeId.MAP:
      if (value instanceof DuckDBMapValue && type instanceof DuckDBMapType) {
        return `{${value.entries.map((e) => `${format(e.key, type.keyType)}=${format(e.value, type.valueType)}`).join(', ')}}`;
      }
      return String(value);
    case DuckDBTypeId.STRUCT:
      if (value instanceof DuckDBStructValue && type instanceof DuckDBStructType) {
        return `{${type.entryNames.map((name, i) => `${name}=${format(value.entries[name] ?? null, type.entryTypes[i]!)}`).join(', ')}}`;
      }
      return String(value);
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

/** Trino prints timestamp(3): 'YYYY-MM-DD HH:MM:SS.mmm' (DuckDB's microseconds truncated). */
export function timestampText(micros: bigint): string {
  const ms = micros >= 0n ? micros / 1000n : (micros - 999n) / 1000n;
  return new Date(Number(ms)).toISOString().replace('T', ' ').replace('Z', '');
}

/** Java's Double.toString, which Trino uses for double values. */
export function javaDouble(value: number): string {
  return javaStyle(value, String(value));
}

/** Java's Float.toString: the shortest decimal that reads back as the same float32. */
export function javaFloat(value: number): string {
  if (!Number.isFinite(value)) return javaStyle(value, String(value));
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return javaStyle(candidate, String(candidate));
  }
  return javaStyle(value, String(value));
}

function javaStyle(value: number, shortest: string): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = shortest.includes('e') ? value.toFixed(20).replace(/0+$/, '') : shortest;
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}
