// A local identity provider for tests: signing keys made with jose's
// generateKeyPair, a JWKS served over real HTTP (keys switchable, the endpoint can
// be taken down), and tokens signed with those keys.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const TEST_ISSUER = 'https://idp.lakegate.test/';
export const TEST_AUDIENCE = 'lakegate-api';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigningKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export interface TokenOptions {
  sub?: string;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now (negative: in the past). Default 3600. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  /** Header `kid` (default the key's). */
  kid?: string;
}

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with `key`; `claims` are added to the standard ones. */
export async function signToken(key: SigningKey, claims: JWTPayload = {}, options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setSubject(options.sub ?? 'user-1')
    .setIssuedAt()
    .setExpirationTime(now() + (options.expiresIn ?? 3600));
  if (options.notBefore !== undefined) jwt.setNotBefore(now() + options.notBefore);
  return jwt.sign(key.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The standard claims of a token that would otherwise be accepted. */
export function standardClaims(extra: JWTPayload = {}): JWTPayload {
  return { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', iat: now(), exp: now() + 3600, ...extra };
}

/** An unsigned token (`alg: none`). */
export function unsignedToken(claims: JWTPayload = standardClaims()): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** HS256 "signed" with the RSA public key's PEM as the HMAC secret (the classic key-confusion attack). */
export async function hmacWithPublicKey(key: SigningKey, claims: JWTPayload = standardClaims()): Promise<string> {
  const pem = await exportSPKI(key.publicKey);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
}

/** The same token with its payload changed and the original signature kept. */
export function tamperedToken(token: string, change: (payload: JWTPayload) => JWTPayload): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  return `${header}.${b64(change(claims))}.${signature}`;
}

/** A JWKS endpoint on 127.0.0.1: GET /jwks.json. */
export class JwksServer {
  /** GET requests for the key set so far. */
  fetches = 0;
  private keys: SigningKey[];
  private down = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    keys: SigningKey[],
  ) {
    this.keys = keys;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      // Down: the connection is reset, as by a host that is gone (fetch rejects).
      if (this.down) socket.destroy();
    });
    server.on('request', (req, res) => {
      if (this.down) {
        req.socket.destroy();
        return;
      }
      if (req.method !== 'GET' || req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      this.fetches++;
      // No keep-alive: a connection pooled by the client must not outlive an outage made by setDown.
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300', connection: 'close' });
      res.end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
    });
  }

  static async start(keys: SigningKey[]): Promise<JwksServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new JwksServer(server, keys);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  /** Serves these keys from now on (key rotation). */
  setKeys(keys: SigningKey[]): void {
    this.keys = keys;
  }

  /** Unreachable (connections reset) or back. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** LAKEGATE_JWT_* for a test server against `jwks`. */
export function jwtEnv(jwks: JwksServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LAKEGATE_JWT_JWKS_URL: jwks.url,
    LAKEGATE_JWT_ISSUER: TEST_ISSUER,
    LAKEGATE_JWT_AUDIENCE: TEST_AUDIENCE,
    // Tests rotate keys and take the JWKS down within seconds.
    LAKEGATE_JWT_JWKS_COOLDOWN_MS: '0',
    ...extra,
  };
}
