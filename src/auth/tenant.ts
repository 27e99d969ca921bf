import { TENANT_SCOPES } from '../config/api-keys';
import { currentQueryScope } from '../observability/query-accounting';
import type { Principal } from './principal';

/**
 * The tenant restriction of the request being served: the customers its principal
 * is bound to (a token's customer claim, an API key's customerIds), or undefined
 * for a principal that sees every customer (and for background work).
 *
 * The services read it here instead of taking it as an argument, so that no
 * resolver can forget to pass it: every backend query and cache key they build
 * includes it (see docs/ARCHITECTURE.md, "Tenants").
 */
export interface Tenant {
  /** Sorted, distinct. */
  readonly customerIds: readonly string[];
}

export function currentTenant(): Tenant | undefined {
  const customerIds = currentQueryScope()?.tenant;
  return customerIds ? { customerIds } : undefined;
}

/** The canonical form of a tenant's customer list (sorted, distinct): cache keys depend on it. */
export function tenantCustomers(ids: Iterable<string>): readonly string[] {
  return Object.freeze([...new Set(ids)].sort());
}

/** Whether the request may see this customer. */
export function tenantSees(tenant: Tenant | undefined, customerId: string): boolean {
  return !tenant || tenant.customerIds.includes(customerId);
}

/**
 * The customers a query is restricted to: the filter's customer for a principal
 * that sees everyone; for a tenant, the filter's customer if it is one of theirs
 * (else `[]`: an empty answer, not an error, so nothing reveals that it exists),
 * or all of the tenant's customers.
 */
export function restrictCustomers(tenant: Tenant | undefined, requested: string | undefined): string[] | undefined {
  if (!tenant) return requested === undefined ? undefined : [requested];
  if (requested === undefined) return [...tenant.customerIds];
  return tenant.customerIds.includes(requested) ? [requested] : [];
}

/** A tenant principal keeps only the tenant scopes (TENANT_SCOPES). */
export function withTenantScopes(principal: Principal): Principal {
  if (!principal.customerIds) return principal;
  return { ...principal, scopes: new Set([...principal.scopes].filter((scope) => TENANT_SCOPES.includes(scope))) };
}
