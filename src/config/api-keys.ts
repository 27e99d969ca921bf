import { z } from 'zod';
import { ConfigError } from './env';

export const SCOPES = [
  'decisions:read',
  'decisions:write',
  'events:read',
  'catalog:read',
  'cost:read',
  'gdpr:read',
  'gdpr:write',
  'pii:read',
  'cache:admin',
  'loads:write',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The scopes a tenant principal (bound to customers) may hold: its own events and
 * decisions. Catalog, cost, GDPR, cache and load administration are platform-wide.
 */
export const TENANT_SCOPES: readonly Scope[] = ['decisions:read', 'decisions:write', 'events:read', 'pii:read'];

/** Scopes granted without a key in the embedded development mode. */
export const DEVELOPMENT_DEFAULT_SCOPES: readonly Scope[] = ['decisions:read', 'events:read', 'catalog:read', 'cost:read'];

export interface ApiKeyConfig {
  id: string;
  key: string;
  scopes: Scope[];
  /** A tenant key: only these customers are visible through it. */
  customerIds?: string[];
}

const apiKeySchema = z.array(
  z.object({
    id: z.string().min(1, 'id must not be empty'),
    key: z.string().min(16, 'key must be at least 16 characters'),
    scopes: z.array(z.enum(SCOPES)),
    customerIds: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'customer ids are 1-128 letters, digits or _.:-')).min(1, 'a tenant key names at least one customer').optional(),
  }).strict(),
);

/** Parses LAKEGATE_API_KEYS: `[{"id":"...","key":"...","scopes":["events:read", ...]}]`. */
export function parseApiKeys(text: string | undefined): ApiKeyConfig[] {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(['LAKEGATE_API_KEYS: is not valid JSON; expected [{"id":"...","key":"...","scopes":["events:read"]}]']);
  }
  const result = apiKeySchema.safeParse(json);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `LAKEGATE_API_KEYS[${issue.path.join('.')}]: ${issue.message} (known scopes: ${SCOPES.join(', ')})`),
    );
  }
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const k of result.data) {
    if (ids.has(k.id)) throw new ConfigError([`LAKEGATE_API_KEYS: duplicate id ${JSON.stringify(k.id)}`]);
    if (keys.has(k.key)) throw new ConfigError([`LAKEGATE_API_KEYS: key of ${JSON.stringify(k.id)} is used twice`]);
    ids.add(k.id);
    keys.add(k.key);
    const platformScopes = k.customerIds ? k.scopes.filter((scope) => !TENANT_SCOPES.includes(scope)) : [];
    if (platformScopes.length > 0) {
      throw new ConfigError([
        `LAKEGATE_API_KEYS: key ${JSON.stringify(k.id)} is bound to customers (customerIds) but has platform scope(s) ${platformScopes.join(', ')}; a tenant key may hold only ${TENANT_SCOPES.join(', ')}`,
      ]);
    }
  }
  return result.data;
}
