import { createHash, timingSafeEqual } from 'node:crypto';
import { DEVELOPMENT_DEFAULT_SCOPES, type ApiKeyConfig, type Scope } from '../config/api-keys';
import { AppError, ErrorCode } from '../errors/app-error';
import type { Principal } from './principal';
import { tenantCustomers } from './tenant';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * `Authorization: Bearer <key>` -> Principal. Keys are compared as SHA-256 digests
 * with a constant-time comparison. Without a header, development grants the read
 * scopes (not pii:read, not gdpr:*); production grants nothing.
 */
export class ApiKeyAuthenticator {
  private readonly keys: Array<{ id: string; digest: Buffer; scopes: ReadonlySet<Scope>; customerIds?: readonly string[] }>;
  private readonly anonymous: Principal;

  constructor(keys: ApiKeyConfig[], options: { production: boolean }) {
    this.keys = keys.map((k) => ({ id: k.id, digest: digest(k.key), scopes: new Set(k.scopes), ...(k.customerIds ? { customerIds: tenantCustomers(k.customerIds) } : {}) }));
    this.anonymous = {
      id: 'anonymous',
      scopes: new Set(options.production ? [] : DEVELOPMENT_DEFAULT_SCOPES),
      authenticated: false,
    };
  }

  authenticate(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization.trim() === '') return this.anonymous;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Authorization header must be "Bearer <api key>"');
    }
    const presented = digest(match[1]!);
    let found: (typeof this.keys)[number] | undefined;
    for (const key of this.keys) {
      // Check every key so the time taken does not depend on which one matched.
      if (timingSafeEqual(key.digest, presented)) found = key;
    }
    if (!found) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Unknown API key');
    return { id: found.id, scopes: found.scopes, authenticated: true, ...(found.customerIds ? { customerIds: found.customerIds } : {}) };
  }
}
