import type { Scope } from '../config/api-keys';

/** Who is calling, and what they may do. */
export interface Principal {
  /** Key id from LAKEGATE_API_KEYS, `jwt:<iss>:<sub>` for a token, or 'anonymous'. */
  id: string;
  scopes: ReadonlySet<Scope>;
  authenticated: boolean;
  /**
   * The customers a tenant principal may see (sorted, distinct); absent: every
   * customer. Enforced by the services on every backend query (src/auth/tenant.ts).
   */
  customerIds?: readonly string[];
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/** The data scope of a caller: cache keys and customer queries differ by it. */
export function dataScope(principal: Principal): 'pii' | 'masked' {
  return principal.scopes.has('pii:read') ? 'pii' : 'masked';
}
