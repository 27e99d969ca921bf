import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { SCOPES, type Scope } from '../config/api-keys';
import type { JwtConfig } from '../config/jwt';
import { AppError, backendUnavailable, ErrorCode } from '../errors/app-error';
import { rootLogger, type Logger } from '../observability/logger';
import { errorMessage } from '../util/error-message';
import type { Principal } from './principal';
import { tenantCustomers } from './tenant';

/** The signature algorithms accepted, and no other: never `none`, never an HMAC (a public key is no secret). */
export const JWT_ALGORITHMS = ['RS256', 'ES256'] as const;
/** Clock skew allowed on `exp` and `nbf`, in seconds. */
export const JWT_CLOCK_TOLERANCE_S = 30;
/** A verified token is reused for at most this long (and never past its `exp`). */
export const VERIFIED_TOKEN_MAX_MS = 5 * 60_000;
/** Verified tokens kept (least recently used first out). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
/** After a failed JWKS fetch, how long requests needing a new key are refused at once instead of fetching again. */
export const JWKS_RETRY_MS = 1000;
/** Longest wait for the JWKS endpoint. */
export const JWKS_TIMEOUT_MS = 5000;

/** Why a token was refused: `extensions.reason` of the UNAUTHENTICATED error. */
export type JwtRefusal =
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'unknown_signing_key'
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'invalid_claim'
  | 'malformed';

/** The same form as customer ids in LAKEGATE_API_KEYS (src/config/api-keys.ts). */
const CUSTOMER_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const MAX_TOKEN_CUSTOMERS = 1000;
const KNOWN_SCOPES: ReadonlySet<string> = new Set(SCOPES);
/** Three base64url segments (the third, the signature, is empty for `alg: none`). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The shape of a compact JWS: the cheap first test of `looksLikeJwt`. */
export function isCompactJws(token: string): boolean {
  return COMPACT_JWS.test(token);
}

/**
 * Whether a bearer value is a JWT rather than an API key: a compact JWS whose
 * header decodes to a JSON object with an `alg`.
 */
export function looksLikeJwt(token: string): boolean {
  if (!COMPACT_JWS.test(token)) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** A JWKS fetch failed (unreachable, timed out, not a key set) while a key not already held was needed. */
class JwksUnavailable extends Error {
  constructor(readonly reason: unknown) {
    super('JWKS unavailable');
  }
}

export interface JwtAuthenticatorOptions {
  /** For tests: the JWKS fetch timeout (default JWKS_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Where a failed JWKS fetch is reported (default: the root logger). */
  logger?: Logger;
}

/**
 * `Authorization: Bearer <JWT>` -> Principal, for tokens of one identity provider.
 *
 * The signature is checked against the provider's JWKS (jose's remote key set: keys
 * cached, fetched again on an unknown `kid` at most once per cooldown); `iss`, `aud`,
 * `exp` (required) and `nbf` with JWT_CLOCK_TOLERANCE_S of skew; RS256 or ES256 only.
 * Scopes come from the scopes claim (names lakegate does not know are ignored), the
 * tenant binding from the customers claim.
 *
 * While the JWKS endpoint is down, keys already fetched keep working (even past
 * their max age); a token needing a new key gets BACKEND_UNAVAILABLE, not a refusal.
 *
 * A verified token is cached by its SHA-256 until its `exp` (at most
 * VERIFIED_TOKEN_MAX_MS), so the request path verifies each token once.
 */
export class JwtAuthenticator {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified = new LRUCache<string, Principal>({ max: VERIFIED_TOKEN_CACHE_SIZE });
  private jwksFailedAt = Number.NEGATIVE_INFINITY;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly config: JwtConfig,
    options: JwtAuthenticatorOptions = {},
  ) {
    this.logger = options.logger;
    this.remote = createRemoteJWKSet(new URL(config.jwksUrl), {
      cooldownDuration: config.jwksCooldownMs,
      cacheMaxAge: config.jwksMaxAgeMs,
      timeoutDuration: options.timeoutMs ?? JWKS_TIMEOUT_MS,
    });
  }

  /** The cached principal of a token verified before (and not expired since), without verifying again. */
  cached(token: string): Principal | undefined {
    return this.verified.get(tokenDigest(token));
  }

  /** Verifies a JWT; throws UNAUTHENTICATED (with `reason`) or BACKEND_UNAVAILABLE (the JWKS, for a new key). */
  async authenticate(token: string): Promise<Principal> {
    const digest = tokenDigest(token);
    const hit = this.verified.get(digest);
    if (hit) return hit;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [...JWT_ALGORITHMS],
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: JWT_CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof JwksUnavailable) {
        throw backendUnavailable('the identity provider\'s key set (LAKEGATE_JWT_JWKS_URL)', 'the token is signed with a key lakegate does not hold yet and the key set could not be fetched; retry shortly', error.reason);
      }
      throw refused(...describe(error));
    }
    const principal = this.principalOf(payload);
    const ttl = Math.min(payload.exp! * 1000 - Date.now(), VERIFIED_TOKEN_MAX_MS);
    if (ttl > 0) this.verified.set(digest, principal, { ttl });
    return principal;
  }

  private principalOf(payload: JWTPayload): Principal {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw refused('invalid_claim', 'its "sub" claim must be a non-empty string');
    const id = `jwt:${payload.iss}:${payload.sub}`;
    const scopes = new Set<Scope>();
    const scopeClaim = payload[this.config.scopesClaim];
    const scopeNames = typeof scopeClaim === 'string' ? scopeClaim.split(/\s+/) : scopeClaim;
    if (scopeNames !== undefined) {
      if (!Array.isArray(scopeNames) || !scopeNames.every((s) => typeof s === 'string')) {
        throw refused('invalid_claim', `the "${this.config.scopesClaim}" claim must be a space-separated string or an array of strings`);
      }
      for (const name of scopeNames) if (KNOWN_SCOPES.has(name)) scopes.add(name as Scope);
    }
    const customerClaim = payload[this.config.customersClaim];
    if (customerClaim === undefined) return { id, scopes, authenticated: true };
    if (
      !Array.isArray(customerClaim) ||
      customerClaim.length === 0 ||
      customerClaim.length > MAX_TOKEN_CUSTOMERS ||
      !customerClaim.every((c) => typeof c === 'string' && CUSTOMER_ID.test(c))
    ) {
      throw refused('invalid_claim', `the "${this.config.customersClaim}" claim must be an array of 1-${MAX_TOKEN_CUSTOMERS} customer ids (1-128 letters, digits or _.:-)`);
    }
    return { id, scopes, authenticated: true, customerIds: tenantCustomers(customerClaim as string[]) };
  }

  /**
   * The verification key for a token's header: jose's remote key set, and while the
   * JWKS endpoint fails, the keys it fetched before (stale beats down).
   */
  private readonly key: JWTVerifyGetKey = async (header, token) => {
    if (Date.now() - this.jwksFailedAt < JWKS_RETRY_MS) return this.staleKey(header, token, undefined);
    try {
      return await this.remote(header, token);
    } catch (error) {
      if (isJoseError(error, 'ERR_JWKS_NO_MATCHING_KEY') || isJoseError(error, 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')) throw error;
      // At most one fetch (and one line) per JWKS_RETRY_MS while the endpoint fails.
      this.jwksFailedAt = Date.now();
      (this.logger ?? rootLogger()).warn({ err: describeFailure(error), jwksUrl: this.config.jwksUrl, held: this.remote.jwks()?.keys.length ?? 0 }, 'JWKS fetch failed: tokens signed with keys not held are refused with BACKEND_UNAVAILABLE');
      return this.staleKey(header, token, error);
    }
  };

  private async staleKey(header: Parameters<JWTVerifyGetKey>[0], token: Parameters<JWTVerifyGetKey>[1], cause: unknown) {
    const keys = this.remote.jwks();
    if (!keys) throw new JwksUnavailable(cause);
    try {
      return await createLocalJWKSet(keys)(header, token);
    } catch (error) {
      if (isJoseError(error, 'ERR_JWKS_NO_MATCHING_KEY')) throw new JwksUnavailable(cause ?? error);
      throw error;
    }
  }
}

/** fetch's "fetch failed" says little; its cause says what (ECONNREFUSED, a certificate, ...). */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? errorMessage(error) : `${errorMessage(error)}: ${errorMessage(cause)}`;
}

function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

function isJoseError(error: unknown, code: string): error is Error & { code: string; claim?: string; reason?: string } {
  return error instanceof Error && (error as { code?: unknown }).code === code;
}

function refused(reason: JwtRefusal, detail: string): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, `Bearer token refused (${reason.replace(/_/g, ' ')}): ${detail}`, { details: { reason } });
}

/** jose's error -> the reason a client is told (never a stack, never the token). */
function describe(error: unknown): [JwtRefusal, string] {
  const code = (error as { code?: unknown } | null)?.code;
  const claim = (error as { claim?: unknown } | null)?.claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return ['expired', 'its "exp" has passed; get a new token'];
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if ((error as { reason?: unknown }).reason === 'missing') return ['malformed', `it has no "${String(claim)}" claim`];
      if (claim === 'nbf') return ['not_yet_valid', 'its "nbf" is in the future'];
      if (claim === 'iss') return ['wrong_issuer', 'its "iss" is not the issuer lakegate trusts (LAKEGATE_JWT_ISSUER)'];
      if (claim === 'aud') return ['wrong_audience', 'its "aud" does not name lakegate (LAKEGATE_JWT_AUDIENCE)'];
      return ['invalid_claim', `its "${String(claim)}" claim is not valid`];
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return ['unknown_signing_key', 'it is signed with a key (kid) that is not in the identity provider\'s key set'];
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return ['unknown_signing_key', 'its header names no kid and the key set holds several keys that could match'];
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return ['algorithm_not_allowed', `its "alg" is not one of ${JWT_ALGORITHMS.join(', ')}`];
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return ['bad_signature', 'its signature does not match its contents'];
    default:
      return ['malformed', 'it is not a well-formed signed JWT'];
  }
}
