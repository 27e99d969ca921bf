import { MASKED } from '../customers/customer.service';

/**
 * Keys of `Event.attributes` that hold personal data. Without `pii:read` their
 * values read as "***", as Customer name and email do (README, Access). Matched
 * case-insensitively, at any depth of the attributes. The seeded lake writes
 * `session_id` and `ip`; the others are names landing data commonly uses.
 */
export const PERSONAL_ATTRIBUTE_KEYS: readonly string[] = [
  'ip',
  'ip_address',
  'session_id',
  'user_agent',
  'device_id',
  'email',
  'name',
  'phone',
];

const PERSONAL = new Set(PERSONAL_ATTRIBUTE_KEYS);
/** What toEvent keeps of attributes that are not a JSON object: unparsed, so masked whole. */
const UNPARSED_KEY = 'raw';

/**
 * The attributes as a caller may see them. The events page cache is shared by
 * every caller, so masking happens here, per caller, on the way out: never in the
 * cached rows. With `pii:read` the attributes are returned untouched.
 */
export function attributesFor(attributes: Record<string, unknown>, withPii: boolean): Record<string, unknown> {
  if (withPii) return attributes;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    out[key] = key === UNPARSED_KEY && typeof value === 'string' ? MASKED : maskValue(key, value);
  }
  return out;
}

function maskValue(key: string, value: unknown): unknown {
  if (PERSONAL.has(key.toLowerCase())) return value === null || value === undefined ? value : MASKED;
  if (Array.isArray(value)) return value.map((item) => maskValue('', item));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskValue(k, v);
    return out;
  }
  return value;
}
