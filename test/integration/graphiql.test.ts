// GraphiQL over real HTTP: Fastify + Apollo Server 5 (@as-integrations/fastify) on
// port 0 with registerGraphiql in front, serving a bundle built into a temp dir.
// What it pins down: a browser navigation to /graphql gets the page, every API call
// still reaches Apollo, the assets come with the right types and caching, and
// nothing the page loads can come from another origin.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GRAPHIQL_CONTENT_SECURITY_POLICY, registerGraphiql } from '../../src/server/graphiql';

const ROOT = path.resolve(__dirname, '../..');

interface TestServer {
  origin: string;
  close(): Promise<void>;
}

async function startServer(graphiql: { enabled: boolean; assetsDir: string }, order: 'graphiql-first' | 'apollo-first' = 'graphiql-first'): Promise<TestServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  const apollo = new ApolloServer({
    typeDefs: 'type Query { hello(name: String): String! }',
    resolvers: { Query: { hello: (_: unknown, args: { name?: string }) => `hello ${args.name ?? 'world'}` } },
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  const mountApollo = () => app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/graphql', handler: fastifyApolloHandler(apollo) });
  if (order === 'apollo-first') mountApollo();
  registerGraphiql(app, { endpoint: '/graphql', ...graphiql });
  if (order === 'graphiql-first') mountApollo();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      await apollo.stop();
    },
  };
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** A raw HTTP request: no automatic decompression, so content-encoding can be checked. */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

// What a browser sends when the address bar points at /graphql.
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/**
 * Hosts that appear in the bundled libraries' strings without ever being loaded:
 * XML namespaces, links in error messages and docs. A new host here needs a look:
 * is it something a library fetches at runtime (a CDN, fonts, telemetry)?
 */
const HOSTS_NAMED_BUT_NOT_LOADED = new Set([
  'www.w3.org', // SVG / XHTML / MathML namespace URIs
  'github.com', // GraphiQL's default logo link (replaced) and licence notes
  'reactjs.org', // React's minified error decoder link
  'en.wikipedia.org', // a comment in a number formatter
  'commonmark.org', // markdown-it's docs
  'codemirror.net', // CodeMirror's keymap docs link
  'yarnpkg.com', // an error message about duplicate packages
  '', // markdown-it's linkify: `http://${url}` for scheme-less links
]);
/** CDN and font hosts as they would appear in a URL (GraphiQL's error text names "jsdelivr, unpkg"). */
const CDN_HOSTS = /(unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|apollographql\.com|esm\.sh|cdn\.skypack\.dev)/gi;

/** The matches of `pattern` in a large text, so a failure prints them and not the text. */
function matchesOf(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))].map((match) => match[0]);
}

describe('GraphiQL served by registerGraphiql', () => {
  let assetsDir: string;
  let server: TestServer;
  let page: Response;

  beforeAll(async () => {
    assetsDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-graphiql-'));
    execFileSync(process.execPath, [path.join(ROOT, 'src/build.mjs'), '--graphiql-only', `--graphiql-out=${assetsDir}`], { cwd: ROOT, stdio: 'pipe' });
    server = await startServer({ enabled: true, assetsDir });
    page = await request(`${server.origin}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
  });

  /** Every src= and href= of the page. */
  function pageReferences(): string[] {
    return [...page.text.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((match) => match[1]!);
  }

  function assetPath(extension: string): string {
    const found = pageReferences().find((ref) => ref.endsWith(extension));
    if (!found) throw new Error(`the page references no ${extension} file`);
    return found;
  }

  it('answers a browser navigation to /graphql with the page', () => {
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe("default-src 'self'; style-src 'self' 'unsafe-inline'");
    expect(page.headers['content-security-policy']).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.vary).toBe('Accept');
    expect(page.text).toContain('<title>lakegate</title>');
    expect(page.text).toContain('data-endpoint="/graphql"');
  });

  it('needs no inline script and loads only same-origin files', () => {
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/graphiql\/graphiql-[A-Z2-7]{8}\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(page.text).not.toMatch(/\son[a-z]+\s*=/i); // no inline event handlers
    const references = pageReferences();
    expect(references).toEqual(expect.arrayContaining([expect.stringMatching(/^\/graphiql\/graphiql-[A-Z2-7]{8}\.css$/)]));
    for (const ref of references) expect(ref).toMatch(/^\/graphiql\/[\w.-]+$/);
    expect(page.text).not.toMatch(/https?:\/\/|\/\/[a-z]/i);
  });

  it('serves the stylesheet with fonts and images as same-origin files', async () => {
    const css = await request(`${server.origin}${assetPath('.css')}`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('.graphiql-container');
    expect(css.text).not.toMatch(/@import/i);
    expect(css.text).not.toMatch(/https?:|url\(\s*["']?\/\//i);
    // GraphiQL inlines fonts as data: URLs; the build writes them out (CSP: default-src 'self').
    expect(css.text).not.toContain('data:');
    const urls = [...css.text.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((match) => match[1]!);
    expect(urls.length).toBeGreaterThan(30);
    const types = new Map<string, string>();
    for (const url of urls) {
      expect(url).toMatch(/^\.\/[\w.-]+-[A-Z2-7]{8}\.(woff2?|png)$/);
      const asset = await request(new URL(url, `${server.origin}${assetPath('.css')}`).href);
      expect(asset.status).toBe(200);
      types.set(path.extname(url), String(asset.headers['content-type']));
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    expect(Object.fromEntries(types)).toEqual({ '.woff2': 'font/woff2', '.woff': 'font/woff', '.png': 'image/png' });
  });

  it('bundles no code that loads from another origin', async () => {
    const js = await request(`${server.origin}${assetPath('.js')}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const hosts = new Set([...js.text.matchAll(/https?:\/\/([a-z0-9.-]*)/gi)].map((match) => match[1]!.toLowerCase()));
    for (const host of hosts) expect({ host, namedButNotLoaded: HOSTS_NAMED_BUT_NOT_LOADED.has(host) }).toEqual({ host, namedButNotLoaded: true });
    expect(matchesOf(js.text, CDN_HOSTS)).toEqual([]);
    expect(matchesOf(js.text, /\bimportScripts\(|new WebSocket\(|new EventSource\(|sendBeacon\(/)).toEqual([]);
    expect(matchesOf(js.text, /sourceMappingURL=\S+/)).toEqual([]);
    // The fetcher's URL comes from the page (same origin), never from the bundle.
    // (linkify-it's regular expressions mention `localhost`, but never in a URL.)
    expect(matchesOf(js.text, /\/\/(localhost|127\.0\.0\.1|\[::1\])|\/graphql["'`]/)).toEqual([]);
  });

  it('caches hashed assets forever, compresses text and answers conditional requests', async () => {
    const jsPath = assetPath('.js');
    const plain = await request(`${server.origin}${jsPath}`);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-security-policy']).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(500_000);

    const gzipped = await request(`${server.origin}${jsPath}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('Accept-Encoding');
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);

    const notModified = await request(`${server.origin}${jsPath}`, { headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
  });

  it('answers 404 for unknown assets and leads /graphiql to the page', async () => {
    const missing = await request(`${server.origin}/graphiql/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('nothing-here.js');
    const indexFile = await request(`${server.origin}/graphiql/index.html`);
    expect(indexFile.status).toBe(404); // the page lives at /graphql, with its endpoint filled in
    for (const url of ['/graphiql', '/graphiql/']) {
      const redirect = await request(`${server.origin}${url}`, { headers: { accept: BROWSER_ACCEPT } });
      expect({ url, status: redirect.status, location: redirect.headers.location }).toEqual({ url, status: 302, location: '/graphql' });
    }
  });

  it('leaves GET /graphql?query=... to Apollo, even from a browser', async () => {
    const query = encodeURIComponent('{ hello(name: "get") }');
    const fromClient = await request(`${server.origin}/graphql?query=${query}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(fromClient.status).toBe(200);
    expect(fromClient.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
    expect(JSON.parse(fromClient.text)).toEqual({ data: { hello: 'hello get' } });

    const fromBrowser = await request(`${server.origin}/graphql?query=${encodeURIComponent('{__typename}')}`, {
      headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
    });
    expect(fromBrowser.status).toBe(200);
    expect(JSON.parse(fromBrowser.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('leaves POST /graphql to Apollo, whatever the Accept header', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json, application/json', BROWSER_ACCEPT]) {
      const response = await request(`${server.origin}/graphql`, {
        method: 'POST',
        headers: { accept, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query Hello($name: String) { hello(name: $name) }', variables: { name: 'post' } }),
      });
      expect({ accept, status: response.status, body: JSON.parse(response.text) }).toEqual({ accept, status: 200, body: { data: { hello: 'hello post' } } });
    }
  });

  it('leaves an API client GET without a query to Apollo (no page for non-browsers)', async () => {
    const response = await request(`${server.origin}/graphql`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(response.headers['content-type']).not.toMatch(/text\/html/);
    expect(response.status).toBe(400);
  });

  it('works the same when registered after Apollo\'s route', async () => {
    const late = await startServer({ enabled: true, assetsDir }, 'apollo-first');
    try {
      const navigation = await request(`${late.origin}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      expect(navigation.status).toBe(200);
      expect(navigation.text).toBe(page.text);
      const query = await request(`${late.origin}/graphql?query=${encodeURIComponent('{ hello }')}`, {
        headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
      });
      expect(JSON.parse(query.text)).toEqual({ data: { hello: 'hello world' } });
    } finally {
      await late.close();
    }
  });

  describe('when disabled (production)', () => {
    let disabled: TestServer;
    beforeAll(async () => {
      disabled = await startServer({ enabled: false, assetsDir });
    });
    afterAll(async () => {
      await disabled?.close();
    });

    it('serves neither the page nor the assets', async () => {
      const navigation = await request(`${disabled.origin}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      expect(navigation.headers['content-type']).not.toMatch(/text\/html/);
      expect(navigation.text).not.toContain('<title>lakegate</title>');
      const asset = await request(`${disabled.origin}${assetPath('.js')}`);
      expect(asset.status).toBe(404);
      const post = await request(`${disabled.origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ hello }' }),
      });
      expect(JSON.parse(post.text)).toEqual({ data: { hello: 'hello world' } });
    });
  });

  describe('when the bundle is not built', () => {
    let unbuilt: TestServer;
    let emptyDir: string;
    beforeAll(async () => {
      emptyDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-graphiql-missing-'));
      unbuilt = await startServer({ enabled: true, assetsDir: path.join(emptyDir, 'graphiql') });
    });
    afterAll(async () => {
      await unbuilt?.close();
      if (emptyDir) rmSync(emptyDir, { recursive: true, force: true });
    });

    it('answers 503 saying to run npm run build, and the API still works', async () => {
      const navigation = await request(`${unbuilt.origin}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      expect(navigation.status).toBe(503);
      expect(navigation.text).toContain('npm run build');
      const asset = await request(`${unbuilt.origin}/graphiql/graphiql-AAAAAAAA.js`);
      expect(asset.status).toBe(503);
      expect(asset.text).toContain('npm run build');
      const post = await request(`${unbuilt.origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ hello }' }),
      });
      expect(JSON.parse(post.text)).toEqual({ data: { hello: 'hello world' } });
    });
  });
});
