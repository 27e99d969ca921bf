import { createHash, createHmac } from 'node:crypto';

/**
 * FNV-1a, 32 bit. Stable across processes, languages and library versions, which
 * is what a storage layout needs: the lake bucket of a customer must never move.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The lake bucket (file) of a customer inside a day partition. */
export function customerBucket(customerId: string, buckets: number): number {
  return fnv1a32(customerId) % buckets;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A keyed hash of a data subject (customer id). Audit records and cache tags carry
 * this instead of the id: without the key it cannot be reversed by trying ids.
 */
export function subjectHash(key: string, subjectId: string): string {
  return createHmac('sha256', key).update(`customer:${subjectId}`).digest('hex');
}

/** Canonical JSON (sorted keys) so equal values always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
