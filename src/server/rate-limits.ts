import { GraphQLError } from 'graphql';
import { Counter } from 'prom-client';
import { HeaderMap } from '@apollo/server';
import { MemoryTokenBuckets } from '../adapters/memory/memory-token-buckets';
import type { Principal } from '../auth/principal';
import type { Scope } from '../config/api-keys';
import type { RateLimitClass, RateLimitConfig, RateLimitRule } from '../config/rate-limits';
import { ErrorCode } from '../errors/app-error';
import { CacheBreaker } from '../cache/breaker';
import { rateLimitedWarn } from '../cache/rate-limited-log';
import type { Logger } from '../observability/logger';
import { metricsRegistry } from '../observability/metrics';
import type { TokenBuckets } from '../ports/token-buckets';

const refused = new Counter<'class'>({
  name: 'lakegate_rate_limited_total',
  help: 'GraphQL requests refused with RATE_LIMITED (HTTP 429), per rate-limit class of the caller (read, write, admin)',
  labelNames: ['class'],
  registers: [metricsRegistry],
});

const sharedUnavailable = new Counter({
  name: 'lakegate_rate_limit_shared_unavailable_total',
  help: 'Requests checked against this process\'s buckets only because the shared ones (Redis) could not be reached',
  registers: [metricsRegistry],
});

const ADMIN_SCOPES: readonly Scope[] = ['gdpr:read', 'gdpr:write', 'cache:admin', 'loads:write'];

/** admin: any of gdpr:*, cache:admin, loads:write; write: decisions:write; read: everything else. */
export function rateLimitClass(scopes: ReadonlySet<Scope>): RateLimitClass {
  if (ADMIN_SCOPES.some((scope) => scopes.has(scope))) return 'admin';
  return scopes.has('decisions:write') ? 'write' : 'read';
}

/**
 * The bucket of a caller: its principal id; callers without a key (the development
 * mode's anonymous access, or production's refused one) each by client address, so
 * that one busy script does not starve every other anonymous caller. (Behind a proxy
 * the address is the proxy's: Fastify's trustProxy is off.)
 */
export function bucketKey(principal: Principal, clientIp: string): string {
  return principal.authenticated ? `p:${principal.id}` : `a:${clientIp}`;
}

export interface RateLimiterOptions {
  /** Shared buckets (Redis; closed by their owner); undefined: this process's only. */
  shared?: TokenBuckets;
  logger: Logger;
  /** After a failure of the shared buckets, this process's are used for this long (then Redis is tried again). */
  breakerMs?: number;
}

/**
 * Per-principal token buckets, checked when the request's context is made: after
 * authentication, before the document is parsed or validated. Over the limit:
 * RATE_LIMITED with retryAfterSeconds, HTTP 429 with Retry-After.
 *
 * With Redis the buckets are shared by every process. When Redis cannot be
 * reached, each process limits with its own buckets (the same rule per process)
 * until it can again, with a rate-limited warning: the limit fails open towards at
 * most one bucket per process, never refusing a caller the shared limit would admit.
 */
export class RateLimiter {
  private readonly local = new MemoryTokenBuckets();
  private readonly breaker: CacheBreaker;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly options: RateLimiterOptions,
  ) {
    this.breaker = new CacheBreaker(options.breakerMs ?? 1000);
    this.warn = rateLimitedWarn(options.logger);
  }

  get adapter(): 'redis' | 'memory' {
    return this.options.shared?.adapter ?? 'memory';
  }

  /** Throws the RATE_LIMITED GraphQL error when the caller's bucket is empty. */
  async admit(principal: Principal, clientIp: string): Promise<void> {
    const limitClass = rateLimitClass(principal.scopes);
    const rule = this.config.rules[limitClass];
    const key = `${limitClass}:${bucketKey(principal, clientIp)}`;
    const waitMs = await this.take(key, rule);
    if (waitMs <= 0) return;
    refused.inc({ class: limitClass });
    throw rateLimited(limitClass, rule, waitMs);
  }

  private async take(key: string, rule: RateLimitRule): Promise<number> {
    const shared = this.options.shared;
    if (shared && !this.breaker.isOpen()) {
      try {
        return await shared.take(key, rule);
      } catch (error) {
        this.breaker.trip();
        this.warn('rate-limit-shared', { err: error }, 'rate limits: the shared buckets (Redis) cannot be reached; limiting per process until they can');
      }
    }
    if (shared) sharedUnavailable.inc();
    return this.local.takeNow(key, rule);
  }
}

function rateLimited(limitClass: RateLimitClass, rule: RateLimitRule, waitMs: number): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GraphQLError(
    `Rate limit exceeded: ${rule.perSecond} requests per second (burst ${rule.burst}) for ${limitClass} callers (LAKEGATE_RATE_LIMIT_${limitClass.toUpperCase()}_*); retry in ${retryAfterSeconds} s`,
    {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        retryAfterSeconds,
        limitClass,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    },
  );
}
