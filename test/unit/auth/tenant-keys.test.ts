import { ApiKeyAuthenticator } from '../../../src/auth/api-key-authenticator';
import { restrictCustomers, tenantCustomers, withTenantScopes } from '../../../src/auth/tenant';
import { parseApiKeys } from '../../../src/config/api-keys';
import { ConfigError } from '../../../src/config/env';

/** Tenant keys in LAKEGATE_API_KEYS, and the restriction rules the services apply. */

const key = (extra: Record<string, unknown>) => JSON.stringify([{ id: 'acme', key: 'acme-key-000000000000001', scopes: ['events:read'], ...extra }]);

function configError(text: string): string {
  try {
    parseApiKeys(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a configuration error');
}

test('a tenant key becomes a principal bound to its customers (sorted, distinct)', () => {
  const keys = parseApiKeys(key({ customerIds: ['cus_2', 'cus_1', 'cus_2'] }));
  const principal = new ApiKeyAuthenticator(keys, { production: true }).authenticate('Bearer acme-key-000000000000001');
  expect(principal).toMatchObject({ id: 'acme', authenticated: true, customerIds: ['cus_1', 'cus_2'] });
  const unbound = new ApiKeyAuthenticator(parseApiKeys(key({})), { production: true }).authenticate('Bearer acme-key-000000000000001');
  expect(unbound.customerIds).toBeUndefined();
});

test('refused at startup: platform scopes on a tenant key, an empty or malformed customer list, a misspelt field', () => {
  expect(configError(key({ scopes: ['events:read', 'cost:read', 'gdpr:write'], customerIds: ['cus_1'] }))).toMatch(/"acme" is bound to customers .* platform scope\(s\) cost:read, gdpr:write/);
  expect(configError(key({ customerIds: [] }))).toMatch(/at least one customer/);
  expect(configError(key({ customerIds: ["cus_1' OR 1=1"] }))).toMatch(/customerIds/);
  // A typo must not silently make a tenant key see everyone.
  expect(configError(key({ customerIDs: ['cus_1'] }))).toMatch(/customerIDs/);
});

test('restrictCustomers: unrestricted principals get the filter; a tenant its own customers, or nothing for another one', () => {
  const tenant = { customerIds: tenantCustomers(['b', 'a']) };
  expect(restrictCustomers(undefined, undefined)).toBeUndefined();
  expect(restrictCustomers(undefined, 'x')).toEqual(['x']);
  expect(restrictCustomers(tenant, undefined)).toEqual(['a', 'b']);
  expect(restrictCustomers(tenant, 'b')).toEqual(['b']);
  expect(restrictCustomers(tenant, 'x')).toEqual([]);
});

test('withTenantScopes: a bound principal keeps only the tenant scopes, whatever its token claimed', () => {
  const principal = { id: 'jwt:u1', authenticated: true, scopes: new Set(['events:read', 'cost:read', 'gdpr:write', 'pii:read'] as const), customerIds: ['cus_1'] };
  expect([...withTenantScopes(principal).scopes].sort()).toEqual(['events:read', 'pii:read']);
  const admin = { ...principal, customerIds: undefined };
  expect(withTenantScopes(admin)).toBe(admin);
});
