import {
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { mapCode } from './athena-redshift-duckdb';

/**
 * DuckDB results in the Redshift Data API's shapes: ColumnMetadata with Redshift
 * type names (int8, int4, int2, numeric, float8, float4, bool, date, timestamp,
 * timestamptz, varchar, super) and Records of Field unions (longValue,
 * doubleValue, booleanValue, stringValue, isNull). numeric, date, timestamp and
 * super travel as strings, as they do from Redshift.
 */
export type Field =
  | { isNull: true }
  | { longValue: number | bigint }
  | { doubleValue: number }
  | { booleanValue: boolean }
  | { stringValue: string };

export interface RedshiftColumnMetadata {
  name: string;
  label: string;
  typeName: string;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  isSigned: boolean;
  length: number;
  nullable: number;
  precision: number;
  scale: number;
  schemaName: string;
  tableName: string;
}

export function redshiftTypeName(type: DuckDBType): string {
  if (type.alias === 'JSON') return 'super';
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UINTEGER:
      return 'int8';
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return 'int4';
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UTINYINT:
      return 'int2';
    case DuckDBTypeId.DECIMAL:
      return 'numeric';
    case DuckDBTypeId.DOUBLE:
      return 'float8';
    case DuckDBTypeId.FLOAT:
      return 'float4';
    case DuckDBTypeId.BOOLEAN:
      return 'bool';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamptz';
    case DuckDBTypeId.TIME:
      return 'time';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return 'super';
    default:
      return 'varchar';
  }
}

export function redshiftColumnMetadata(name: string, type: DuckDBType): RedshiftColumnMetadata {
  const typeName = redshiftTypeName(type);
  const decimal = type instanceof DuckDBDecimalType ? type : undefined;
  return {
    name,
    label: name,
    typeName,
    isCaseSensitive: typeName === 'varchar',
    isCurrency: false,
    isSigned: ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'].includes(typeName),
    length: 0,
    nullable: 1,
    precision: decimal?.width ?? (typeName === 'varchar' ? 65535 : 0),
    scale: decimal?.scale ?? 0,
    schemaName: '',
    tableName: '',
  };
}

export function redshiftField(value: DuckDBValue, type: DuckDBType): Field {
  if (value === null || value === undefined) return { isNull: true };
  const typeName = redshiftTypeName(type);
  switch (typeName) {
    case 'int2':
    case 'int4':
    case 'int8': {
      // Beyond 2^53 a JS number would be wrong: keep the exact integer (see jsonWithExactIntegers).
      const n = typeof value === 'bigint' ? value : BigInt(Number(value));
      return { longValue: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n };
    }
    case 'float4':
    case 'float8': {
      const n = Number(value);
      return Number.isFinite(n) ? { doubleValue: n } : { stringValue: String(n) };
    }
    case 'bool':
      return { booleanValue: Boolean(value) };
    case 'numeric':
      return { stringValue: value instanceof DuckDBDecimalValue ? value.toString() : String(value) };
    case 'date':
      return { stringValue: value instanceof DuckDBDateValue ? value.toString() : String(value) };
    case 'timestamp':
      return { stringValue: value instanceof DuckDBTimestampValue ? redshiftTimestamp(value.micros) : String(value) };
    case 'timestamptz':
      return { stringValue: value instanceof DuckDBTimestampTZValue ? `${redshiftTimestamp(value.micros)}+00` : String(value) };
    case 'super':
      return { stringValue: typeof value === 'string' ? value : JSON.stringify(toJson(value), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) };
    default:
      return { stringValue: typeof value === 'string' ? value : String(value) };
  }
}

/** JSON text with bigints written as plain JSON numbers, exactly, as Redshift writes 64-bit integers. */
export function jsonWithExactIntegers(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v.toString()}__` : v)).replace(/"__bigint__(-?\d+)__"/g, '$1');
}

/** Redshift prints timestamps with up to 6 fraction digits, trailing zeros dropped: '2026-01-31 10:00:00.12'. */
export function redshiftTimestamp(micros: bigint): string {
  const seconds = micros >= 0n ? micros / 1_000_000n : (micros - 999_999n) / 1_000_000n;
  const fraction = micros - seconds * 1_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const digits = fraction.toString().padStart(6, '0').replace(/0+$/, '');
  return digits ? `${base}.${digits}` : base;
}

/** DuckDB nested values -> plain JSON values (for SUPER). */
function toJson(value: DuckDBValue): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return value;
  const v = value as unknown as { items?: DuckDBValue[]; entries?: unknown };
  if (Array.isArray(v.items)) return v.items.map(toJson);
  if (Array.isArray(v.entries)) return Object.fromEntries((v.entries as Array<{ key: DuckDBValue; value: DuckDBValue }>).map((e) => [String(e.key), toJson(e.value)]));
  if (v.entries && typeof v.entries === 'object') return Object.fromEntries(Object.entries(v.entries as Record<string, DuckDBValue>).map(([k, x]) => [k, toJson(x)]));
  return String(value);
}

export const REDSHIFT_MACROS = [
  `CREATE OR REPLACE MACRO getdate() AS CAST(now() AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO nvl(a, b) AS coalesce(a, b)`,
  `CREATE OR REPLACE MACRO json_parse(s) AS json(s)`,
  `CREATE OR REPLACE MACRO rs_dateadd_day(n, d) AS CAST(d AS DATE) + CAST(n AS INTEGER)`,
  `CREATE OR REPLACE MACRO rs_dateadd_week(n, d) AS CAST(d AS DATE) + 7 * CAST(n AS INTEGER)`,
  `CREATE OR REPLACE MACRO rs_dateadd_month(n, d) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE)`,
];

/**
 * Redshift SQL -> DuckDB SQL, for what lakegate sends: `:name` parameters become
 * `$name`; table attributes DuckDB does not have (DISTSTYLE, DISTKEY, SORTKEY,
 * ENCODE, BACKUP) are dropped, and so are PRIMARY KEYs (not enforced by Redshift); SUPER becomes JSON, VARCHAR(MAX) VARCHAR;
 * DATEADD(unit, n, d) and DATE_PART(unit, d) take their unit as a keyword;
 * VACUUM's Redshift options (DELETE ONLY, FULL, ... TO n PERCENT, BOOST) are dropped:
 * DuckDB's VACUUM <table> stands in for them. The catalog views lakegate reads
 * (pg_tables, pg_user, SYS_VACUUM_HISTORY) and current_user map to the emulator's
 * user model (redshift-data-emulator.ts).
 * Gaps: COPY / UNLOAD, IDENTITY columns, LISTAGG, window frames DuckDB lacks.
 */
export function redshiftToDuckDb(sqlText: string): { sql: string; names: string[] } {
  const names: string[] = [];
  const translated = mapCode(sqlText, (code) =>
    code
      .replace(/(^|[^:]):([A-Za-z_][A-Za-z0-9_]*)/g, (_m, before: string, name: string) => {
        names.push(name);
        return `${before}$${name}`;
      })
      .replace(/\bDISTSTYLE\s+(KEY|ALL|EVEN|AUTO)\b/gi, '')
      .replace(/\bDISTKEY\s*\(\s*\w+\s*\)/gi, '')
      .replace(/\b(?:COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)/gi, '')
      .replace(/\bENCODE\s+\w+/gi, '')
      .replace(/\bBACKUP\s+(YES|NO)\b/gi, '')
      .replace(/\bWITH\s+NO\s+SCHEMA\s+BINDING\b/gi, '')
      // Redshift does not enforce PRIMARY KEY (it only informs the planner); neither does the emulator.
      .replace(/,\s*PRIMARY\s+KEY\s*\([^)]*\)/gi, '')
      .replace(/\s+PRIMARY\s+KEY\b/gi, '')
      .replace(/\bSUPER\b/gi, 'JSON')
      .replace(/\bVARCHAR\s*\(\s*MAX\s*\)/gi, 'VARCHAR')
      .replace(/\bDATEADD\s*\(\s*(day|week|month)\s*,/gi, (_m, unit: string) => `rs_dateadd_${unit.toLowerCase()}(`)
      .replace(/\bDATE_PART\s*\(\s*(\w+)\s*,/gi, (_m, unit: string) => `date_part('${unit.toLowerCase()}',`)
      .replace(/\bVACUUM\s+(?:FULL|DELETE\s+ONLY|SORT\s+ONLY|REINDEX|RECLUSTER)\b/gi, 'VACUUM')
      .replace(/\s+TO\s+\d+\s+PERCENT\b/gi, '')
      .replace(/\s+BOOST\b/gi, '')
      .replace(/\b(pg_tables|pg_user|sys_vacuum_history)\b/gi, (_m, view: string) => `memory.rs_users.${view.toLowerCase()}`)
      .replace(/\bcurrent_user\b/gi, '(SELECT user_name FROM memory.rs_users.session)'),
  );
  return { sql: translated, names };
}
