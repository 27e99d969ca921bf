import { serverAudits } from 'graphql-http';
import { cleanupTestData, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * The GraphQL-over-HTTP audits of graphql-http against the running server
 * (Fastify + Apollo Server 5 with our plugins): zero errors ("MUST" and "SHOULD").
 */
jest.setTimeout(120_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

describe('GraphQL over HTTP (graphql-http serverAudits)', () => {
  test('no audit fails', async () => {
    const audits = serverAudits({ url: () => t.url, fetchFn: fetch });
    const failures: string[] = [];
    let errors = 0;
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status === 'error') errors++;
      if (result.status !== 'ok') failures.push(`${result.status} ${audit.id} ${audit.name}: ${result.reason}`);
    }
    expect(audits.length).toBeGreaterThan(30);
    // Warnings are listed for the record; errors fail the test.
    if (failures.length) console.log(failures.join('\n'));
    expect(errors).toBe(0);
  });
});

describe('HTTP endpoints', () => {
  test('/healthz is alive and /readyz checks every store', async () => {
    const health = await fetch(`${t.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.origin}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['cache', 'catalog', 'decisions', 'duckdb']);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  test('/metrics exposes Prometheus metrics of queries, operations and the cache', async () => {
    await t.gql('{ eventStats(input: { from: "2026-01-20", to: "2026-01-21" }) { totalEvents } }');
    const text = await (await fetch(`${t.origin}/metrics`)).text();
    expect(text).toMatch(/^# TYPE lakegate_backend_query_seconds histogram/m);
    expect(text).toMatch(/lakegate_graphql_operation_seconds_count\{operation="anonymous",outcome="ok"\} \d+/);
    expect(text).toMatch(/lakegate_cache_misses_total\{domain="warehouse"\} \d+/);
  });

  test('every response carries x-request-id; a caller-supplied id is kept', async () => {
    const own = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'trace-abc.123' }, body: '{"query":"{ __typename }"}' });
    expect(own.headers.get('x-request-id')).toBe('trace-abc.123');
    const generated = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' }, body: '{"query":"{ __typename }"}' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('CSRF prevention: a simple GET without a preflight-forcing header is refused', async () => {
    const r = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/CSRF/);
    const ok = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(ok.status).toBe(200);
  });

  test('a browser navigation to /graphql gets our GraphiQL page, with no external URL', async () => {
    const page = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<title>lakegate/);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
