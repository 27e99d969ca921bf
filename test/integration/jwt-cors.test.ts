import { JWKS_RETRY_MS } from '../../src/auth/jwt-authenticator';
import { cleanupTestData, startTestApp, TEST_KEYS, type TestApp } from '../helpers/test-app';
import {
  hmacWithPublicKey,
  JwksServer,
  jwtEnv,
  makeSigningKey,
  signToken,
  tamperedToken,
  unsignedToken,
  type SigningKey,
} from '../helpers/jwks-server';

/**
 * JWT bearer tokens and CORS over HTTP against the real server (issue 10): a local
 * JWKS server with keys made here, tokens accepted and refused (each refusal a 401
 * with `www-authenticate: Bearer error="invalid_token"`, the server healthy after),
 * key rotation, the JWKS endpoint down, a tenant token's customers, and CORS
 * preflights and answers for an allowed and a foreign origin.
 */
jest.setTimeout(120_000);

const ALLOWED = 'https://dashboard.lakegate.test';
const FOREIGN = 'https://evil.example';

let rsa: SigningKey;
let ec: SigningKey;
let jwks: JwksServer;
let t: TestApp;

beforeAll(async () => {
  rsa = await makeSigningKey('RS256', 'rsa-1');
  ec = await makeSigningKey('ES256', 'ec-1');
  jwks = await JwksServer.start([rsa, ec]);
  t = await startTestApp({ env: { NODE_ENV: 'production', LAKEGATE_CORS_ORIGINS: `${ALLOWED},http://localhost:5173`, ...jwtEnv(jwks) } });
});
afterAll(async () => {
  await t?.close();
  await jwks?.close();
  cleanupTestData();
});

const TYPENAME = '{ __typename }';
const CUSTOMER_DECISIONS = `query CD($customerId: ID!) { customerDecisions(customerId: $customerId, first: 5) { totalCount edges { node { id customerId } } } }`;

async function healthy(): Promise<void> {
  const response = await fetch(`${t.origin}/healthz`);
  expect(response.status).toBe(200);
}

describe('accepted tokens', () => {
  test.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ])('%s: the scopes of the token apply', async (_alg, key) => {
    const token = await signToken(key(), { scope: 'events:read' });
    const ok = await t.gql(TYPENAME, {}, { key: token });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ data: { __typename: 'Query' } });
    // decisions:read is not among its scopes.
    const forbidden = await t.gql(CUSTOMER_DECISIONS, { customerId: 'cus_000001' }, { key: token });
    expect(forbidden.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(forbidden.body.errors![0]!.message).toContain(`jwt:https://idp.lakegate.test/:user-1`);
  });

  test('API keys keep working beside JWTs', async () => {
    expect((await t.gql(TYPENAME, {}, { key: TEST_KEYS.reader })).body.data).toEqual({ __typename: 'Query' });
  });

  test('customer_ids bind the token to its customers: another customer\'s decisions are an empty page', async () => {
    // Two customers with decisions, found with an unbound API key.
    const owners: string[] = [];
    for (let i = 1; owners.length < 2 && i <= 200; i++) {
      const id = `cus_${String(i).padStart(6, '0')}`;
      const r = await t.gql(CUSTOMER_DECISIONS, { customerId: id }, { key: TEST_KEYS.reader });
      if (r.body.data.customerDecisions.totalCount > 0) owners.push(id);
    }
    expect(owners).toHaveLength(2);
    const [mine, theirs] = owners as [string, string];
    const token = await signToken(rsa, { scope: 'decisions:read events:read', customer_ids: [mine] }, { sub: 'tenant-user' });
    const own = await t.gql(CUSTOMER_DECISIONS, { customerId: mine }, { key: token });
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data.customerDecisions.totalCount).toBeGreaterThan(0);
    expect(own.body.data.customerDecisions.edges.every((e: any) => e.node.customerId === mine)).toBe(true);
    const other = await t.gql(CUSTOMER_DECISIONS, { customerId: theirs }, { key: token });
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.customerDecisions).toEqual({ totalCount: 0, edges: [] });
  });
});

describe('refused tokens: 401, UNAUTHENTICATED with the reason, the server healthy', () => {
  test.each([
    ['expired', () => signToken(rsa, {}, { expiresIn: -300 }), 'expired'],
    ['not yet valid', () => signToken(ec, {}, { notBefore: 300 }), 'not_yet_valid'],
    ['wrong issuer', () => signToken(rsa, {}, { issuer: 'https://other-idp.example/' }), 'wrong_issuer'],
    ['wrong audience', () => signToken(rsa, {}, { audience: 'some-other-api' }), 'wrong_audience'],
    ['unknown kid', () => signToken(rsa, {}, { kid: 'never-published' }), 'unknown_signing_key'],
    ['alg none', async () => unsignedToken(), 'algorithm_not_allowed'],
    ['HS256 signed with the RSA public key', () => hmacWithPublicKey(rsa), 'algorithm_not_allowed'],
    ['tampered payload', async () => tamperedToken(await signToken(rsa, { scope: 'events:read' }), (p) => ({ ...p, scope: 'events:read decisions:read pii:read' })), 'bad_signature'],
    ['invalid customer ids', () => signToken(rsa, { customer_ids: ['../../etc'] }), 'invalid_claim'],
  ] as const)('%s', async (_name, make, reason) => {
    const r = await t.gql(TYPENAME, {}, { key: await make() });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${reason}"`);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason });
    expect(r.body.errors![0]!.message).toMatch(/^Bearer token refused/);
    await healthy();
  });

  test('an unknown API key is still a plain Bearer challenge', async () => {
    const r = await t.gql(TYPENAME, {}, { key: 'not-a-key-at-all-000000' });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});

describe('the key set', () => {
  afterEach(async () => {
    jwks.setKeys([rsa, ec]);
    jwks.setDown(false);
    // After a failed fetch, keys not held are refused for JWKS_RETRY_MS before the JWKS is tried again.
    await new Promise((resolve) => setTimeout(resolve, JWKS_RETRY_MS + 100));
  });

  test('key rotation: a token signed with the new key is accepted once the JWKS serves it', async () => {
    const next = await makeSigningKey('ES256', 'ec-2');
    const early = await signToken(next, {}, { sub: 'early' });
    expect((await t.gql(TYPENAME, {}, { key: early })).status).toBe(401);
    jwks.setKeys([next, rsa]);
    const r = await t.gql(TYPENAME, {}, { key: await signToken(next, {}, { sub: 'rotated' }) });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ __typename: 'Query' });
  });

  test('JWKS down: a new kid is BACKEND_UNAVAILABLE (503), keys already fetched keep working', async () => {
    // rsa's key is fetched (and a token of it cached) before the outage.
    const before = await signToken(rsa, {}, { sub: 'before-outage' });
    expect((await t.gql(TYPENAME, {}, { key: before })).status).toBe(200);
    jwks.setDown(true);
    const fresh = await makeSigningKey('RS256', 'rsa-new');
    const r = await t.gql(TYPENAME, {}, { key: await signToken(fresh) });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', retryable: true });
    // The cached token, and a new token signed with the key fetched before.
    expect((await t.gql(TYPENAME, {}, { key: before })).status).toBe(200);
    const during = await t.gql(TYPENAME, {}, { key: await signToken(rsa, {}, { sub: 'during-outage' }) });
    expect(during.status).toBe(200);
    expect(during.body.data).toEqual({ __typename: 'Query' });
    await healthy();
  });
});

describe('CORS', () => {
  const preflight = (origin: string, requestHeaders = 'content-type, authorization') =>
    fetch(t.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders } });

  test('a preflight from an allowed origin: 204 with what the browser needs, no credentials', async () => {
    const r = await preflight(ALLOWED);
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(r.headers.get('access-control-allow-headers')!.split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'authorization', 'x-request-id']));
    expect(r.headers.get('access-control-max-age')).toBe('600');
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    expect(r.headers.get('vary')).toMatch(/Origin/i);
    // The second listed origin too.
    expect((await preflight('http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  test('a preflight from another origin gets no Access-Control-Allow-Origin', async () => {
    for (const origin of [FOREIGN, `${ALLOWED}.evil.example`, 'http://dashboard.lakegate.test', 'null']) {
      const r = await preflight(origin);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      expect(r.headers.get('access-control-allow-methods')).toBeNull();
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
  });

  test('the POST of an allowed origin gets Access-Control-Allow-Origin and the exposed headers; a foreign one does not', async () => {
    const token = await signToken(ec, { scope: 'events:read' });
    const allowed = await t.gql(TYPENAME, {}, { key: token, headers: { origin: ALLOWED } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const foreign = await t.gql(TYPENAME, {}, { key: token, headers: { origin: FOREIGN } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    // A refusal carries the header too, so that the page can read why.
    const refused = await t.gql(TYPENAME, {}, { key: unsignedToken(), headers: { origin: ALLOWED } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  test('Apollo\'s CSRF prevention stays on: a simple cross-origin GET without a preflight header is refused', async () => {
    const r = await fetch(`${t.url}?query=${encodeURIComponent(TYPENAME)}`, { headers: { origin: ALLOWED, authorization: `Bearer ${TEST_KEYS.reader}` } });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/CSRF/i);
    const withHeader = await fetch(`${t.url}?query=${encodeURIComponent(TYPENAME)}`, { headers: { origin: ALLOWED, authorization: `Bearer ${TEST_KEYS.reader}`, 'apollo-require-preflight': 'true' } });
    expect(withHeader.status).toBe(200);
  });

  test('requests without Origin (servers) get no CORS headers', async () => {
    const r = await t.gql(TYPENAME, {}, { key: TEST_KEYS.reader });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('access-control-expose-headers')).toBeNull();
  });
});
