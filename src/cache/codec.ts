/**
 * How a cached value is stored: `<freshUntil>:<staleUntil>:<J|B>:<json>`.
 * JSON with bigint support: bigints become "\u0000n<digits>" and strings that start
 * with \u0000 are escaped as "\u0000s<string>"; the reviver (flag B) runs only when
 * the value needed either, so plain values parse at full JSON.parse speed.
 */
export interface Envelope<T = unknown> {
  /** Epoch ms until which the value is fresh. */
  freshUntil: number;
  /** Epoch ms until which the value may be served stale (>= freshUntil). */
  staleUntil: number;
  value: T;
}

const MARK = '\u0000';

export function encodeEnvelope(envelope: Envelope): string {
  let special = false;
  const json = JSON.stringify(envelope.value, (_key, value: unknown) => {
    if (typeof value === 'bigint') {
      special = true;
      return `${MARK}n${value.toString()}`;
    }
    if (typeof value === 'string' && value.startsWith(MARK)) {
      special = true;
      return `${MARK}s${value}`;
    }
    return value;
  });
  // JSON.stringify(undefined) is undefined: store it as null.
  return `${envelope.freshUntil}:${envelope.staleUntil}:${special ? 'B' : 'J'}:${json ?? 'null'}`;
}

/** Throws on anything that was not written by encodeEnvelope. */
export function decodeEnvelope<T = unknown>(text: string): Envelope<T> {
  const a = text.indexOf(':');
  const b = text.indexOf(':', a + 1);
  const c = text.indexOf(':', b + 1);
  const flag = text.slice(b + 1, c);
  const freshUntil = Number(text.slice(0, a));
  const staleUntil = Number(text.slice(a + 1, b));
  if (a < 0 || b < 0 || c < 0 || (flag !== 'J' && flag !== 'B') || !Number.isFinite(freshUntil) || !Number.isFinite(staleUntil)) {
    throw new Error('cache entry is not in the expected format');
  }
  const json = text.slice(c + 1);
  const value = (flag === 'J' ? JSON.parse(json) : JSON.parse(json, revive)) as T;
  return { freshUntil, staleUntil, value };
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith(MARK)) return value;
  return value[1] === 'n' ? BigInt(value.slice(2)) : value.slice(2);
}
