import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListType,
  DuckDBArrayType,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUnionType,
  DuckDBUnionValue,
  dateValue,
  timestampValue,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { SqlCell } from '../../ports/sql-engine';
import type { SqlParam } from '../../ports/sql';
import { isDay } from '../../util/days';

/**
 * DuckDB values <-> the engine-neutral forms of src/ports/sql-engine.ts:
 * integers as number (bigint beyond 2^53), DECIMAL as string, DATE as
 * 'YYYY-MM-DD', timestamps as ISO 8601 UTC with milliseconds, LIST/ARRAY as
 * arrays, STRUCT/MAP as plain objects, JSON and VARCHAR as strings.
 */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_JS_DATE_MS = 8_640_000_000_000_000n;

function integer(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value;
}

function isoFromMillis(millis: bigint, fallback: string): string {
  if (millis > MAX_JS_DATE_MS || millis < -MAX_JS_DATE_MS) return fallback; // 'infinity' and friends
  return new Date(Number(millis)).toISOString();
}

/** Floor division for negative timestamps (before 1970). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

export function toSqlCell(value: DuckDBValue, type: DuckDBType): SqlCell {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return Number(value);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === 'bigint' ? integer(value) : Number(value);
    case DuckDBTypeId.DECIMAL:
      return value instanceof DuckDBDecimalValue ? value.toString() : String(value);
    case DuckDBTypeId.DATE:
      return value instanceof DuckDBDateValue ? value.toString() : String(value);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
        return isoFromMillis(floorDiv(value.micros, 1000n), value.toString());
      }
      return String(value);
    case DuckDBTypeId.TIMESTAMP_MS:
      return value instanceof DuckDBTimestampMillisecondsValue ? isoFromMillis(value.millis, value.toString()) : String(value);
    case DuckDBTypeId.TIMESTAMP_S:
      return value instanceof DuckDBTimestampSecondsValue ? isoFromMillis(value.seconds * 1000n, value.toString()) : String(value);
    case DuckDBTypeId.TIMESTAMP_NS:
      return value instanceof DuckDBTimestampNanosecondsValue ? isoFromMillis(floorDiv(value.nanos, 1_000_000n), value.toString()) : String(value);
    case DuckDBTypeId.BLOB:
      return value instanceof DuckDBBlobValue ? Buffer.from(value.bytes).toString('base64') : String(value);
    case DuckDBTypeId.LIST:
      if (value instanceof DuckDBListValue && type instanceof DuckDBListType) return value.items.map((item) => toSqlCell(item, type.valueType));
      return String(value);
    case DuckDBTypeId.ARRAY:
      if (value instanceof DuckDBArrayValue && type instanceof DuckDBArrayType) return value.items.map((item) => toSqlCell(item, type.valueType));
      return String(value);
    case DuckDBTypeId.STRUCT:
      if (value instanceof DuckDBStructValue && type instanceof DuckDBStructType) {
        const out: { [key: string]: SqlCell } = {};
        type.entryNames.forEach((name, i) => {
          out[name] = toSqlCell(value.entries[name] ?? null, type.entryTypes[i]!);
        });
        return out;
      }
      return String(value);
    case DuckDBTypeId.MAP:
      if (value instanceof DuckDBMapValue && type instanceof DuckDBMapType) {
        const out: { [key: string]: SqlCell } = {};
        for (const entry of value.entries) {
          const key = toSqlCell(entry.key, type.keyType);
          out[typeof key === 'string' ? key : JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))] = toSqlCell(entry.value, type.valueType);
        }
        return out;
      }
      return String(value);
    case DuckDBTypeId.UNION:
      if (value instanceof DuckDBUnionValue && type instanceof DuckDBUnionType) {
        return toSqlCell(value.value, type.memberTypes[type.memberIndexForTag(value.tag)]!);
      }
      return String(value);
    case DuckDBTypeId.SQLNULL:
      return null;
    default:
      // VARCHAR (and JSON, its alias), ENUM, UUID, TIME, INTERVAL, BIT, ...
      return typeof value === 'string' ? value : String(value);
  }
}

/** A column type as SQL text ('BIGINT', 'DECIMAL(18,2)', 'JSON', 'VARCHAR[]'). */
/** A JSON object held in a VARCHAR column (Glue-style parameters, tags) as string -> string; {} when absent or not an object. */
export function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    return {};
  }
}

export function typeName(type: DuckDBType): string {
  return type.alias ?? type.toString();
}

const MS_PER_DAY = 86_400_000;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

/** Microseconds since the epoch of an ISO 8601 timestamp (no zone = UTC); keeps microseconds. */
export function timestampMicros(text: string): bigint {
  const match = TIMESTAMP.exec(text.trim());
  if (!match || !isDay(match[1]!)) throw new ParamError(`expected an ISO 8601 timestamp, got ${JSON.stringify(text.slice(0, 40))}`);
  const [, day, hh, mm, ss = '00', fraction = '', zone = 'Z'] = match;
  const zoneText = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const seconds = Date.parse(`${day}T${hh}:${mm}:${ss}${zoneText}`);
  if (Number.isNaN(seconds) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) {
    throw new ParamError(`expected an ISO 8601 timestamp, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return BigInt(seconds) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

/** Binds typed parameters to `$1..$n`; values are never spliced into the SQL text. */
export function bindParams(statement: DuckDBPreparedStatement, params: readonly SqlParam[]): void {
  params.forEach((param, i) => {
    const index = i + 1;
    const { value } = param;
    if (value === null) {
      statement.bindNull(index);
      return;
    }
    switch (param.type) {
      case 'varchar':
        statement.bindVarchar(index, String(value));
        return;
      case 'bigint':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ParamError(`parameter $${index} is not a safe integer`);
        statement.bindBigInt(index, BigInt(value));
        return;
      case 'double':
        if (typeof value !== 'number') throw new ParamError(`parameter $${index} is not a number`);
        statement.bindDouble(index, value);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') throw new ParamError(`parameter $${index} is not a boolean`);
        statement.bindBoolean(index, value);
        return;
      case 'date':
        if (typeof value !== 'string' || !isDay(value)) throw new ParamError(`parameter $${index} is not a day (YYYY-MM-DD)`);
        statement.bindDate(index, dateValue(Date.parse(`${value}T00:00:00Z`) / MS_PER_DAY));
        return;
      case 'timestamp':
        if (typeof value !== 'string') throw new ParamError(`parameter $${index} is not an ISO 8601 timestamp`);
        statement.bindTimestamp(index, timestampValue(timestampMicros(value)));
        return;
    }
  });
}
