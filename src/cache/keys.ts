import { badInput } from '../errors/app-error';
import { canonicalJson, sha256Hex, subjectHash } from '../util/hash';

/**
 * Cache keys and tags. A key names what was read and for whom: domain, label, the
 * caller's data scope and a hash of the canonical arguments, salted with the cache
 * version (bump it when the shape of cached values changes). No argument value
 * appears in a key or a tag in clear: subjects are keyed hashes.
 *
 * Tags an entry is filed under:
 *   dataset:<name>   every dataset the value derives from ('lake.events', ...)
 *   domain:<domain>  its domain (drop a whole domain at once)
 *   subject:<hash>   every customer it holds, or subject:* above the cap
 */
export const SUBJECT_ANY_TAG = 'subject:*';

export function cacheKey(parts: { version: string; domain: string; label: string; scope: string; args: unknown }): string {
  const hash = sha256Hex(`${parts.version}\n${canonicalJson(normalizeArgs(parts.args))}`);
  return `${parts.domain}:${encodeURIComponent(parts.label)}:${encodeURIComponent(parts.scope)}:${hash}`;
}

/** The key of the cross-process fill lock of an entry (the adapter prefixes it). */
export function fillLockName(key: string): string {
  return `fill:${key}`;
}

export const datasetTag = (dataset: string): string => `dataset:${dataset}`;
export const domainTag = (domain: string): string => `domain:${domain}`;
export const subjectTag = (hashKey: string, customerId: string): string => `subject:${subjectHash(hashKey, customerId)}`;

/** Subject tags of an entry: one per distinct customer, or subject:* when there are more than `max`. */
export function subjectTags(hashKey: string, customerIds: Iterable<string>, max: number): string[] {
  const distinct = new Set(customerIds);
  if (distinct.size === 0) return [];
  if (distinct.size > max) return [SUBJECT_ANY_TAG];
  return [...distinct].map((id) => subjectTag(hashKey, id));
}

const TAG_PATTERN = /^(dataset:[A-Za-z0-9_.-]{1,200}|domain:(lake|warehouse|catalog|jobRuns|decisions)|subject:([0-9a-f]{64}|\*))$/;

/** Checks a tag given by an operator (mutation or CLI); throws BAD_USER_INPUT naming the accepted forms. */
export function parseTag(tag: string, argument = 'tag'): string {
  const trimmed = tag.trim();
  if (!TAG_PATTERN.test(trimmed)) {
    throw badInput(
      argument,
      'expected dataset:<name> (e.g. dataset:lake.events), domain:<lake|warehouse|catalog|jobRuns|decisions>, subject:<64 hex subject hash> or subject:*',
    );
  }
  return trimmed;
}

/** bigint is not JSON: give it a form that cannot collide with a number or a string. */
function normalizeArgs(value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (Array.isArray(value)) return value.map(normalizeArgs);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normalizeArgs(v);
    return out;
  }
  return value;
}
