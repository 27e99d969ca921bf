import { cleanupTestData, startTestApp, TEST_KEYS, type TestApp } from '../helpers/test-app';
import { decisionInput, OPERATIONS } from './contract-operations';

/** NODE_ENV=production: no anonymous access, no introspection, no field suggestions, no GraphiQL. */
jest.setTimeout(120_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { NODE_ENV: 'production' } });
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

test('without a key nothing is granted', async () => {
  const r = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-20', to: '2026-01-21' } });
  expect(r.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  const withKey = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-20', to: '2026-01-21' } }, { key: TEST_KEYS.reader });
  expect(withKey.body.errors).toBeUndefined();
});

test('introspection is off', async () => {
  const r = await t.gql('{ __schema { types { name } } }', {}, { key: TEST_KEYS.reader });
  expect(r.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(r.body.errors![0]!.message).toMatch(/introspection/i);
  // The setting to change is ours, not an ApolloServer option.
  expect(r.body.errors![0]!.message).toMatch(/LAKEGATE_INTROSPECTION/);
  expect(r.body.errors![0]!.message).not.toMatch(/ApolloServer/);
  const type = await t.gql('{ __type(name: "Query") { name } }', {}, { key: TEST_KEYS.reader });
  expect(type.body.errors![0]!.message).toMatch(/LAKEGATE_INTROSPECTION/);
  // __typename is no introspection.
  expect((await t.gql('{ __typename }', {}, { key: TEST_KEYS.reader })).body.data).toEqual({ __typename: 'Query' });
});

test('no field suggestions in errors', async () => {
  const r = await t.gql('{ eventStat(input: { from: "2026-01-20", to: "2026-01-21" }) { totalEvents } }', {}, { key: TEST_KEYS.reader });
  expect(r.body.errors![0]!.message).toMatch(/Cannot query field "eventStat"/);
  expect(r.body.errors![0]!.message).not.toMatch(/Did you mean/);
});

describe('no enum value or input field suggestions in errors (issue 16)', () => {
  const input = decisionInput({ id: 'dec_prod_suggest_1', transactionId: 'txn_prod_suggest_1', customerId: 'cus_000001' });

  test('a variable of an enum type given a near miss names the value, not the enum values', async () => {
    const r = await t.gql(OPERATIONS.recordDecision, { input: { ...input, outcome: 'APPROVE' } }, { key: TEST_KEYS.writer });
    expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(/Value "APPROVE" does not exist in "DecisionOutcome" enum\.$/);
    expect(JSON.stringify(r.body)).not.toMatch(/Did you mean|Suggestion hidden|APPROVED/);
  });

  test('an inline enum literal given a near miss', async () => {
    const r = await t.gql(
      `mutation { recordDecision(input: { id: "dec_prod_suggest_2", transactionId: "txn_prod_suggest_2", customerId: "cus_000001", decidedAt: "2026-01-31T12:00:00.000Z",
        outcome: APPROVE, kind: FRAUD, policy: "p", policyVersion: "1", riskScore: 0.1, amount: { value: "1.00", currency: "EUR" } }) { id } }`,
      {},
      { key: TEST_KEYS.writer },
    );
    expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(/APPROVE/);
    expect(JSON.stringify(r.body)).not.toMatch(/Did you mean|Suggestion hidden|APPROVED/);
  });

  test('an unknown input field, in a variable and inline', async () => {
    const v = await t.gql(OPERATIONS.eventStats, { input: { from: '2026-01-20', to: '2026-01-21', intervall: 'WEEK' } }, { key: TEST_KEYS.reader });
    expect(v.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(v.body.errors![0]!.message).toMatch(/Field "intervall" is not defined by type "EventStatsInput"\.$/);
    expect(JSON.stringify(v.body)).not.toMatch(/Did you mean|Suggestion hidden|"interval"/);
    const l = await t.gql('{ eventStats(input: { from: "2026-01-20", to: "2026-01-21", intervall: WEEK }) { totalEvents } }', {}, { key: TEST_KEYS.reader });
    expect(l.body.errors![0]!.message).toMatch(/"intervall"/);
    expect(JSON.stringify(l.body)).not.toMatch(/Did you mean|Suggestion hidden|"interval"/);
  });
});

test('no stack traces or internals in errors', async () => {
  const r = await t.gql(OPERATIONS.events, { filter: { from: '2026-01-20', to: '2026-01-01' } }, { key: TEST_KEYS.reader });
  expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(r.body)).not.toMatch(/stacktrace|exception|node_modules/);
});

test('GraphiQL is not served', async () => {
  const page = await fetch(t.url, { headers: { accept: 'text/html' } });
  expect(await page.text()).not.toMatch(/<title>lakegate/);
  const asset = await fetch(`${t.origin}/graphiql/`);
  expect(asset.status).toBe(404);
});
