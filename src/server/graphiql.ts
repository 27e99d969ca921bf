// The GraphiQL page and its assets, from our own bundle (dist/graphiql, built by
// `npm run build` from src/server/graphiql-app): no CDN, so it works on machines
// without internet and under a strict Content-Security-Policy.
//
// The page shares its URL with the API: a browser navigation to GET /graphql (Accept
// includes text/html, no `query` parameter) gets the page; every other request
// (GET /graphql?query=..., POST, a client's Accept: application/json) goes on to
// Apollo. An onRequest hook decides before Apollo's handler runs.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ExampleValues } from './graphiql-app/examples';

export interface GraphiqlOptions {
  /** The GraphQL path the page is served on and queries (e.g. /graphql). */
  endpoint: string;
  /** The built bundle: dist/graphiql (index.html plus hashed js, css, fonts, images). */
  assetsDir: string;
  /** Off in production: nothing is registered, /graphql answers as Apollo does. */
  enabled: boolean;
  /** The data's window and ids for the example tabs (src/server/example-values.ts); without it the page uses its defaults. */
  exampleValues?: () => Promise<ExampleValues>;
}

/** Where the bundle's files are served; index.html refers to them by this path. */
export const GRAPHIQL_ASSET_PATH = '/graphiql';

/** Everything the page loads comes from this origin; GraphiQL sets inline styles. */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'";

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** The page's icon in the bundle (src/server/graphiql-app/favicon.svg, copied by src/build.mjs). */
const FAVICON = 'favicon.svg';

/** Text worth gzipping; fonts and images are compressed already. */
const COMPRESSIBLE = new Set(['.js', '.css', '.html', '.json', '.map', '.svg']);

/** esbuild's `[name]-[hash]`: eight base32 characters before the extension. */
const HASHED_NAME = /-[A-Z2-7]{8}\.[a-z0-9]+$/;

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
  immutable: boolean;
  compressible: boolean;
  /** Computed on the first request that accepts gzip, then kept. */
  gzipped?: Buffer;
}

interface Bundle {
  page: Buffer;
  assets: Map<string, Asset>;
}

/** The headers every GraphiQL response carries. */
function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

function escapeHtmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Reads the whole bundle into memory (about 1.5 MB), or says why it cannot. */
function loadBundle(assetsDir: string, endpoint: string): Bundle | { missing: string } {
  const indexPath = path.join(assetsDir, 'index.html');
  if (!existsSync(indexPath)) return { missing: indexPath };
  const html = readFileSync(indexPath, 'utf8').replace('{{endpoint}}', escapeHtmlAttribute(endpoint));
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(assetsDir)) {
    const file = path.join(assetsDir, name);
    const ext = path.extname(name);
    const contentType = CONTENT_TYPES[ext];
    // index.html is the page (served on the endpoint, with the endpoint filled in).
    if (name === 'index.html' || !contentType || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    assets.set(name, {
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: HASHED_NAME.test(name),
      compressible: COMPRESSIBLE.has(ext),
    });
  }
  return { page: Buffer.from(html), assets };
}

function pathOf(url: string): string {
  const question = url.indexOf('?');
  return question === -1 ? url : url.slice(0, question);
}

/**
 * A browser navigation to the endpoint: it accepts HTML and carries no operation.
 * GraphQL clients send Accept: application/json (or any-type, or nothing) and a GET
 * operation always has `query` (or, for persisted queries, `extensions`).
 */
function isPageRequest(request: FastifyRequest, endpoint: string): boolean {
  if (request.method !== 'GET') return false;
  const accept = request.headers.accept;
  if (typeof accept !== 'string' || !accept.includes('text/html')) return false;
  const url = request.url;
  if (pathOf(url) !== endpoint && request.routeOptions.url !== endpoint) return false;
  const query = url.indexOf('?');
  if (query === -1) return true;
  const params = new URLSearchParams(url.slice(query + 1));
  return !params.has('query') && !params.has('extensions');
}

function acceptsGzip(request: FastifyRequest): boolean {
  const accepted = request.headers['accept-encoding'];
  return typeof accepted === 'string' && /\bgzip\b/.test(accepted) && !/\bgzip\s*;\s*q=0(?:\.0+)?\b/.test(accepted);
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  securityHeaders(reply)
    .header('content-type', asset.contentType)
    .header('etag', asset.etag)
    .header('cache-control', asset.immutable ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache');
  if (asset.compressible) reply.header('vary', 'Accept-Encoding');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  if (asset.compressible && acceptsGzip(request)) {
    asset.gzipped ??= gzipSync(asset.body, { level: 9 });
    return reply.header('content-encoding', 'gzip').send(asset.gzipped);
  }
  return reply.send(asset.body);
}

/**
 * Serves GraphiQL on GET `endpoint` (browser navigations only) and its assets under
 * /graphiql/. Register it on the same Fastify instance as Apollo's route (or a
 * parent of it), before or after: the hook runs ahead of every route handler.
 * With `enabled: false` nothing is registered. Without a built bundle, the page and
 * the assets answer 503 saying to run `npm run build`.
 */
export function registerGraphiql(app: FastifyInstance, options: GraphiqlOptions): void {
  if (!options.enabled) return;
  const { endpoint } = options;
  const bundle = loadBundle(options.assetsDir, endpoint);

  if ('missing' in bundle) {
    const message = `GraphiQL is not built (${bundle.missing} is missing): run \`npm run build\` and restart the server.\n`;
    app.log.warn({ missing: bundle.missing }, 'GraphiQL is not built: run `npm run build`');
    const unavailable = (reply: FastifyReply): FastifyReply =>
      securityHeaders(reply).code(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(message);
    app.addHook('onRequest', async (request, reply) => {
      if (isPageRequest(request, endpoint)) return unavailable(reply);
      return undefined;
    });
    app.get(`${GRAPHIQL_ASSET_PATH}/*`, async (_request, reply) => unavailable(reply));
    return;
  }

  app.addHook('onRequest', async (request, reply) => {
    if (!isPageRequest(request, endpoint)) return undefined;
    return securityHeaders(reply)
      .code(200)
      .header('content-type', 'text/html; charset=utf-8')
      // New builds change the asset names, so the page itself is always revalidated.
      .header('cache-control', 'no-cache')
      // The same URL answers JSON to API clients.
      .header('vary', 'Accept')
      .send(bundle.page);
  });

  // The example tabs' values, from the data (the page builds its tabs from them).
  app.get(`${GRAPHIQL_ASSET_PATH}/examples.json`, async (_request, reply) => {
    const values = options.exampleValues ? await options.exampleValues() : null;
    return securityHeaders(reply).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(values ?? {}));
  });

  // Browsers ask for /favicon.ico on every page: the bundle's icon (no 404 in the console).
  const icon = bundle.assets.get(FAVICON);
  if (icon) app.get('/favicon.ico', async (request, reply) => sendAsset(request, reply, icon));

  // /graphiql (and /graphiql/) lead to the page. One route only: a server with
  // ignoreTrailingSlash would refuse a second one for /graphiql/.
  app.get(GRAPHIQL_ASSET_PATH, async (_request, reply) => reply.redirect(endpoint, 302));
  app.get<{ Params: { file: string } }>(`${GRAPHIQL_ASSET_PATH}/:file`, async (request, reply) => {
    if (!request.params.file) return reply.redirect(endpoint, 302);
    const asset = bundle.assets.get(request.params.file);
    if (!asset) {
      return securityHeaders(reply).code(404).type('text/plain; charset=utf-8').send(`No GraphiQL asset named ${request.params.file}\n`);
    }
    return sendAsset(request, reply, asset);
  });
}
