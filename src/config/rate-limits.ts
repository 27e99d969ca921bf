import { envBool, envNumber, readEnv, type Env } from './env';

/**
 * Per-principal rate limits (src/server/rate-limits.ts): a token bucket per caller,
 * its size and refill rate set by the caller's class. The class comes from the
 * scopes: `admin` with any of gdpr:read, gdpr:write, cache:admin, loads:write;
 * `write` with decisions:write; `read` otherwise (anonymous development callers too).
 */
export const RATE_LIMIT_CLASSES = ['read', 'write', 'admin'] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

export interface RateLimitRule {
  /** Sustained requests per second (the bucket's refill rate). */
  perSecond: number;
  /** Requests allowed at once after a quiet period (the bucket's size, at least 1). */
  burst: number;
}

export interface RateLimitConfig {
  /** Off: no request is ever limited (LAKEGATE_RATE_LIMITS; default on in production only). */
  enabled: boolean;
  rules: Record<RateLimitClass, RateLimitRule>;
}

export function readRateLimitConfig(env: Env, production: boolean): RateLimitConfig {
  const v = readEnv(env, {
    LAKEGATE_RATE_LIMITS: envBool().optional(),
    LAKEGATE_RATE_LIMIT_READ_PER_SECOND: envNumber(0.001, 1_000_000).default(100),
    LAKEGATE_RATE_LIMIT_READ_BURST: envNumber(1, 10_000_000).default(200),
    LAKEGATE_RATE_LIMIT_WRITE_PER_SECOND: envNumber(0.001, 1_000_000).default(200),
    LAKEGATE_RATE_LIMIT_WRITE_BURST: envNumber(1, 10_000_000).default(400),
    LAKEGATE_RATE_LIMIT_ADMIN_PER_SECOND: envNumber(0.001, 1_000_000).default(20),
    LAKEGATE_RATE_LIMIT_ADMIN_BURST: envNumber(1, 10_000_000).default(50),
  });
  return {
    enabled: v.LAKEGATE_RATE_LIMITS ?? production,
    rules: {
      read: { perSecond: v.LAKEGATE_RATE_LIMIT_READ_PER_SECOND, burst: v.LAKEGATE_RATE_LIMIT_READ_BURST },
      write: { perSecond: v.LAKEGATE_RATE_LIMIT_WRITE_PER_SECOND, burst: v.LAKEGATE_RATE_LIMIT_WRITE_BURST },
      admin: { perSecond: v.LAKEGATE_RATE_LIMIT_ADMIN_PER_SECOND, burst: v.LAKEGATE_RATE_LIMIT_ADMIN_BURST },
    },
  };
}
