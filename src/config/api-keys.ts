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

/** Scopes granted without a key in the embedded development mode. */
export const DEVELOPMENT_DEFAULT_SCOPES: readonly Scope[] = ['decisions:read', 'events:read', 'catalog:read', 'cost:read'];

export interface ApiKeyConfig {
  id: string;
  key: string;
  scopes: Scope[];
}

const apiKeySchema = z.array(
  z.object({
    id: z.string().min(1, 'id must not be empty'),
    key: z.string().min(16, 'key must be at least 16 characters'),
    scopes: z.array(z.enum(SCOPES)),
  }),
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
  }
  return result.data;
}
