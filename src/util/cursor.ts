import { badInput } from '../errors/app-error';
import { canonicalJson, fnv1a32 } from './hash';

/**
 * Opaque Relay cursors: base64url JSON holding the position and a fingerprint of
 * the query that produced it, so a cursor replayed against another query is
 * refused with a clear message instead of returning a wrong page.
 */
export interface CursorEnvelope<P> {
  /** Cursor format version. */
  v: 1;
  /** Fingerprint of the query arguments (without first/after). */
  q: string;
  /** The position, specific to each connection. */
  p: P;
}

export function queryFingerprint(args: unknown): string {
  return fnv1a32(canonicalJson(args)).toString(36);
}

export function encodeCursor<P>(fingerprint: string, position: P): string {
  const envelope: CursorEnvelope<P> = { v: 1, q: fingerprint, p: position };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

/**
 * Decodes `after`; `isPosition` checks the shape of the position. Any mismatch is a
 * BAD_USER_INPUT naming the argument.
 */
export function decodeCursor<P>(
  cursor: string,
  fingerprint: string,
  isPosition: (p: unknown) => p is P,
  argument = 'after',
): P {
  let envelope: unknown;
  try {
    if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    envelope = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badInput(argument, 'is not a cursor returned by this API; pass pageInfo.endCursor from the previous page');
  }
  const e = envelope as Partial<CursorEnvelope<unknown>>;
  if (!e || e.v !== 1 || typeof e.q !== 'string' || !isPosition(e.p)) {
    throw badInput(argument, 'is not a cursor returned by this API; pass pageInfo.endCursor from the previous page');
  }
  if (e.q !== fingerprint) {
    throw badInput(argument, 'belongs to a query with other arguments; keep the arguments unchanged while paging');
  }
  return e.p;
}
