import { cleanupTestData, startTestApp, TEST_KEYS, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/**
 * Bad input over HTTP: every case gets a GraphQL error with a code and a message
 * naming what to fix, no backend query runs when none is needed, and the server
 * keeps serving.
 */
jest.setTimeout(120_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { LAKEGATE_MAX_LAKE_DAYS: '60', LAKEGATE_MAX_DEPTH: '7', LAKEGATE_MAX_ALIASES: '5', LAKEGATE_MAX_TOKENS: '600' } });
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

const INJECTIONS = [
  "'; DROP TABLE warehouse.customers; --",
  '" OR 1=1 --',
  "cus_1' UNION SELECT * FROM read_csv('/etc/passwd') --",
  '../../etc/passwd',
  '\u0000\u001f',
  '$1',
  'x'.repeat(300),
];

function expectError(result: GraphQLResult, code: string, message?: RegExp) {
  expect(result.body.errors).toBeDefined();
  const error = result.body.errors![0]!;
  expect(error.extensions?.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  expect(JSON.stringify(result.body)).not.toMatch(/stacktrace|    at |node_modules|\/work\//);
}

/** No backend query ran for this request. */
function expectNoBackendQuery(result: GraphQLResult) {
  expect(result.body.extensions?.cost?.total?.queries ?? 0).toBe(0);
}

describe('dates and ranges', () => {
  test('an invalid date literal is BAD_USER_INPUT naming the argument', async () => {
    const r = await t.gql(`{ events(filter: { from: "2026-02-30", to: "2026-03-01" }) { edges { cursor } } }`);
    expectError(r, 'BAD_USER_INPUT', /^filter\.from: .*YYYY-MM-DD/);
    expect(r.body.errors![0]!.extensions!.argument).toBe('filter.from');
  });

  test('an invalid date in variables is BAD_USER_INPUT naming the variable path', async () => {
    const r = await t.gql(OPERATIONS.events, { filter: { from: 'yesterday', to: '2026-01-10' } });
    expectError(r, 'BAD_USER_INPUT', /filter\.from/);
    expect(r.status).toBe(400);
  });

  test('an inverted range is BAD_USER_INPUT, before any backend query', async () => {
    const r = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-20', to: '2026-01-10' } });
    expectError(r, 'BAD_USER_INPUT', /^filter\.from: must not be after filter\.to/);
    expectNoBackendQuery(r);
    const stats = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-20', to: '2026-01-10' } });
    expectError(stats, 'BAD_USER_INPUT', /^input\.from: must not be after input\.to/);
    expectNoBackendQuery(stats);
  });

  test('a range longer than LAKEGATE_MAX_LAKE_DAYS is QUERY_TOO_EXPENSIVE, before any backend query', async () => {
    const r = await t.gql(OPERATIONS.events, { filter: { from: '2025-01-01', to: '2026-01-31' } });
    expectError(r, 'QUERY_TOO_EXPENSIVE', /longer than the 60 allowed \(LAKEGATE_MAX_LAKE_DAYS\)/);
    expect(r.body.errors![0]!.extensions).toMatchObject({ days: 396, maxDays: 60 });
    expectNoBackendQuery(r);
  });

  test('an inverted or malformed DateTime is refused', async () => {
    const r = await t.gql(OPERATIONS.costReport, { from: '2026-01-31T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expectError(r, 'BAD_USER_INPUT', /from: must not be after/);
    expectNoBackendQuery(r);
    const bad = await t.gql(`{ costReport(from: "2026-01-01", to: "2026-01-31T00:00:00Z") { totalCostUsd } }`);
    expectError(bad, 'BAD_USER_INPUT', /^from: .*DateTime must be ISO 8601 with a time zone/);
  });
});

describe('pages and enums', () => {
  test.each([
    [501, /^first: must be at most 500, got 501/],
    [0, /^first: must be a positive integer, got 0/],
    [-5, /^first: must be a positive integer/],
  ])('first: %d is BAD_USER_INPUT', async (first, message) => {
    const r = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-20', to: '2026-01-21' }, first });
    expectError(r, 'BAD_USER_INPUT', message);
    expectNoBackendQuery(r);
  });

  test('oversized pages are refused on every connection', async () => {
    for (const [query, variables] of [
      [OPERATIONS.customerDecisions, { customerId: 'cus_000001', first: 1000 }],
      [OPERATIONS.glueJobRuns, { first: 1000 }],
      [OPERATIONS.catalogTable, { database: 'lake', name: 'events', first: 1000 }],
    ] as const) {
      const r = await t.gql(query, variables);
      expectError(r, 'BAD_USER_INPUT', /first: must be at most 500/);
    }
  });

  test('an unknown enum literal is BAD_USER_INPUT naming the argument', async () => {
    const r = await t.gql(`{ eventStats(input: { from: "2026-01-01", to: "2026-01-31", interval: HOURLY }) { totalEvents } }`);
    expectError(r, 'BAD_USER_INPUT', /^input\.interval: /);
    expect(r.body.errors![0]!.message).toMatch(/HOURLY/);
    const v = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-01', to: '2026-01-31', groupBy: ['COUNTRY'] } });
    expectError(v, 'BAD_USER_INPUT', /COUNTRY/);
  });

  test('development keeps graphql-js suggestions in variable errors (production strips them)', async () => {
    const r = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-01', to: '2026-01-31', interval: 'WEK' } });
    expectError(r, 'BAD_USER_INPUT', /Did you mean the enum value "WEEK"\?$/);
  });

  test('a cursor from another query, or a forged one, is BAD_USER_INPUT', async () => {
    const page = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-20', to: '2026-01-21' }, first: 1 });
    const cursor = page.body.data.events.pageInfo.endCursor;
    const other = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-19', to: '2026-01-21' }, first: 1, after: cursor });
    expectError(other, 'BAD_USER_INPUT', /^after: belongs to a query with other arguments/);
    // A forged cursor in today's format: a made-up 16-byte MAC before the JSON envelope.
    const forged = Buffer.concat([Buffer.alloc(16, 7), Buffer.from('{"v":2,"q":"x","p":{}}')]).toString('base64url');
    for (const after of ['not-a-cursor', forged, "'; DROP TABLE x; --"]) {
      const r = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-20', to: '2026-01-21' }, first: 1, after });
      expectError(r, 'BAD_USER_INPUT', /^after: /);
      expectNoBackendQuery(r);
    }
  });
});

describe('injection strings in every string argument', () => {
  const cases: Array<[string, string, (s: string) => Record<string, unknown>, RegExp]> = [
    ['decision(id)', OPERATIONS.decision, (s) => ({ id: s }), /^id: /],
    ['decisionsByTransaction(transactionId)', OPERATIONS.decisionsByTransaction, (s) => ({ transactionId: s }), /^transactionId: /],
    ['customerDecisions(customerId)', OPERATIONS.customerDecisions, (s) => ({ customerId: s }), /^customerId: /],
    ['events(filter.customerId)', OPERATIONS.events, (s) => ({ filter: { from: '2026-01-20', to: '2026-01-21', customerId: s } }), /^filter\.customerId: /],
    ['events(filter.eventTypes)', OPERATIONS.events, (s) => ({ filter: { from: '2026-01-20', to: '2026-01-21', eventTypes: [s] } }), /^filter\.eventTypes\[0\]: /],
    ['events(filter.customerTypes)', OPERATIONS.events, (s) => ({ filter: { from: '2026-01-20', to: '2026-01-21', customerTypes: ['SMB', s] } }), /^filter\.customerTypes\[1\]: /],
    ['eventStats(excludeCustomerTypes)', OPERATIONS.eventStats, (s) => ({ input: { from: '2026-01-20', to: '2026-01-21', excludeCustomerTypes: [s] } }), /^input\.excludeCustomerTypes\[0\]: /],
    ['catalogTable(database)', OPERATIONS.catalogTable, (s) => ({ database: s, name: 'events' }), /^database: /],
    ['catalogTable(name)', OPERATIONS.catalogTable, (s) => ({ database: 'lake', name: s }), /^name: /],
    ['catalogDatabases(catalogId)', OPERATIONS.catalogDatabases, (s) => ({ catalogId: s }), /^catalogId: /],
    ['tables(nameLike)', OPERATIONS.tablesLike, (s) => ({ nameLike: s }), /^nameLike: /],
    ['glueJobRuns(filter.jobNames)', OPERATIONS.glueJobRuns, (s) => ({ filter: { jobNames: [s] } }), /^filter\.jobNames\[0\]: /],
  ];

  test.each(cases)('%s: each injection string is BAD_USER_INPUT before any backend query', async (name, query, variables, message) => {
    for (const injection of INJECTIONS.filter((s) => s !== '$1' || !/jobNames|Types/.test(name))) {
      const r = await t.gql(query, variables(injection));
      expectError(r, 'BAD_USER_INPUT', message);
      // tables(nameLike) is a field of a database: listing the databases ran, nothing after it.
      const queries = (r.body.extensions?.cost?.queries ?? []).filter((q: any) => q.label !== 'catalog.databases');
      expect(queries).toEqual([]);
    }
  });

  test('free text (recordDecision.policy) is stored and read back verbatim, never executed', async () => {
    const policy = "fraud'); DELETE FROM decisions; --";
    const input = {
      id: 'dec_injection_0001',
      transactionId: 'txn_injection_0001',
      customerId: 'cus_000001',
      decidedAt: '2026-01-31T10:00:00Z',
      outcome: 'APPROVED',
      kind: 'FRAUD',
      policy,
      policyVersion: '1',
      riskScore: 0.1,
      amount: { value: '10.00', currency: 'EUR' },
    };
    const r = await t.gql(OPERATIONS.recordDecision, { input }, { key: TEST_KEYS.writer });
    expect(r.body.errors).toBeUndefined();
    const back = await t.gql(OPERATIONS.decision, { id: input.id }, { key: TEST_KEYS.writer });
    expect(back.body.data.decision.policy).toBe(policy);
  });

  test('recordDecision validates every field and names it', async () => {
    const base = {
      id: 'dec_valid_0001',
      transactionId: 'txn_valid_0001',
      customerId: 'cus_000001',
      decidedAt: '2026-01-31T10:00:00Z',
      outcome: 'APPROVED',
      kind: 'FRAUD',
      policy: 'p',
      policyVersion: '1',
      riskScore: 0.1,
      amount: { value: '10.00', currency: 'EUR' },
    };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ riskScore: 1.5 }, /^input\.riskScore: must be between 0 and 1/],
      [{ amount: { value: '1e9', currency: 'EUR' } }, /^input\.amount\.value: /],
      [{ amount: { value: '10', currency: 'XXY' } }, /^input\.amount\.currency: must be an ISO 4217 code/],
      [{ decidedAt: '2099-01-01T00:00:00Z' }, /^input\.decidedAt: is in the future/],
      [{ policy: '' }, /^input\.policy: must be 1-200 characters/],
      [{ checks: [{ name: 'a', result: 'PASS', score: 2 }] }, /^input\.checks\[0\]\.score: /],
      [{ checks: [{ name: 'a', result: 'PASS' }, { name: 'a', result: 'FAIL' }] }, /^input\.checks\[1\]\.name: "a" appears twice/],
      [{ schemaVersion: 0 }, /^input\.schemaVersion: /],
      [{ id: "dec'1" }, /^input\.id: /],
    ];
    for (const [change, message] of cases) {
      const r = await t.gql(OPERATIONS.recordDecision, { input: { ...base, ...change } }, { key: TEST_KEYS.writer });
      expectError(r, 'BAD_USER_INPUT', message);
      // Nothing was written: the dynamodb adapter was not asked.
      expect((r.body.extensions?.cost?.queries ?? []).filter((q: any) => q.engine === 'dynamodb')).toEqual([]);
    }
    const missing = await t.gql(OPERATIONS.decision, { id: 'dec_valid_0001' }, { key: TEST_KEYS.writer });
    expect(missing.body.data.decision).toBeNull();
  });
});

describe('access', () => {
  test('no key: reads allowed in development, writes refused with UNAUTHENTICATED naming the scope', async () => {
    const r = await t.gql(OPERATIONS.recordDecision, { input: { id: 'x' } });
    // Variable coercion fails first for an incomplete input; send a complete one.
    expect(r.body.errors).toBeDefined();
    const complete = {
      id: 'dec_noauth',
      transactionId: 't',
      customerId: 'c',
      decidedAt: '2026-01-31T10:00:00Z',
      outcome: 'APPROVED',
      kind: 'FRAUD',
      policy: 'p',
      policyVersion: '1',
      riskScore: 0,
      amount: { value: '1', currency: 'EUR' },
    };
    const anonymous = await t.gql(OPERATIONS.recordDecision, { input: complete });
    expectError(anonymous, 'UNAUTHENTICATED', /needs an API key with scope decisions:write/);
    expectNoBackendQuery(anonymous);
    const reader = await t.gql(OPERATIONS.recordDecision, { input: complete }, { key: TEST_KEYS.reader });
    expectError(reader, 'FORBIDDEN', /needs scope decisions:write; key "reader" does not have it/);
    expectNoBackendQuery(reader);
  });

  test('a key without scopes is FORBIDDEN for every domain', async () => {
    for (const [query, variables] of [
      [OPERATIONS.decision, { id: 'dec_1' }],
      [OPERATIONS.events, { filter: { from: '2026-01-20', to: '2026-01-21' } }],
      [OPERATIONS.catalogDatabases, {}],
      [OPERATIONS.glueJobRuns, {}],
    ] as const) {
      const r = await t.gql(query, variables, { key: TEST_KEYS.none });
      expectError(r, 'FORBIDDEN');
      expectNoBackendQuery(r);
    }
  });

  test('an unknown or malformed key is UNAUTHENTICATED with HTTP 401', async () => {
    const unknown = await t.gql('{ __typename }', {}, { key: 'not-a-real-key-0000000000' });
    expect(unknown.status).toBe(401);
    expectError(unknown, 'UNAUTHENTICATED', /Unknown API key/);
    const malformed = await t.gql('{ __typename }', {}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(malformed.status).toBe(401);
    expectError(malformed, 'UNAUTHENTICATED', /Bearer/);
  });

  test('pii:read is needed for personal data (masked otherwise)', async () => {
    const q = `{ events(filter: { from: "2026-01-20", to: "2026-01-20" }, first: 1) { edges { node { customer { name email piiMasked } } } } }`;
    const masked = await t.gql(q, {}, { key: TEST_KEYS.reader });
    expect(masked.body.data.events.edges[0].node.customer).toEqual({ name: '***', email: '***', piiMasked: true });
    const clear = await t.gql(q, {}, { key: TEST_KEYS.pii });
    expect(clear.body.data.events.edges[0].node.customer.email).toMatch(/@example\.com$/);
  });
});

describe('limits before execution', () => {
  test('too deep: QUERY_TOO_COMPLEX naming maxDepth', async () => {
    const r = await t.gql(`{ catalogDatabases { tables { edges { node { partitions { edges { node { values } } } } } } } }`);
    expectError(r, 'QUERY_TOO_COMPLEX', /depth limit of 7 exceeded.*\(limit maxDepth, LAKEGATE_MAX_DEPTH\)/);
    expect(r.body.errors![0]!.extensions!.limit).toBe('maxDepth');
    expectNoBackendQuery(r);
  });

  test('too many aliases: QUERY_TOO_COMPLEX naming maxAliases', async () => {
    const aliases = Array.from({ length: 7 }, (_, i) => `a${i}: decision(id: "dec_${i}") { id }`).join(' ');
    const r = await t.gql(`{ ${aliases} }`);
    expectError(r, 'QUERY_TOO_COMPLEX', /maxAliases/);
    expectNoBackendQuery(r);
  });

  test('too many tokens: QUERY_TOO_COMPLEX naming maxTokens', async () => {
    const fields = Array.from({ length: 700 }, () => '__typename').join(' ');
    const r = await t.gql(`{ ${fields} }`);
    expectError(r, 'QUERY_TOO_COMPLEX', /more than 600 tokens \(limit maxTokens, LAKEGATE_MAX_TOKENS\)/);
  });

  test('too many directives: QUERY_TOO_COMPLEX naming maxDirectives', async () => {
    const directives = Array.from({ length: 60 }, () => '@include(if: true)').join(' ');
    const r = await t.gql(`{ __typename ${directives} }`);
    expectError(r, 'QUERY_TOO_COMPLEX', /maxDirectives/);
  });

  test('too costly (page sizes multiply): QUERY_TOO_EXPENSIVE naming maxCost', async () => {
    const r = await t.gql(`{
      catalogDatabases { name tables(first: 500) { edges { node { name columns { name type }
        partitions(first: 500) { edges { node { values location createTime parameters } } } } } } } }`);
    expectError(r, 'QUERY_TOO_EXPENSIVE', /maxCost/);
    expectNoBackendQuery(r);
  });

  test('an unknown field is a validation error; the server still answers afterwards', async () => {
    const r = await t.gql(`{ events(filter: { from: "2026-01-20", to: "2026-01-20" }) { edges { node { nope } } } }`);
    expectError(r, 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "nope"/);
    const ok = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-20', to: '2026-01-20' } });
    expect(ok.body.errors).toBeUndefined();
    const health = await fetch(`${t.origin}/healthz`);
    expect(health.status).toBe(200);
  });
});
