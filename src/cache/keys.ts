import { hash } from 'node:crypto';
import { badInput } from '../errors/app-error';
import { subjectHash } from '../util/hash';

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

export function cacheKey(parts: { version: string; domain: string; label: string; scope: string; args: unknown; tenant?: readonly string[] }): string {
  // Every read computes its key, hits included: one pass over the arguments and a one-shot hash.
  // A tenant's reads never share an entry with anyone else's, whatever the service put in args.
  const tenant = parts.tenant ? `\ntenant:${JSON.stringify(parts.tenant)}` : '';
  const digest = hash('sha256', `${parts.version}\n${JSON.stringify(canonicalArgs(parts.args))}${tenant}`, 'hex');
  return `${parts.domain}:${encodeURIComponent(parts.label)}:${encodeURIComponent(parts.scope)}:${digest}`;
}

/** Identifies a stored entry's exact content (response-cache dependencies): any refill changes it. */
export function entryDigest(encoded: string): string {
  return hash('sha1', encoded, 'base64');
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

/**
 * The arguments in canonical form: object keys sorted, undefined members dropped,
 * dates as ISO strings, and bigints (not JSON) in a form that cannot collide with a
 * number or a string.
 */
function canonicalArgs(value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(canonicalArgs);
  if (value instanceof Date) return value.toISOString();
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(record).sort()) {
    const v = record[k];
    if (v !== undefined) out[k] = canonicalArgs(v);
  }
  return out;
}
