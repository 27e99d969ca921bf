import { addDays } from '../../src/util/days';
import { cleanupTestData, startTestApp, TEST_KEYS, TEST_SEED, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/**
 * Admission control over HTTP on the real server: the lake engine's slots are
 * taken by work the test holds (deterministic), then 200 distinct uncached lake
 * queries arrive. In flight never exceeds the limit, the queue never its depth,
 * the excess is shed at once with BACKEND_BUSY (HTTP 503, Retry-After), the queued
 * ones run once slots free, nothing hangs; health checks, cached answers and
 * decisions (another engine) are answered meanwhile; a flooding caller does not
 * starve another; a cancelled request leaves the queue without its query running;
 * an erasure progresses while interactive traffic saturates the engine.
 */
jest.setTimeout(120_000);

const LIMIT = 2;
const DEPTH = 40;
let t: TestApp;
const FIRST = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));

beforeAll(async () => {
  t = await startTestApp({
    env: {
      LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE: String(LIMIT),
      LAKEGATE_QUEUE_MAX_DEPTH: String(DEPTH),
      LAKEGATE_QUEUE_TIMEOUT_MS: '20000',
      LAKEGATE_GDPR_POLL_INTERVAL_MS: '100',
      LAKEGATE_LOADS_SCHEDULER: 'false',
    },
  });
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

const lakeGate = () => t.app.backends.admission.state().find((g) => g.engine === 'duckdb-lake')!;

/** Takes `n` slots of the lake engine until the returned function is called. */
async function holdSlots(n: number): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  for (let i = 0; i < n; i++) void t.app.backends.admission.run('duckdb-lake', () => held);
  while (lakeGate().inflight < n) await new Promise((r) => setImmediate(r));
  return release;
}

const INTERVALS = ['DAY', 'WEEK', 'MONTH'];
const GROUPINGS = [['EVENT_TYPE'], ['CUSTOMER_TYPE'], []];

/** A distinct, valid lake query per i (up to 1890): in no cache, joined with no other in flight. */
function lakeQuery(i: number, key: string = TEST_KEYS.reader, signal?: AbortSignal) {
  const from = addDays(FIRST, i % 15);
  const to = addDays(from, 1 + (Math.floor(i / 15) % 14));
  const input = { from, to, interval: INTERVALS[Math.floor(i / 210) % 3], groupBy: GROUPINGS[Math.floor(i / 630) % 3], source: 'LAKE' };
  return fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: OPERATIONS.eventStats, variables: { input } }),
    signal,
  }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as any }));
}

test('200 distinct lake queries against 2 slots: bounded in flight and queued, the excess shed at once, the rest answered, other paths unaffected', async () => {
  // A cached answer, and a decision id, for the checks during the overload.
  const cachedInput = { from: FIRST, to: TEST_SEED.endDay, interval: 'WEEK', groupBy: [], source: 'LAKE' };
  await t.gql(OPERATIONS.eventStats, { input: cachedInput }, { key: TEST_KEYS.reader });
  const release = await holdSlots(LIMIT);
  let peakInflight = 0;
  let peakWaiting = 0;
  const sampler = setInterval(() => {
    const g = lakeGate();
    peakInflight = Math.max(peakInflight, g.inflight);
    peakWaiting = Math.max(peakWaiting, g.waiting);
  }, 1);
  try {
    const shedBefore = lakeGate().shed;
    const responses = Array.from({ length: 200 }, (_, i) => lakeQuery(100 + i));
    while (lakeGate().waiting < DEPTH) await new Promise((r) => setTimeout(r, 5));
    // Shed at once: the queue is full and its slots are held.
    const deadline = Date.now() + 30_000;
    while (lakeGate().shed - shedBefore < 200 - DEPTH && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(lakeGate().shed - shedBefore).toBe(200 - DEPTH);

    // Meanwhile: health, a cached answer, and the readiness body showing the state.
    const health = await fetch(`${t.origin}/healthz`);
    expect(health.status).toBe(200);
    const cached = await t.gql(OPERATIONS.eventStats, { input: cachedInput }, { key: TEST_KEYS.reader });
    expect(cached.body.errors).toBeUndefined();
    const ready: any = await (await fetch(`${t.origin}/readyz`)).json();
    expect(ready.status).toBe('ok');
    expect(ready.admission.find((g: any) => g.engine === 'duckdb-lake')).toMatchObject({ limit: LIMIT, inflight: LIMIT, waiting: DEPTH });

    release();
    const answered = await Promise.all(responses);
    const busy = answered.filter((r) => r.body.errors?.[0]?.extensions?.code === 'BACKEND_BUSY');
    const ok = answered.filter((r) => r.body.errors === undefined);
    expect([ok.length, busy.length]).toEqual([DEPTH, 200 - DEPTH]);
    for (const r of busy) {
      expect(r.status).toBe(503);
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.body.errors[0].extensions).toMatchObject({ backend: 'duckdb-lake', retryAfterSeconds: expect.any(Number) });
      expect(r.body.errors[0].message).toMatch(/^duckdb-lake is busy/);
    }
    // The queued ones waited, and say so.
    expect(ok.some((r) => r.body.extensions.cost.queries.some((q: any) => q.queueMs > 0))).toBe(true);
    expect(peakInflight).toBe(LIMIT);
    expect(peakWaiting).toBe(DEPTH);
  } finally {
    clearInterval(sampler);
    release();
  }
  const metrics = await (await fetch(`${t.origin}/metrics`)).text();
  expect(metrics).toMatch(/^lakegate_backend_shed_total\{engine="duckdb-lake",reason="depth"\} \d+/m);
  expect(metrics).toMatch(/^lakegate_backend_queue_wait_seconds_count\{engine="duckdb-lake"\} \d+/m);
  expect(metrics).toMatch(/^lakegate_backend_inflight\{engine="duckdb-lake"\} 0$/m);
});

test('a caller flooding the queue does not starve another caller', async () => {
  const release = await holdSlots(LIMIT);
  const shedBefore = lakeGate().shed;
  const flood = Array.from({ length: DEPTH + 20 }, (_, i) => lakeQuery(400 + i, TEST_KEYS.reader));
  let others: ReturnType<typeof lakeQuery>[];
  try {
    while (lakeGate().shed - shedBefore < 20) await new Promise((r) => setTimeout(r, 5));
    expect(lakeGate().waiting).toBe(DEPTH);
    // The queue is full of the flood: the other caller's queries still get in (the flood's newest make room).
    others = Array.from({ length: 3 }, (_, i) => lakeQuery(600 + i, TEST_KEYS.pii));
    while (lakeGate().shed - shedBefore < 23) await new Promise((r) => setTimeout(r, 5));
  } finally {
    release();
  }
  for (const r of await Promise.all(others)) expect(r.body.errors).toBeUndefined();
  const floodAnswers = await Promise.all(flood);
  expect(floodAnswers.filter((r) => r.body.errors?.[0]?.extensions?.code === 'BACKEND_BUSY')).toHaveLength(23);
  expect(floodAnswers.filter((r) => r.body.errors === undefined)).toHaveLength(DEPTH - 3);
});

test('a cancelled request leaves the queue at once; its query never runs', async () => {
  const release = await holdSlots(LIMIT);
  try {
  const abort = new AbortController();
  const before = lakeGate();
  const pending = lakeQuery(700, TEST_KEYS.reader, abort.signal).catch((e: unknown) => e);
  while (lakeGate().waiting === before.waiting) await new Promise((r) => setTimeout(r, 2));
  abort.abort();
  expect(await pending).toMatchObject({ name: 'AbortError' });
  while (lakeGate().waiting !== before.waiting) await new Promise((r) => setTimeout(r, 2));
  const queries = async () => Number(/^lakegate_backend_query_seconds_count\{backend="duckdb",label="eventStats.lake"\} (\d+)/m.exec(await (await fetch(`${t.origin}/metrics`)).text())?.[1] ?? 0);
  const ran = await queries();
  release();
  await new Promise((r) => setTimeout(r, 200));
  expect(await queries()).toBe(ran);
  expect(lakeGate().shed).toBe(before.shed);
  } finally {
    release();
  }
});

test('an erasure progresses while interactive traffic keeps the lake engine saturated', async () => {
  let flooding = true;
  let i = 0;
  const floods = Array.from({ length: 6 }, async () => {
    while (flooding) await lakeQuery(1000 + i++, i % 2 ? TEST_KEYS.reader : TEST_KEYS.pii);
  });
  const requested = await t.gql(`mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id } }`, { input: { customerId: 'cus_000003' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id = requested.body.data.requestDeletion.id;
  let status = '';
  const deadline = Date.now() + 60_000;
  while (status !== 'COMPLETED' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await t.gql(`query($id: ID!) { deletionRequest(id: $id) { status } }`, { id }, { key: TEST_KEYS.gdpr })).body.data.deletionRequest.status;
  }
  const saturatedQueries = i;
  flooding = false;
  await Promise.all(floods);
  expect(status).toBe('COMPLETED');
  expect(saturatedQueries).toBeGreaterThan(20);
});
