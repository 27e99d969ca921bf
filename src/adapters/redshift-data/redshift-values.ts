import type { ColumnMetadata, Field } from '@aws-sdk/client-redshift-data';
import type { SqlCell } from '../../ports/sql-engine';

/**
 * Redshift Data API values (GetStatementResult Records of Field unions) -> the same
 * SqlCell values the DuckDB adapter gives. The Field member says how the value
 * travelled (longValue, doubleValue, booleanValue, stringValue, isNull); the
 * column's typeName says what it is: numeric, date, timestamp and super arrive as
 * strings and are converted by type.
 *
 * Limits of the API: an int8 beyond 2^53 has already lost precision when the SDK
 * parsed the JSON number (as it would for any client of this API). SUPER is
 * Redshift's JSON: it stays JSON text, as DuckDB's JSON columns do.
 */
export type RedshiftCellConverter = (field: Field | undefined) => SqlCell;

export function redshiftConverter(column: ColumnMetadata): RedshiftCellConverter {
  const type = (column.typeName ?? 'varchar').toLowerCase();
  switch (type) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'oid':
      return (f) => (isNull(f) ? null : integerCell(f!));
    case 'float4':
    case 'real':
      return (f) => (isNull(f) ? null : Math.fround(numberOf(f!)));
    case 'float8':
    case 'float':
    case 'double precision':
      return (f) => (isNull(f) ? null : numberOf(f!));
    case 'bool':
    case 'boolean':
      return (f) => (isNull(f) ? null : f!.booleanValue ?? ['t', 'true', '1'].includes(String(f!.stringValue).toLowerCase()));
    case 'timestamp':
      return (f) => (isNull(f) ? null : timestampCell(textOf(f!)));
    case 'timestamptz':
      return (f) => (isNull(f) ? null : zonedTimestampCell(textOf(f!)));
    default:
      // varchar, char/bpchar, text, numeric (exact, as text), date, time, super (JSON text).
      return (f) => (isNull(f) ? null : textOf(f!));
  }
}

function isNull(f: Field | undefined): boolean {
  return f === undefined || f.isNull === true;
}

function integerCell(f: Field): number | bigint {
  if (f.longValue !== undefined) return f.longValue;
  const text = textOf(f);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function numberOf(f: Field): number {
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.longValue !== undefined) return f.longValue;
  return Number(textOf(f));
}

function textOf(f: Field): string {
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) return String(f.longValue);
  if (f.doubleValue !== undefined) return String(f.doubleValue);
  if (f.booleanValue !== undefined) return String(f.booleanValue);
  if (f.blobValue !== undefined) return Buffer.from(f.blobValue).toString('base64');
  return '';
}

const TIMESTAMP_TEXT = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/;

/** '2026-01-31 10:00:00' / '... .123456' -> '2026-01-31T10:00:00.123Z' (truncated to ms). */
export function timestampCell(text: string): string {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return text;
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** '2026-01-31 10:00:00+00' / '+05:30' -> ISO UTC. */
export function zonedTimestampCell(text: string): string {
  const match = /^(.*?)([+-])(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!match) return timestampCell(text);
  const local = timestampCell(match[1]!.trim());
  if (local === match[1]!.trim()) return text;
  const offsetMs = (match[2] === '-' ? -1 : 1) * (Number(match[3]) * 60 + Number(match[4] ?? 0)) * 60_000;
  return new Date(Date.parse(local) - offsetMs).toISOString();
}
