import { Writable } from 'node:stream';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '../../src/observability/logger';
import { cleanupTestData, startTestApp, TEST_KEYS, TEST_SEED, type TestApp } from '../helpers/test-app';

/**
 * Findings of the red-team run (issue 16) that concern every request: a LIKE
 * pattern that backtracks, work left running after the answer, answers too big
 * for the event loop, an unknown operationName, and /metrics. Each test fails on
 * the code before the fix.
 */
jest.setTimeout(120_000);

const END = TEST_SEED.endDay; // 2026-01-31, 30 days of data
const lines: Array<Record<string, any>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { LAKEGATE_MAX_ALIASES: '40', LAKEGATE_MAX_RESPONSE_ROWS: '8000', LAKEGATE_MAX_REQUEST_LAKE_DAYS: '200', LAKEGATE_METRICS_OPERATIONS: 'DashboardWeekly' },
    logger: createLogger('info', sink),
  });
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

async function metrics(headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${t.origin}/metrics`, { headers });
  expect(response.status).toBe(200);
  return response.text();
}

function counted(text: string, metric: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The request log line of the request with this id. */
function logLineOf(requestId: string): Record<string, any> | undefined {
  return lines.find((l) => l.msg === 'graphql operation' && l.reqId === requestId);
}

async function flushLogs(): Promise<void> {
  // The buffered destination writes every 200 ms.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

describe('H1: LIKE patterns match in linear time', () => {
  test('a pattern of many % against every table name answers, and /healthz stays served meanwhile', async () => {
    const pattern = `${'%'.repeat(60)}${'_%'.repeat(60)}z`; // 181 characters; as a regex, exponential
    const attack = t.gql(`query($p: String!) { catalogDatabases { name tables(nameLike: $p, first: 50) { edges { node { name } } } } }`, { p: pattern }, { key: TEST_KEYS.reader });
    const health = await fetch(`${t.origin}/healthz`);
    expect(health.status).toBe(200);
    const r = await attack;
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.catalogDatabases.length).toBeGreaterThan(0);
    for (const db of r.body.data.catalogDatabases) expect(db.tables.edges).toEqual([]);
    // And LIKE still matches what it should.
    const events = await t.gql(`{ catalogDatabases { name tables(nameLike: "%%%v%%n_s") { edges { node { name } } } } }`, undefined, { key: TEST_KEYS.reader });
    expect(events.body.data.catalogDatabases.flatMap((db: any) => db.tables.edges.map((e: any) => e.node.name))).toContain('events');
  });
});

describe('H2: nothing of a request runs after its answer', () => {
  test('a failing field next to 29 lake scans: the scans are cancelled and accounted before the answer, none after', async () => {
    const aliases = Array.from({ length: 29 }, (_, i) => `s${i}: eventStats(input: { from: "2026-01-${String(i + 1).padStart(2, '0')}", to: "${END}", interval: DAY, groupBy: [CUSTOMER], source: LAKE }) { totalEvents }`);
    const query = `{ bad: eventStats(input: { from: "2026-01-20", to: "2026-01-10", interval: DAY }) { totalEvents } ${aliases.join(' ')} }`;
    const before = counted(await metrics(), 'lakegate_backend_query_seconds_count', { label: 'eventStats.lake' });
    const r = await t.gql(query, undefined, { key: TEST_KEYS.reader, headers: { 'x-request-id': 'h2-attack' } });
    const atAnswer = counted(await metrics(), 'lakegate_backend_query_seconds_count', { label: 'eventStats.lake' });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.body.data).toBeNull();
    // Whatever ran is in the answer's cost...
    const inAnswer = (r.body.extensions?.cost?.queries ?? []).filter((q: any) => q.label === 'eventStats.lake').length;
    expect(atAnswer - before).toBe(inAnswer);
    // ...and nothing starts or finishes after it (before the fix: 29 scans finished after the answer).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = counted(await metrics(), 'lakegate_backend_query_seconds_count', { label: 'eventStats.lake' });
    expect(later).toBe(atAnswer);
    await flushLogs();
    expect(logLineOf('h2-attack')?.backendQueries).toBe(r.body.extensions?.cost?.total?.queries);
  });

  test('a request budget counts aliases of lake scans together (LAKEGATE_MAX_REQUEST_LAKE_DAYS)', async () => {
    // 10 aliases x 30 days = 300 day partitions > 200 allowed per request; each alone is fine.
    const aliases = Array.from({ length: 10 }, (_, i) => `s${i}: eventStats(input: { from: "2026-01-02", to: "${END}", interval: WEEK, groupBy: [EVENT_TYPE], excludeCustomerTypes: ["x${i}"], source: LAKE }) { totalEvents }`);
    const r = await t.gql(`{ ${aliases.join(' ')} }`, undefined, { key: TEST_KEYS.reader });
    const error = r.body.errors?.find((e) => e.extensions?.limit === 'maxRequestLakeDays');
    expect(error?.extensions?.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error?.message).toMatch(/LAKEGATE_MAX_REQUEST_LAKE_DAYS/);
    // At most 200 days were scanned: 6 scans of 30 days.
    const scans = (r.body.extensions?.cost?.queries ?? []).filter((q: any) => q.label === 'eventStats.lake');
    expect(scans.reduce((sum: number, q: any) => sum + (q.partitions ?? 0), 0)).toBeLessThanOrEqual(200);
    const one = await t.gql(`{ ${aliases[0]} }`, undefined, { key: TEST_KEYS.reader });
    expect(one.body.errors).toBeUndefined();
  });
});

describe('M1: rows and bytes per response, all fields together', () => {
  test('aliases of a large eventStats go over LAKEGATE_MAX_RESPONSE_ROWS: refused with a coded error', async () => {
    const one = await t.gql(`{ eventStats(input: { from: "2026-01-02", to: "${END}", interval: DAY, groupBy: [CUSTOMER] }) { totalEvents } }`, undefined, { key: TEST_KEYS.reader });
    expect(one.body.errors).toBeUndefined();
    const rows = one.body.data.eventStats.length;
    expect(rows).toBeGreaterThan(4000);
    expect(rows).toBeLessThanOrEqual(8000);
    // Each alias alone is under LAKEGATE_MAX_STATS_ROWS (10,000); two together are over 8,000.
    const many = Array.from({ length: 2 }, (_, i) => `s${i}: eventStats(input: { from: "2026-01-02", to: "${END}", interval: DAY, groupBy: [CUSTOMER], excludeCustomerTypes: ["x${i}"] }) { totalEvents }`);
    const r = await t.gql(`{ ${many.join(' ')} }`, undefined, { key: TEST_KEYS.reader });
    const error = r.body.errors?.find((e) => e.extensions?.limit === 'maxResponseRows');
    expect(error?.extensions?.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error?.message).toMatch(/LAKEGATE_MAX_RESPONSE_ROWS/);
  });

  test('a large answer (sliced serialization) is the same JSON as a small one would be', async () => {
    const q = `{ a: eventStats(input: { from: "2026-01-02", to: "${END}", interval: DAY, groupBy: [CUSTOMER] }) { periodStart customerId totalEvents } }`;
    const r = await t.gql(q, undefined, { key: TEST_KEYS.reader });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.a.length).toBeGreaterThan(2000); // over LARGE_RESULT_ROWS: sliced
    const raw = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.reader}` }, body: JSON.stringify({ query: q }) });
    const text = await raw.text();
    expect(JSON.stringify(JSON.parse(text))).toBe(text.trimEnd());
  });
});

describe('M4: operations that cannot be resolved', () => {
  test('an unknown operationName is 400 OPERATION_RESOLUTION_FAILURE, not 500', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { __typename } query B { __typename }', operationName: 'Nope' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(body.errors[0].message).toMatch(/Nope/);
  });

  test('several operations and no operationName is 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query A { __typename } query B { __typename }' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
  });
});

describe('M5 and telemetry: bounded metric labels, codes as the client received them', () => {
  test('invented operation names do not grow /metrics; known names are labels; the rest are "other"', async () => {
    for (let i = 0; i < 200; i++) await t.gql(`query Invented${i}x { __typename }`);
    await t.gql(`query DashboardWeekly { __typename }`);
    await t.gql(`query Events { __typename }`); // a GraphiQL example's name
    const text = await metrics();
    expect(text).not.toMatch(/Invented\d+x/);
    expect(counted(text, 'lakegate_graphql_operation_seconds_count', { operation: 'other' })).toBeGreaterThanOrEqual(200);
    expect(counted(text, 'lakegate_graphql_operation_seconds_count', { operation: 'DashboardWeekly' })).toBe(1);
    expect(counted(text, 'lakegate_graphql_operation_seconds_count', { operation: 'Events' })).toBe(1);
  });

  test.each([
    ['BAD_USER_INPUT', `{ events(filter: { from: "2026-01-20", to: "2026-01-10" }) { totalCount } }`, TEST_KEYS.reader],
    ['FORBIDDEN', `{ events(filter: { from: "2026-01-20", to: "2026-01-21" }) { totalCount } }`, TEST_KEYS.none],
    ['UNAUTHENTICATED', `{ deletionRequests { totalCount } }`, undefined],
    ['QUERY_TOO_EXPENSIVE', `{ events(filter: { from: "2020-01-01", to: "2026-01-31" }) { totalCount } }`, TEST_KEYS.reader],
    ['GRAPHQL_VALIDATION_FAILED', `{ noSuchField }`, TEST_KEYS.reader],
  ])('%s: the log line and the metric carry the code the client got', async (code, query, key) => {
    const requestId = `code-${code}`;
    const r = await t.gql(query, undefined, { key, headers: { 'x-request-id': requestId } });
    expect(r.body.errors?.[0]?.extensions?.code).toBe(code);
    await flushLogs();
    expect(logLineOf(requestId)?.errors).toEqual(r.body.errors!.map((e) => e.extensions?.code));
    const text = await metrics();
    expect(counted(text, 'lakegate_graphql_operation_seconds_count', { outcome: code })).toBeGreaterThanOrEqual(1);
    expect(counted(text, 'lakegate_graphql_errors_total', { code })).toBeGreaterThanOrEqual(1);
    if (code !== 'INTERNAL_SERVER_ERROR') expect(counted(text, 'lakegate_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBe(0);
  });
});

describe('Telemetry (issue 14): every code the client can get is the code logged and counted', () => {
  /** The request's log line, the response and the metrics agree on the codes; an internal code is counted only for ours. */
  async function expectAgreement(requestId: string, response: { status: number; body: { errors?: Array<{ extensions?: Record<string, any> }> } }, code: string): Promise<void> {
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    await flushLogs();
    const line = logLineOf(requestId);
    expect(line).toBeDefined();
    expect(line!.errors).toEqual(response.body.errors!.map((e) => e.extensions?.code));
    expect(line!.status).toBe(response.status);
    const text = await metrics();
    expect(counted(text, 'lakegate_graphql_operation_seconds_count', { outcome: code })).toBeGreaterThanOrEqual(1);
    expect(counted(text, 'lakegate_graphql_errors_total', { code })).toBeGreaterThanOrEqual(1);
  }

  test('UNAUTHENTICATED for an unknown API key (refused while the context is made, HTTP 401): logged and counted', async () => {
    const before = counted(await metrics(), 'lakegate_graphql_errors_total', { code: 'UNAUTHENTICATED' });
    const r = await t.gql(`query WhoAmI { __typename }`, undefined, { key: 'no-such-key-0000000000000000', headers: { 'x-request-id': 'code-bad-key' } });
    expect(r.status).toBe(401);
    await expectAgreement('code-bad-key', r, 'UNAUTHENTICATED');
    // The log keeps the operation's name; the metric label is bounded (an unknown name is "other").
    expect(logLineOf('code-bad-key')).toMatchObject({ operation: 'WhoAmI', status: 401, errors: ['UNAUTHENTICATED'] });
    expect(counted(await metrics(), 'lakegate_graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(before + 1);
  });

  test('INTERNAL_SERVER_ERROR for a stored decision the schema cannot represent: logged with its cause, counted as internal', async () => {
    // A real internal failure, no mock: an item written past the adapter with an outcome outside the enum.
    const table = t.config.aws.dynamodb.decisionsTable;
    await t.app.backends.dynamo.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          id: 'dec_corrupt_1', transactionId: 'txn_corrupt_1', customerId: 'cus_000001', decidedAt: '2026-01-30T10:00:00.000Z',
          decidedAtId: '2026-01-30T10:00:00.000Z#dec_corrupt_1', outcome: 'MAYBE', kind: 'FRAUD', policy: 'p', policyVersion: '1',
          riskScore: 0.5, amount: { value: '1.00', currency: 'EUR' }, checks: [], schemaVersion: 1, bodyHash: 'x', recordedAt: '2026-01-30T10:00:00.000Z',
        },
      }),
    );
    const before = counted(await metrics(), 'lakegate_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' });
    const r = await t.gql(`query Corrupt { decision(id: "dec_corrupt_1") { id outcome } }`, undefined, { key: TEST_KEYS.reader, headers: { 'x-request-id': 'code-internal' } });
    expect(r.status).toBe(200);
    await expectAgreement('code-internal', r, 'INTERNAL_SERVER_ERROR');
    expect(counted(await metrics(), 'lakegate_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBe(before + 1);
    // The client learns nothing of the cause; the log has it under the request id.
    expect(JSON.stringify(r.body)).not.toMatch(/MAYBE/);
  });

  describe('BACKEND_UNAVAILABLE', () => {
    let broken: TestApp;
    beforeAll(async () => {
      broken = await startTestApp({ env: { LAKEGATE_GDPR_EXECUTOR: 'false' }, logger: createLogger('info', sink) });
      // The decision store becomes unreachable: the embedded DynamoDB server stops listening.
      await broken.app.backends.embedded.dynamo!.close();
    });
    afterAll(async () => broken?.close());

    test('a store that cannot be reached: the log line and the metric say BACKEND_UNAVAILABLE, not internal', async () => {
      const before = counted(await metrics(), 'lakegate_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' });
      const r = await broken.gql(`query Unreachable { decision(id: "dec_000001") { id } }`, undefined, { key: TEST_KEYS.reader, headers: { 'x-request-id': 'code-unavailable' } });
      expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', retryable: true });
      await expectAgreement('code-unavailable', r, 'BACKEND_UNAVAILABLE');
      expect(counted(await metrics(), 'lakegate_graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBe(before);
    });
  });
});

describe('M5: /metrics behind a token', () => {
  let guarded: TestApp;
  beforeAll(async () => {
    guarded = await startTestApp({ env: { LAKEGATE_METRICS_TOKEN: 'metrics-token-0123456789' } });
  });
  afterAll(async () => guarded?.close());

  test('without the token 401, with it 200', async () => {
    expect((await fetch(`${guarded.origin}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.origin}/metrics`, { headers: { authorization: 'Bearer wrong-token-000000000' } })).status).toBe(401);
    const ok = await fetch(`${guarded.origin}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/lakegate_graphql_operation_seconds/);
  });
});
