import type { SqlCell } from '../../ports/sql-engine';

/**
 * Athena returns every value as text (Datum.VarCharValue; absent for NULL) and the
 * column types in ResultSetMetadata.ColumnInfo. This turns the text into the same
 * SqlCell values the DuckDB adapter gives (see SqlCell).
 *
 * Nested values (array, map, row) come in Trino's display format — `[1, 2]`,
 * `{a=1}`, `{x=1, y=2}` — and ColumnInfo.Type says only "array", "map" or "row",
 * not the element types. They are parsed with the leaves inferred: `null`, integers,
 * decimals (as numbers), true/false, timestamps, else strings. That is exact for
 * the usual shapes but ambiguous for strings that look like numbers or contain
 * `, `, `=`, `[`, `{`: for exact nested values select `CAST(x AS JSON)` (a json
 * column arrives as its JSON text, as DuckDB's JSON does).
 */
export type AthenaCellConverter = (text: string | undefined) => SqlCell;

export interface AthenaColumnType {
  Name?: string | undefined;
  Type?: string | undefined;
}

export function athenaConverter(column: AthenaColumnType): AthenaCellConverter {
  const type = (column.Type ?? 'varchar').toLowerCase();
  const base = type.replace(/\([^)]*\)/g, '').trim().split(/\s+/)[0];
  switch (base) {
    case 'boolean':
      return (t) => (t === undefined ? null : t === 'true');
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return (t) => (t === undefined ? null : Number(t));
    case 'bigint':
      return (t) => (t === undefined ? null : integerCell(t));
    case 'double':
      return (t) => (t === undefined ? null : Number(t));
    case 'float':
    case 'real':
      // DuckDB widens a FLOAT to the nearest double of the float32; Athena prints the
      // shortest decimal of the float32 (0.1), so round-trip through float32.
      return (t) => (t === undefined ? null : Math.fround(Number(t)));
    case 'timestamp':
      return type.includes('with time zone') ? (t) => (t === undefined ? null : zonedTimestampCell(t)) : (t) => (t === undefined ? null : timestampCell(t));
    case 'array':
    case 'map':
    case 'row':
      return (t) => (t === undefined ? null : parseNested(t));
    case 'unknown':
      // The type of a bare NULL literal.
      return () => null;
    default:
      // varchar, char, string, decimal (exact, as text), date, time, json, varbinary.
      return (t) => (t === undefined ? null : t);
  }
}

/** A bigint as text -> number when exact, else bigint. */
export function integerCell(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const TIMESTAMP_TEXT = /^(-?\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/;

/** '2026-01-31 10:00:00.123' (any precision) -> '2026-01-31T10:00:00.123Z' (truncated to ms). */
export function timestampCell(text: string): string {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return text;
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** '2026-01-31 10:00:00.000 UTC' / '... +02:00' / '... Europe/Berlin' -> ISO UTC. */
export function zonedTimestampCell(text: string): string {
  const space = text.lastIndexOf(' ');
  if (space < 0) return text;
  const local = text.slice(0, space);
  const zone = text.slice(space + 1);
  const iso = timestampCell(local);
  if (iso === local) return text;
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT') return iso;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  const asUtc = Date.parse(iso);
  let offsetMs: number | undefined;
  if (offset) offsetMs = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  else offsetMs = zoneOffsetMs(zone, asUtc);
  if (offsetMs === undefined) return text;
  const millis = asUtc - offsetMs;
  return new Date(millis).toISOString();
}

/** Offset of an IANA zone at (about) a UTC instant, via Intl; undefined for unknown zones. */
function zoneOffsetMs(zone: string, utcMs: number): number | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(utcMs));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return wall - Math.floor(utcMs / 1000) * 1000;
  } catch {
    return undefined;
  }
}

/** Parses Trino's display format of array / map / row values. */
export function parseNested(text: string): SqlCell {
  const parser = new NestedParser(text);
  const value = parser.value(0);
  return parser.atEnd() ? value : text;
}

class NestedParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** `depth` > 0 inside brackets, where `, ` and the closing bracket end a scalar. */
  value(depth: number): SqlCell {
    const c = this.text[this.pos];
    if (c === '[') return this.array(depth);
    if (c === '{') return this.object(depth);
    return leafCell(this.scalar(depth, false));
  }

  private array(depth: number): SqlCell[] {
    this.pos++; // [
    const items: SqlCell[] = [];
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth + 1));
      if (this.text.startsWith(', ', this.pos)) {
        this.pos += 2;
        continue;
      }
      if (this.text[this.pos] === ']') this.pos++;
      return items;
    }
  }

  /** `{k=v, ...}` (map or named row) or `{v1, v2}` (anonymous row, keys field0..). */
  private object(depth: number): { [key: string]: SqlCell } {
    this.pos++; // {
    const out: { [key: string]: SqlCell } = {};
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (let i = 0; ; i++) {
      const start = this.pos;
      const key = this.scalar(depth + 1, true);
      if (this.text[this.pos] === '=') {
        this.pos++;
        out[key] = this.value(depth + 1);
      } else {
        this.pos = start;
        out[`field${i}`] = this.value(depth + 1);
      }
      if (this.text.startsWith(', ', this.pos)) {
        this.pos += 2;
        continue;
      }
      if (this.text[this.pos] === '}') this.pos++;
      return out;
    }
  }

  /** Raw text up to the next separator at this depth (`=` ends keys too). */
  private scalar(depth: number, isKey: boolean): string {
    const start = this.pos;
    if (depth === 0) {
      this.pos = this.text.length;
      return this.text.slice(start);
    }
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ']' || c === '}') break;
      if (c === ',' && this.text[this.pos + 1] === ' ') break;
      if (isKey && c === '=') break;
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+\.\d+(E-?\d+)?$|^-?\d+E-?\d+$/;
const TIMESTAMP_LEAF = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+$/;

function leafCell(text: string): SqlCell {
  if (text === 'null') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (INTEGER.test(text)) return integerCell(text);
  if (DECIMAL.test(text) || text === 'NaN' || text === 'Infinity' || text === '-Infinity') return Number(text);
  if (TIMESTAMP_LEAF.test(text)) return timestampCell(text);
  return text;
}
