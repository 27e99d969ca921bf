// A browser frontend on another origin (issue 10): headless Chromium loads a page
// from a small HTTP server on its own port; the page fetches /graphql of the real
// lakegate (production mode, CORS for that origin, JWT verified against a JWKS
// served by the test) with a bearer token and renders the answer in the DOM. The
// same page from an origin lakegate does not list fails: the browser blocks the
// request at the CORS check and fetch rejects with a TypeError.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium, type Chromium } from '../helpers/chromium';
import { JwksServer, jwtEnv, makeSigningKey, signToken, type SigningKey } from '../helpers/jwks-server';
import { cleanupTestData, startTestApp, type TestApp } from '../helpers/test-app';

jest.setTimeout(180_000);

const QUERY = 'query Frontend { __typename decisionsByTransaction(transactionId: "txn_does_not_exist") { id } }';

/** The frontend: one page that calls the API given in its query string and renders what it got. */
function pageHtml(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>frontend</title></head>
<body><pre id="out"></pre>
<script>
  const params = new URLSearchParams(location.search);
  const out = document.getElementById('out');
  fetch(params.get('api'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + params.get('token') },
    body: JSON.stringify({ query: ${JSON.stringify(QUERY)} }),
  })
    .then(async (response) => {
      const body = await response.json();
      out.dataset.state = 'answered';
      out.dataset.status = String(response.status);
      out.dataset.requestId = response.headers.get('x-request-id') || '';
      out.textContent = JSON.stringify(body);
    })
    .catch((error) => {
      out.dataset.state = 'failed';
      out.textContent = error.name + ': ' + error.message;
    });
</script></body></html>`;
}

let pages: http.Server;
let pagePort: number;
let jwks: JwksServer;
let key: SigningKey;
let t: TestApp;
let chromium: Chromium;

beforeAll(async () => {
  pages = http.createServer((req, res) => {
    if (!req.url?.startsWith('/app')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml());
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagePort = (pages.address() as AddressInfo).port;
  key = await makeSigningKey('RS256', 'browser-key');
  jwks = await JwksServer.start([key]);
  // Only the page served as http://127.0.0.1:<port> is allowed; http://localhost:<port> is another origin.
  t = await startTestApp({ env: { NODE_ENV: 'production', LAKEGATE_CORS_ORIGINS: `http://127.0.0.1:${pagePort}`, ...jwtEnv(jwks) } });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await t?.close();
  await jwks?.close();
  await new Promise((resolve) => pages?.close(resolve));
  cleanupTestData();
});

async function openFrontend(pageOrigin: string, token: string) {
  const page = await chromium.newPage();
  const url = `${pageOrigin}/app?api=${encodeURIComponent(t.url)}&token=${encodeURIComponent(token)}`;
  await page.navigate(url);
  await page.waitFor(`document.getElementById('out').dataset.state`, 'the page to render the answer');
  return page.evaluate<{ state: string; status?: string; requestId?: string; text: string }>(
    `(() => { const out = document.getElementById('out'); return { ...out.dataset, text: out.textContent }; })()`,
  );
}

test('a page on an allowed origin calls /graphql with a JWT and renders the answer', async () => {
  const token = await signToken(key, { scope: 'decisions:read events:read' }, { sub: 'browser-user' });
  const result = await openFrontend(`http://127.0.0.1:${pagePort}`, token);
  expect(result.state).toBe('answered');
  expect(result.status).toBe('200');
  expect(JSON.parse(result.text).data).toEqual({ __typename: 'Query', decisionsByTransaction: [] });
  // An exposed header: the page can read the request id to report a problem.
  expect(result.requestId).toMatch(/^[A-Za-z0-9._-]+$/);
});

test('a refused token reaches the page as a readable 401, not a CORS failure', async () => {
  const expired = await signToken(key, { scope: 'decisions:read' }, { expiresIn: -600 });
  const result = await openFrontend(`http://127.0.0.1:${pagePort}`, expired);
  expect(result.state).toBe('answered');
  expect(result.status).toBe('401');
  expect(JSON.parse(result.text).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'expired' });
});

test('the same page on an origin lakegate does not list is blocked by the browser (TypeError)', async () => {
  const token = await signToken(key, { scope: 'decisions:read events:read' });
  const result = await openFrontend(`http://localhost:${pagePort}`, token);
  expect(result.state).toBe('failed');
  expect(result.text).toMatch(/^TypeError: /);
  // The server is fine; it was the browser that refused to hand the answer over.
  expect((await fetch(`${t.origin}/healthz`)).status).toBe(200);
});
