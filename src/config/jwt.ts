import { z } from 'zod';
import { ConfigError, envInt, readEnv, type Env } from './env';

/** JWT bearer tokens from an identity provider (src/auth/jwt-authenticator.ts). */
export interface JwtConfig {
  /** The provider's JSON Web Key Set (its signing keys). */
  jwksUrl: string;
  /** Expected `iss`, exactly. */
  issuer: string;
  /** Accepted `aud` values (the token's `aud` must hold one of them). */
  audience: string[];
  /** Claim holding the scopes: a space-separated string or an array of strings. */
  scopesClaim: string;
  /** Claim holding the customers a token is bound to (an array of ids); absent: not bound. */
  customersClaim: string;
  /** Least time between two JWKS fetches for an unknown `kid`. */
  jwksCooldownMs: number;
  /** How long fetched keys are used before the JWKS is fetched again. */
  jwksMaxAgeMs: number;
}

const REQUIRED = ['LAKEGATE_JWT_JWKS_URL', 'LAKEGATE_JWT_ISSUER', 'LAKEGATE_JWT_AUDIENCE'] as const;

const claimName = () => z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, 'expected a claim name (letters, digits, _.:/-)');

/** Undefined (JWT off) unless all three of the JWKS URL, issuer and audience are set; some of them is a config error. */
export function readJwtConfig(env: Env): JwtConfig | undefined {
  const v = readEnv(env, {
    LAKEGATE_JWT_JWKS_URL: z
      .string()
      .refine((text) => {
        try {
          return ['https:', 'http:'].includes(new URL(text).protocol);
        } catch {
          return false;
        }
      }, 'expected an http(s) URL, e.g. https://idp.example.com/.well-known/jwks.json')
      .optional(),
    LAKEGATE_JWT_ISSUER: z.string().optional(),
    LAKEGATE_JWT_AUDIENCE: z.string().optional(),
    LAKEGATE_JWT_SCOPES_CLAIM: claimName().default('scope'),
    LAKEGATE_JWT_CUSTOMERS_CLAIM: claimName().default('customer_ids'),
    LAKEGATE_JWT_JWKS_COOLDOWN_MS: envInt(0, 3_600_000).default(30_000),
    LAKEGATE_JWT_JWKS_MAX_AGE_MS: envInt(1000, 86_400_000).default(600_000),
  });
  const given = REQUIRED.filter((name) => v[name] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < REQUIRED.length) {
    const missing = REQUIRED.filter((name) => v[name] === undefined);
    throw new ConfigError(missing.map((name) => `${name}: required with ${given.join(' and ')} (JWT bearer tokens need the JWKS URL, the issuer and the audience)`));
  }
  const audience = v.LAKEGATE_JWT_AUDIENCE!.split(',').map((s) => s.trim()).filter(Boolean);
  if (audience.length === 0) throw new ConfigError(['LAKEGATE_JWT_AUDIENCE: expected one or more audiences, comma-separated']);
  return {
    jwksUrl: v.LAKEGATE_JWT_JWKS_URL!,
    issuer: v.LAKEGATE_JWT_ISSUER!,
    audience,
    scopesClaim: v.LAKEGATE_JWT_SCOPES_CLAIM,
    customersClaim: v.LAKEGATE_JWT_CUSTOMERS_CLAIM,
    jwksCooldownMs: v.LAKEGATE_JWT_JWKS_COOLDOWN_MS,
    jwksMaxAgeMs: v.LAKEGATE_JWT_JWKS_MAX_AGE_MS,
  };
}
