import type { Config } from '../config/config';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { isCompactJws, JwtAuthenticator, looksLikeJwt, type JwtAuthenticatorOptions } from './jwt-authenticator';
import type { Principal } from './principal';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `Authorization` -> Principal: API keys (LAKEGATE_API_KEYS) and, when configured
 * (LAKEGATE_JWT_*), JWT bearer tokens. A bearer value is taken for a JWT when it
 * has a JWT's shape (three base64url segments, a JSON header with `alg`); anything
 * else is an API key, checked as without JWT.
 *
 * Answers synchronously (no promise) for API keys, the anonymous caller and JWTs
 * verified before; a JWT seen for the first time is verified asynchronously.
 * Refusals are AppErrors: UNAUTHENTICATED (a JWT's with `details.reason`), or
 * BACKEND_UNAVAILABLE when a JWT needs a key the identity provider cannot serve now.
 */
export class Authenticator {
  constructor(
    private readonly apiKeys: ApiKeyAuthenticator,
    readonly jwt: JwtAuthenticator | undefined,
  ) {}

  authenticate(authorization: string | undefined): Principal | Promise<Principal> {
    if (this.jwt && authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      if (token !== undefined && isCompactJws(token)) {
        const cached = this.jwt.cached(token);
        if (cached) return cached;
        if (looksLikeJwt(token)) return this.jwt.authenticate(token);
      }
    }
    return this.apiKeys.authenticate(authorization);
  }
}

export function createAuthenticator(config: Config, jwtOptions?: JwtAuthenticatorOptions): Authenticator {
  return new Authenticator(
    new ApiKeyAuthenticator(config.server.apiKeys, { production: config.server.production }),
    config.jwt ? new JwtAuthenticator(config.jwt, jwtOptions) : undefined,
  );
}
