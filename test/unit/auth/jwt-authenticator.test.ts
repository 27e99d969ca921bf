import { ApiKeyAuthenticator } from '../../../src/auth/api-key-authenticator';
import { Authenticator } from '../../../src/auth/authenticator';
import { JwtAuthenticator, looksLikeJwt } from '../../../src/auth/jwt-authenticator';
import type { JwtConfig } from '../../../src/config/jwt';
import { AppError } from '../../../src/errors/app-error';
import {
  hmacWithPublicKey,
  JwksServer,
  makeSigningKey,
  signToken,
  standardClaims,
  tamperedToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  unsignedToken,
  type SigningKey,
} from '../../helpers/jwks-server';

/** JWT verification against a JWKS served over HTTP by the test, keys made by jose. */
let rsa: SigningKey;
let ec: SigningKey;
let jwks: JwksServer;

beforeAll(async () => {
  rsa = await makeSigningKey('RS256', 'rsa-1');
  ec = await makeSigningKey('ES256', 'ec-1');
  jwks = await JwksServer.start([rsa, ec]);
});
afterAll(async () => {
  await jwks?.close();
});
beforeEach(() => {
  jwks.setKeys([rsa, ec]);
  jwks.setDown(false);
});

function config(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    jwksUrl: jwks.url,
    issuer: TEST_ISSUER,
    audience: [TEST_AUDIENCE],
    scopesClaim: 'scope',
    customersClaim: 'customer_ids',
    jwksCooldownMs: 0,
    jwksMaxAgeMs: 600_000,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; reason: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    return { code: e.code, reason: e.details.reason, message: e.message };
  }
  throw new Error('expected the token to be refused');
}

describe('accepted tokens', () => {
  test.each(['RS256', 'ES256'] as const)('%s: principal jwt:<iss>:<sub> with the known scopes of a space-separated scope claim', async (alg) => {
    const auth = new JwtAuthenticator(config());
    const token = await signToken(alg === 'RS256' ? rsa : ec, { scope: 'events:read decisions:read openid profile no:such' }, { sub: `user-${alg}` });
    const principal = await auth.authenticate(token);
    expect(principal.id).toBe(`jwt:${TEST_ISSUER}:user-${alg}`);
    expect(principal.authenticated).toBe(true);
    expect([...principal.scopes].sort()).toEqual(['decisions:read', 'events:read']);
    expect(principal.customerIds).toBeUndefined();
  });

  test('scopes from an array claim named by LAKEGATE_JWT_SCOPES_CLAIM', async () => {
    const auth = new JwtAuthenticator(config({ scopesClaim: 'permissions' }));
    const token = await signToken(rsa, { permissions: ['events:read', 'pii:read', 'admin'], scope: 'decisions:read' });
    expect([...(await auth.authenticate(token)).scopes].sort()).toEqual(['events:read', 'pii:read']);
    // The default claim holding an array works too.
    const arrayScope = await signToken(rsa, { scope: ['catalog:read'] });
    expect([...(await new JwtAuthenticator(config()).authenticate(arrayScope)).scopes]).toEqual(['catalog:read']);
  });

  test('no scope claim: authenticated, no scopes', async () => {
    const principal = await new JwtAuthenticator(config()).authenticate(await signToken(rsa));
    expect(principal.scopes.size).toBe(0);
    expect(principal.authenticated).toBe(true);
  });

  test('customer_ids -> principal.customerIds, sorted and distinct; another claim name by LAKEGATE_JWT_CUSTOMERS_CLAIM', async () => {
    const principal = await new JwtAuthenticator(config()).authenticate(await signToken(rsa, { scope: 'events:read', customer_ids: ['cus_000002', 'cus_000001', 'cus_000002'] }));
    expect(principal.customerIds).toEqual(['cus_000001', 'cus_000002']);
    const named = await new JwtAuthenticator(config({ customersClaim: 'https://lakegate/customers' })).authenticate(
      await signToken(rsa, { 'https://lakegate/customers': ['cus_000009'], customer_ids: ['cus_000001'] }),
    );
    expect(named.customerIds).toEqual(['cus_000009']);
  });

  test('an accepted audience among several', async () => {
    const auth = new JwtAuthenticator(config({ audience: ['other-api', TEST_AUDIENCE] }));
    expect((await auth.authenticate(await signToken(rsa, {}, { audience: ['x', TEST_AUDIENCE] }))).id).toMatch(/^jwt:/);
  });

  test('a verified token is cached: verified once, served while the JWKS is down', async () => {
    const auth = new JwtAuthenticator(config());
    const token = await signToken(ec, { scope: 'events:read' });
    expect(auth.cached(token)).toBeUndefined();
    const first = await auth.authenticate(token);
    expect(auth.cached(token)).toBe(first);
    jwks.setDown(true);
    expect(await auth.authenticate(token)).toBe(first);
  });
});

describe('refused tokens: UNAUTHENTICATED with the reason', () => {
  test.each([
    ['expired', () => signToken(rsa, {}, { expiresIn: -120 }), 'expired'],
    ['expired beyond the 30 s of skew', () => signToken(rsa, {}, { expiresIn: -31 }), 'expired'],
    ['not yet valid', () => signToken(rsa, {}, { notBefore: 120 }), 'not_yet_valid'],
    ['wrong issuer', () => signToken(rsa, {}, { issuer: 'https://evil.example/' }), 'wrong_issuer'],
    ['wrong audience', () => signToken(rsa, {}, { audience: 'another-api' }), 'wrong_audience'],
    ['unknown kid', () => signToken(rsa, {}, { kid: 'no-such-key' }), 'unknown_signing_key'],
    ['alg none', async () => unsignedToken(), 'algorithm_not_allowed'],
    ['HS256 with the RSA public key as secret', () => hmacWithPublicKey(rsa), 'algorithm_not_allowed'],
    ['tampered payload', async () => tamperedToken(await signToken(rsa, { scope: 'events:read' }), (p) => ({ ...p, scope: 'events:read pii:read gdpr:write' })), 'bad_signature'],
    ['signed by a key with the kid of another', async () => signToken(await makeSigningKey('RS256', 'rsa-1'), {}), 'bad_signature'],
    ['customer_ids not an array', () => signToken(rsa, { customer_ids: 'cus_000001' }), 'invalid_claim'],
    ['customer_ids with an invalid id', () => signToken(rsa, { customer_ids: ['cus_000001', "x' OR 1=1"] }), 'invalid_claim'],
    ['customer_ids empty', () => signToken(rsa, { customer_ids: [] }), 'invalid_claim'],
    ['scope a number', () => signToken(rsa, { scope: 7 }), 'invalid_claim'],
  ] as const)('%s', async (_name, make, reason) => {
    const auth = new JwtAuthenticator(config());
    const refused = await refusal(auth.authenticate(await make()));
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    expect(refused.message).toMatch(/^Bearer token refused/);
  });

  test('a token without exp, or without sub, is malformed', async () => {
    const { SignJWT } = await import('jose');
    const noExp = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'RS256', kid: rsa.kid }).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).sign(rsa.privateKey);
    expect(await refusal(new JwtAuthenticator(config()).authenticate(noExp))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'malformed' });
    const claims = standardClaims();
    delete claims.sub;
    const noSub = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: ec.kid }).sign(ec.privateKey);
    const refused = await refusal(new JwtAuthenticator(config()).authenticate(noSub));
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'malformed' });
    expect(refused.message).toMatch(/"sub"/);
  });

  test('a refused token is never cached', async () => {
    const auth = new JwtAuthenticator(config());
    const token = await signToken(rsa, {}, { issuer: 'https://evil.example/' });
    await refusal(auth.authenticate(token));
    expect(auth.cached(token)).toBeUndefined();
  });
});

describe('the key set', () => {
  test('key rotation: a token with a new kid is accepted after the JWKS is fetched again', async () => {
    const auth = new JwtAuthenticator(config());
    await auth.authenticate(await signToken(rsa));
    const next = await makeSigningKey('RS256', 'rsa-2');
    const before = jwks.fetches;
    jwks.setKeys([next, ec]);
    expect((await auth.authenticate(await signToken(next, {}, { sub: 'rotated' }))).id).toBe(`jwt:${TEST_ISSUER}:rotated`);
    expect(jwks.fetches).toBe(before + 1);
  });

  test('an unknown kid within the cooldown does not fetch the JWKS again', async () => {
    const auth = new JwtAuthenticator(config({ jwksCooldownMs: 60_000 }));
    await auth.authenticate(await signToken(rsa));
    const fetched = jwks.fetches;
    for (let i = 0; i < 5; i++) expect(await refusal(auth.authenticate(await signToken(rsa, {}, { kid: `bogus-${i}` })))).toMatchObject({ reason: 'unknown_signing_key' });
    expect(jwks.fetches).toBe(fetched);
  });

  test('JWKS down: a new kid is BACKEND_UNAVAILABLE; new tokens signed with keys already fetched keep working', async () => {
    const auth = new JwtAuthenticator(config(), { timeoutMs: 2000 });
    await auth.authenticate(await signToken(rsa));
    jwks.setDown(true);
    const unavailable = await refusal(auth.authenticate(await signToken(await makeSigningKey('ES256', 'ec-new'))));
    expect(unavailable.code).toBe('BACKEND_UNAVAILABLE');
    expect(unavailable.message).toMatch(/LAKEGATE_JWT_JWKS_URL/);
    // A token not seen before, signed with a key fetched before the outage.
    expect((await auth.authenticate(await signToken(ec, {}, { sub: 'during-outage' }))).id).toBe(`jwt:${TEST_ISSUER}:during-outage`);
    expect((await auth.authenticate(await signToken(rsa, {}, { sub: 'during-outage-2' }))).id).toBe(`jwt:${TEST_ISSUER}:during-outage-2`);
  });

  test('JWKS down past the keys\' max age: the keys fetched before still verify', async () => {
    const auth = new JwtAuthenticator(config({ jwksMaxAgeMs: 1000 }), { timeoutMs: 2000 });
    await auth.authenticate(await signToken(rsa));
    jwks.setDown(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await auth.authenticate(await signToken(rsa, {}, { sub: 'stale' }))).id).toBe(`jwt:${TEST_ISSUER}:stale`);
  });

  test('JWKS never reachable: BACKEND_UNAVAILABLE, not a refusal', async () => {
    jwks.setDown(true);
    const auth = new JwtAuthenticator(config(), { timeoutMs: 2000 });
    expect((await refusal(auth.authenticate(await signToken(rsa)))).code).toBe('BACKEND_UNAVAILABLE');
  });
});

describe('Authenticator: API keys beside JWTs', () => {
  const apiKeys = () => new ApiKeyAuthenticator([{ id: 'svc', key: 'a-long-api-key-000000001', scopes: ['events:read'] }], { production: true });

  test('a bearer value shaped like a JWT goes to the JWT verifier, anything else is an API key', async () => {
    const auth = new Authenticator(apiKeys(), new JwtAuthenticator(config()));
    expect((await auth.authenticate('Bearer a-long-api-key-000000001')).id).toBe('svc');
    expect((await auth.authenticate(`Bearer ${await signToken(rsa, {}, { sub: 'u9' })}`)).id).toBe(`jwt:${TEST_ISSUER}:u9`);
    expect((await auth.authenticate(undefined)).id).toBe('anonymous');
    // Three dot-separated parts whose header is no JSON with alg: an (unknown) API key.
    expect(() => auth.authenticate('Bearer aaaa.bbbb.cccc')).toThrow('Unknown API key');
  });

  test('without JWT configured a JWT is just an unknown API key', async () => {
    const auth = new Authenticator(apiKeys(), undefined);
    expect(() => auth.authenticate(`Bearer ${unsignedToken()}`)).toThrow('Unknown API key');
  });

  test('looksLikeJwt', async () => {
    expect(looksLikeJwt(await signToken(ec))).toBe(true);
    expect(looksLikeJwt(unsignedToken())).toBe(true);
    expect(looksLikeJwt('a-long-api-key-000000001')).toBe(false);
    expect(looksLikeJwt(`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.sig`)).toBe(false);
    expect(looksLikeJwt('e30.e30.sig.extra')).toBe(false);
  });
});
