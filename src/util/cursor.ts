import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { badInput } from '../errors/app-error';
import { canonicalJson, fnv1a32 } from './hash';

/**
 * Opaque Relay cursors: base64url of a 16-byte MAC followed by JSON holding the
 * position and a fingerprint of the query that produced it. The MAC (HMAC-SHA256
 * truncated to 16 bytes, keyed with the cursor key) makes a cursor that this
 * server (or another process with the same key) did not issue, or one that was
 * edited, a clear BAD_USER_INPUT before anything reads it; the fingerprint refuses
 * a cursor replayed against another query instead of returning a wrong page; and
 * each connection still checks the shape of its decoded position strictly.
 */
export interface CursorEnvelope<P> {
  /** Cursor format version. */
  v: 2;
  /** Fingerprint of the query arguments (without first/after). */
  q: string;
  /** The position, specific to each connection. */
  p: P;
}

const MAC_BYTES = 16;
const MAX_CURSOR_CHARS = 4096;
const NOT_A_CURSOR = 'is not a cursor returned by this API; pass pageInfo.endCursor from the previous page';

export function queryFingerprint(args: unknown): string {
  return fnv1a32(canonicalJson(args)).toString(36);
}

/**
 * Signs and checks cursors. The key is derived from configured key material (the
 * subject-hash key) with HKDF, so every process sharing that material accepts the
 * cursors of the others, and the cursor key is never the subject-hash key itself.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 16) throw new Error('the cursor key must be at least 16 bytes');
    this.key = Buffer.from(key);
  }

  /** The cursor key derived from a server secret (HKDF-SHA256, info "lakegate cursor mac v1"). */
  static fromSecret(secret: string): CursorCodec {
    if (secret.length < 16) throw new Error('the secret the cursor key is derived from must be at least 16 characters');
    return new CursorCodec(Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('lakegate', 'utf8'), Buffer.from('lakegate cursor mac v1', 'utf8'), 32)));
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }

  encode<P>(fingerprint: string, position: P): string {
    const envelope: CursorEnvelope<P> = { v: 2, q: fingerprint, p: position };
    const payload = Buffer.from(JSON.stringify(envelope), 'utf8');
    return Buffer.concat([this.mac(payload), payload]).toString('base64url');
  }

  /**
   * Decodes `after`: first the MAC (a forged or edited cursor is refused), then the
   * fingerprint, then `isPosition` (the exact shape of this connection's position).
   * Any mismatch is a BAD_USER_INPUT naming the argument.
   */
  decode<P>(cursor: string, fingerprint: string, isPosition: (p: unknown) => p is P, argument = 'after'): P {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badInput(argument, NOT_A_CURSOR);
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length <= MAC_BYTES) throw badInput(argument, NOT_A_CURSOR);
    const payload = bytes.subarray(MAC_BYTES);
    if (!timingSafeEqual(bytes.subarray(0, MAC_BYTES), this.mac(payload))) {
      throw badInput(argument, `this cursor was not issued by this server or has been altered; start again without ${argument}`);
    }
    let envelope: Partial<CursorEnvelope<unknown>> | null;
    try {
      envelope = JSON.parse(payload.toString('utf8')) as Partial<CursorEnvelope<unknown>> | null;
    } catch {
      throw badInput(argument, NOT_A_CURSOR);
    }
    if (!envelope || typeof envelope !== 'object' || envelope.v !== 2 || typeof envelope.q !== 'string') throw badInput(argument, NOT_A_CURSOR);
    if (envelope.q !== fingerprint) {
      throw badInput(argument, 'belongs to a query with other arguments; keep the arguments unchanged while paging');
    }
    if (!isPosition(envelope.p)) throw badInput(argument, NOT_A_CURSOR);
    return envelope.p;
  }
}

// --- strict position checks, shared by the connections' isPosition guards ---------

/** A plain object whose own keys are exactly `keys` (in any order). */
export function hasExactKeys(p: unknown, keys: readonly string[]): p is Record<string, unknown> {
  if (!p || typeof p !== 'object' || Array.isArray(p) || Object.getPrototypeOf(p) !== Object.prototype) return false;
  const own = Object.keys(p).sort();
  const wanted = [...keys].sort();
  return own.length === wanted.length && own.every((k, i) => k === wanted[i]);
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An instant exactly as lakegate writes them: ISO 8601 UTC with milliseconds ("2026-01-31T10:00:00.000Z"). */
export function isIsoMillis(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_MILLIS.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value;
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{3}|\d{6}|\d{9})Z$/;

/**
 * An instant at the engine's precision, in the one form lakegate writes it: ISO 8601
 * UTC with milliseconds, or microseconds / nanoseconds when the value has digits
 * below the millisecond ("2026-01-31T10:00:00.123Z", "2026-01-31T10:00:00.123456Z").
 * Any other spelling of the same instant (".123000Z") is refused: a position has one
 * form only.
 */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_INSTANT.exec(value);
  if (!match || !isIsoMillis(`${match[1]}.${match[2]!.slice(0, 3)}Z`)) return false;
  return canonicalFraction(match[2]!) === match[2];
}

/**
 * A timestamp as SQL engines print it cast to text (DuckDB and Trino:
 * 'YYYY-MM-DD HH:MM:SS[.fraction]', optionally with a UTC zone) -> the canonical
 * ISO instant of isIsoInstant, every digit kept; undefined when it is not that.
 */
export function instantFromSqlText(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:\s*(?:Z|UTC|\+00(?::?00)?))?$/.exec(text.trim());
  if (!match) return undefined;
  const iso = `${match[1]}T${match[2]}.${canonicalFraction(match[3] ?? '')}Z`;
  return isIsoInstant(iso) ? iso : undefined;
}

/** Fraction digits padded to 3, 6 or 9 (the shortest that keeps every non-zero digit). */
function canonicalFraction(digits: string): string {
  const padded = digits.padEnd(9, '0');
  if (padded.slice(3) === '000000') return padded.slice(0, 3);
  if (padded.slice(6) === '000') return padded.slice(0, 6);
  return padded;
}

/** The id pattern of the API (src/services/validation.ts identifier): 1-128 of letters, digits, _ . : - */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** `${instant}#${id}`: the time-ordered sort keys of the DynamoDB listings. */
export function isInstantIdKey(value: unknown, id: string): value is string {
  if (typeof value !== 'string' || !value.endsWith(`#${id}`)) return false;
  return isIsoMillis(value.slice(0, value.length - id.length - 1));
}
