import { cleanupTestData, startTestApp, TEST_KEYS, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

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
});

test('no field suggestions in errors', async () => {
  const r = await t.gql('{ eventStat(input: { from: "2026-01-20", to: "2026-01-21" }) { totalEvents } }', {}, { key: TEST_KEYS.reader });
  expect(r.body.errors![0]!.message).toMatch(/Cannot query field "eventStat"/);
  expect(r.body.errors![0]!.message).not.toMatch(/Did you mean/);
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
