import { PERSONAL_ATTRIBUTE_KEYS } from '../../src/services/events/event-attributes';
import { cleanupTestData, startTestApp, TEST_KEYS, type TestApp } from '../helpers/test-app';

/**
 * Red-team report, issue 16: Event.attributes carries personal data (the seeded
 * lake writes `ip` and `session_id`). Without pii:read those keys read as "***",
 * like Customer name and email; with pii:read they are the real values. The
 * events page cache is shared by all callers, so neither may see the other's view
 * whichever asks first.
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

const EVENTS = `query($filter: EventFilter!, $first: Int) { events(filter: $filter, first: $first) { edges { node { id eventType attributes customer { name email piiMasked } } } } }`;
const FILTER = { from: '2026-01-25', to: '2026-01-25' };

type Node = { id: string; eventType: string; attributes: Record<string, unknown>; customer: { name: string; email: string; piiMasked: boolean } | null };

async function events(key: string | undefined, first = 40): Promise<{ nodes: Node[]; cache: any }> {
  const r = await t.gql(EVENTS, { filter: FILTER, first }, key ? { key } : {});
  expect(r.body.errors).toBeUndefined();
  return { nodes: r.body.data.events.edges.map((e: any) => e.node), cache: r.body.extensions?.cache };
}

function expectMasked(nodes: Node[]) {
  expect(nodes.length).toBeGreaterThan(0);
  for (const n of nodes) {
    expect(n.attributes.ip).toBe('***');
    expect(n.attributes.session_id).toBe('***');
    for (const key of PERSONAL_ATTRIBUTE_KEYS) if (key in n.attributes) expect(n.attributes[key]).toBe('***');
    expect(JSON.stringify(n.attributes)).not.toMatch(/203\.0\.113\./);
  }
}

function expectReal(nodes: Node[]) {
  expect(nodes.length).toBeGreaterThan(0);
  for (const n of nodes) {
    expect(n.attributes.ip).toMatch(/^203\.0\.113\.\d{1,3}$/);
    expect(n.attributes.session_id).toMatch(/^[0-9a-f]{8}$/);
  }
}

test('a reader key sees personal attribute keys masked, the other attributes as they are', async () => {
  const { nodes } = await events(TEST_KEYS.reader);
  expectMasked(nodes);
  // Not personal: kept exactly as a pii:read caller sees them (mfa, amount, reason, rows, ...).
  const real = new Map((await events(TEST_KEYS.pii)).nodes.map((n) => [n.id, n.attributes]));
  let kept = 0;
  for (const n of nodes) {
    const expected = Object.fromEntries(Object.entries(real.get(n.id)!).map(([k, v]) => [k, PERSONAL_ATTRIBUTE_KEYS.includes(k) ? '***' : v]));
    expect(n.attributes).toEqual(expected);
    kept += Object.keys(n.attributes).filter((k) => !PERSONAL_ATTRIBUTE_KEYS.includes(k)).length;
  }
  expect(kept).toBeGreaterThan(0);
  // Same rule as the customer's personal fields.
  expect(nodes.every((n) => n.customer === null || (n.customer.piiMasked && n.customer.name === '***'))).toBe(true);
});

test('a pii:read key sees the real values', async () => {
  expectReal((await events(TEST_KEYS.pii)).nodes);
});

test('anonymous development access has no pii:read: masked', async () => {
  expectMasked((await events(undefined)).nodes);
});

test('the shared events cache serves both views: masking is per caller, after the cache', async () => {
  const first = 23; // a page size no other test asked for: a fresh cache entry
  const pii = await events(TEST_KEYS.pii, first);
  expectReal(pii.nodes);
  const reader = await events(TEST_KEYS.reader, first);
  expectMasked(reader.nodes);
  const again = await events(TEST_KEYS.pii, first);
  expectReal(again.nodes);
  expect(again.nodes).toEqual(pii.nodes);
  // The reader's page came from the entry the pii:read caller filled (one shared scope).
  expect(reader.cache.reads).toContainEqual(expect.objectContaining({ label: 'events.page', status: 'hit' }));
  expect(reader.nodes.map((n) => n.id)).toEqual(pii.nodes.map((n) => n.id));
});
