import type { Scope } from '../config/api-keys';

/** Who is calling, and what they may do. */
export interface Principal {
  /** Key id from LAKEGATE_API_KEYS, or 'anonymous'. */
  id: string;
  scopes: ReadonlySet<Scope>;
  authenticated: boolean;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/** The data scope of a caller: cache keys and customer queries differ by it. */
export function dataScope(principal: Principal): 'pii' | 'masked' {
  return principal.scopes.has('pii:read') ? 'pii' : 'masked';
}
