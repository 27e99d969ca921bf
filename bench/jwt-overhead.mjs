// JWT verification on the request path (issue 10): throughput of a small query
// (`{ __typename }`: no backend, so authentication is as large a share of the
// request as it can be) with a JWT bearer token vs the same query with an API key,
// on the same lakegate process, in interleaved rounds. Target: JWT / API key
// throughput at least 0.9 (a verified token is cached by its SHA-256 until its
// `exp`, so the request path hashes the token and looks it up; only its first
// request verifies the signature).
//
// The JWKS is served by this script over HTTP (keys made with jose); the token is
// RS256 with a 2048-bit key, as identity providers issue them. Also reported: the
// same query with an API key as long as the token (a control: what the bytes of
// the larger header cost, apart from verification), and the cost of one uncached
// verification (RS256 and ES256), measured in-process with the built
// JwtAuthenticator.
//
// Run: node bench/jwt-overhead.mjs [--quick] [--rounds N] [--duration S] [--connections C] [--json-out FILE]
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { cleanup, CLI, figure, finish, median, onCleanup, parseArgs, round, ROOT, runMain } from './lib/common.mjs';
import { ensureDataset } from './lib/dataset.mjs';
import { gql } from './lib/graphql.mjs';
import { interleavedLoad } from './lib/load.mjs';
import { startLakegate } from './lib/server.mjs';

const require = createRequire(path.join(ROOT, 'package.json'));

const ISSUER = 'https://idp.bench.lakegate/';
const AUDIENCE = 'lakegate-bench';
const API_KEY = 'bench-api-key-0000000000000001';
const QUERY = '{ __typename }';

async function signingKey(alg, kid) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(key, sub, scope = 'events:read decisions:read') {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(key.privateKey);
}

async function startJwks(keys) {
  let fetches = 0;
  const server = http.createServer((req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise((resolve) => server.close(resolve));
  onCleanup(close);
  return { url: `http://127.0.0.1:${server.address().port}/jwks.json`, fetches: () => fetches, close };
}

/** µs per first verification of distinct tokens (no cache hit), in this process, with the built authenticator. */
async function uncachedVerifyMicros(jwksUrl, key, count) {
  const { JwtAuthenticator } = require(path.join(path.dirname(CLI), 'auth/jwt-authenticator.js'));
  const auth = new JwtAuthenticator({ jwksUrl, issuer: ISSUER, audience: [AUDIENCE], scopesClaim: 'scope', customersClaim: 'customer_ids', jwksCooldownMs: 30_000, jwksMaxAgeMs: 600_000 });
  const tokens = await Promise.all(Array.from({ length: count + 20 }, (_, i) => sign(key, `user-${i}`)));
  for (const token of tokens.slice(0, 20)) await auth.authenticate(token); // JWKS fetched, code warm
  const started = process.hrtime.bigint();
  for (const token of tokens.slice(20)) await auth.authenticate(token);
  return Number(process.hrtime.bigint() - started) / 1e3 / count;
}

async function main() {
  const options = parseArgs();
  const rounds = options.rounds ?? (options.quick ? 2 : 5);
  const duration = options.duration ?? (options.quick ? 3 : 10);
  const connections = options.connections ?? 10;
  // `{ __typename }` reads no data: the smallest seed lakegate starts on.
  const spec = { events: 20_000, days: 7, dataDir: options.dataDir ?? path.join(os.tmpdir(), 'lakegate-bench-20000e-7d') };
  await ensureDataset(spec);
  const rsa = await signingKey('RS256', 'bench-rsa');
  const ec = await signingKey('ES256', 'bench-ec');
  const jwks = await startJwks([rsa, ec]);
  const token = await sign(rsa, 'bench-user');
  const longKey = 'k'.repeat(token.length);
  let server;
  try {
    server = await startLakegate({
      dataDir: spec.dataDir,
      name: 'lakegate-jwt',
      env: {
        LAKEGATE_API_KEYS: JSON.stringify([
          { id: 'bench', key: API_KEY, scopes: ['events:read', 'decisions:read'] },
          { id: 'bench-long', key: longKey, scopes: ['events:read', 'decisions:read'] },
        ]),
        LAKEGATE_JWT_JWKS_URL: jwks.url,
        LAKEGATE_JWT_ISSUER: ISSUER,
        LAKEGATE_JWT_AUDIENCE: AUDIENCE,
        LAKEGATE_LOG_LEVEL: 'warn',
      },
    });
    const withJwt = { authorization: `Bearer ${token}` };
    const withKey = { authorization: `Bearer ${API_KEY}` };
    const withLongKey = { authorization: `Bearer ${longKey}` };
    for (const headers of [withJwt, withKey, withLongKey]) {
      const { body } = await gql(server.url, QUERY, {}, headers);
      if (body.data?.__typename !== 'Query') throw new Error(`lakegate refused the bench's credentials: ${JSON.stringify(body)}`);
    }
    const requestBody = JSON.stringify({ query: QUERY });
    const expect = '"__typename":"Query"';
    console.log(`{ __typename } with a JWT (RS256, ${token.length} characters) vs an API key, one lakegate process; ${connections} connections, ${rounds} x ${duration} s`);
    const results = await interleavedLoad(
      [
        { name: 'JWT', pid: server.pid, load: { url: server.url, body: requestBody, headers: withJwt, expect } },
        { name: 'API key', pid: server.pid, load: { url: server.url, body: requestBody, headers: withKey, expect } },
        { name: 'API key as long as the token', pid: server.pid, load: { url: server.url, body: requestBody, headers: withLongKey, expect } },
      ],
      { rounds, duration, warmup: options.quick ? 1 : 3, connections },
    );
    const jwt = results.JWT;
    const key = results['API key'];
    const longKeyRun = results['API key as long as the token'];
    const ratio = jwt.requestsPerSec / key.requestsPerSec;
    const paired = median(jwt.runs.map((run, i) => run.requestsPerSec / key.runs[i].requestsPerSec));
    const verifyCount = options.quick ? 200 : 1000;
    const rsaMicros = await uncachedVerifyMicros(jwks.url, rsa, verifyCount);
    const ecMicros = await uncachedVerifyMicros(jwks.url, ec, verifyCount);
    const figures = [
      figure('with a JWT (RS256, cached after its first request)', jwt.requestsPerSec, 'req/s', undefined, `p50 ${jwt.p50Ms} ms, p99 ${jwt.p99Ms} ms`),
      figure('with an API key', key.requestsPerSec, 'req/s', undefined, `p50 ${key.p50Ms} ms, p99 ${key.p99Ms} ms`),
      figure('throughput ratio JWT / API key', ratio, 'x', { op: '>=', value: 0.9 }, `paired median ${round(paired, 3)}`),
      figure(`with an API key of the token's length (${token.length} characters)`, longKeyRun.requestsPerSec, 'req/s', undefined, `p50 ${longKeyRun.p50Ms} ms, p99 ${longKeyRun.p99Ms} ms`),
      figure('throughput ratio JWT / API key of the same length', jwt.requestsPerSec / longKeyRun.requestsPerSec, 'x', undefined, 'verification and cache lookup alone, header bytes equal'),
      figure('server CPU per request JWT / API key', jwt.serverCpuMsPerRequest / key.serverCpuMsPerRequest, 'x', undefined, `${round(jwt.serverCpuMsPerRequest, 3)} vs ${round(key.serverCpuMsPerRequest, 3)} ms`),
      figure('first verification of a token, RS256 (uncached)', rsaMicros, 'µs', undefined, `${verifyCount} distinct tokens, in-process`),
      figure('first verification of a token, ES256 (uncached)', ecMicros, 'µs', undefined, `${verifyCount} distinct tokens, in-process`),
    ];
    finish('JWT overhead', options, { figures, details: { connections, durationS: duration, rounds, results, jwksFetches: jwks.fetches() } });
  } finally {
    await server?.stop();
    await cleanup();
  }
}

runMain(main);
