import { ConfigError, loadConfig } from '../../../src/config/config';

/** LAKEGATE_CORS_ORIGINS and LAKEGATE_JWT_*: validated at boot, each problem naming its variable. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('LAKEGATE_CORS_ORIGINS', () => {
  test('none by default', () => {
    expect(loadConfig({}).cors.origins).toEqual([]);
  });

  test('exact origins, comma-separated, duplicates dropped', () => {
    expect(loadConfig({ LAKEGATE_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com' }).cors.origins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  test.each([
    ['*', /wildcard/],
    ['https://*.example.com', /wildcard/],
    ['https://app.example.com/', /write https:\/\/app\.example\.com/],
    ['https://app.example.com/path', /write https:\/\/app\.example\.com/],
    ['https://APP.example.com', /write https:\/\/app\.example\.com/],
    ['https://app.example.com:443', /write https:\/\/app\.example\.com/],
    ['app.example.com', /not an origin/],
    ['ftp://files.example.com', /not an http\(s\) origin/],
  ])('%s is refused', (given, message) => {
    const found = problems({ LAKEGATE_CORS_ORIGINS: `https://ok.example.com,${given}` });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^LAKEGATE_CORS_ORIGINS: /);
    expect(found[0]).toMatch(message);
  });
});

describe('LAKEGATE_JWT_*', () => {
  const full = { LAKEGATE_JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', LAKEGATE_JWT_ISSUER: 'https://idp.example.com/', LAKEGATE_JWT_AUDIENCE: 'lakegate' };

  test('off unless configured', () => {
    expect(loadConfig({}).jwt).toBeUndefined();
  });

  test('all three: on, with the default claims and key set timings', () => {
    expect(loadConfig(full).jwt).toEqual({
      jwksUrl: full.LAKEGATE_JWT_JWKS_URL,
      issuer: full.LAKEGATE_JWT_ISSUER,
      audience: ['lakegate'],
      scopesClaim: 'scope',
      customersClaim: 'customer_ids',
      jwksCooldownMs: 30_000,
      jwksMaxAgeMs: 600_000,
    });
    expect(loadConfig({ ...full, LAKEGATE_JWT_AUDIENCE: 'a, b', LAKEGATE_JWT_SCOPES_CLAIM: 'permissions', LAKEGATE_JWT_CUSTOMERS_CLAIM: 'https://lakegate/customers' }).jwt).toMatchObject({
      audience: ['a', 'b'],
      scopesClaim: 'permissions',
      customersClaim: 'https://lakegate/customers',
    });
  });

  test('a partial set names the missing settings', () => {
    const found = problems({ LAKEGATE_JWT_ISSUER: full.LAKEGATE_JWT_ISSUER });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^LAKEGATE_JWT_JWKS_URL: required with LAKEGATE_JWT_ISSUER/);
    expect(found[1]).toMatch(/^LAKEGATE_JWT_AUDIENCE: required with LAKEGATE_JWT_ISSUER/);
    expect(problems({ LAKEGATE_JWT_JWKS_URL: full.LAKEGATE_JWT_JWKS_URL, LAKEGATE_JWT_AUDIENCE: 'x' })).toEqual([expect.stringMatching(/^LAKEGATE_JWT_ISSUER: required/)]);
  });

  test('a JWKS URL that is no http(s) URL', () => {
    expect(problems({ ...full, LAKEGATE_JWT_JWKS_URL: 'file:///etc/jwks.json' })).toEqual([expect.stringMatching(/^LAKEGATE_JWT_JWKS_URL: expected an http\(s\) URL/)]);
  });
});
