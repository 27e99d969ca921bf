import type { StoredDecision } from '../../src/ports/decision-store';
import { generateDecisions } from '../../src/seed/decisions';
import { CursorCodec, queryFingerprint } from '../../src/util/cursor';
import { addDays } from '../../src/util/days';
import { cleanupTestData, startTestApp, TEST_KEYS, TEST_SEED, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/**
 * Red-team report, issue 16: pagination cursors. A cursor this server did not
 * issue, or one that was edited, is refused before it is used (it is signed with a
 * key derived from the subject-hash key); a signed cursor whose position is not
 * exactly what its connection issues is refused too (BAD_USER_INPUT, never a
 * backend failure); and cursors stay valid across processes sharing the key.
 */
jest.setTimeout(180_000);

const SHARED_KEY = 'cursor-test-subject-hash-key-0123456789abcdef';
const LIST_DELETIONS = `query($status: DeletionStatus, $first: Int, $after: String) { deletionRequests(status: $status, first: $first, after: $after) {
  edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
const REQUEST_DELETION = `mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id } }`;
const EVENTS_FILTER = { from: '2026-01-20', to: '2026-01-21' };
const RUNS_FILTER = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

let a: TestApp;
let b: TestApp;
/** What the servers sign with: derived from the subject-hash key they share. */
let serverCodec: CursorCodec;

const START_DAY = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const decisions: StoredDecision[] = [
  ...generateDecisions({ decisions: TEST_SEED.decisions, customers: TEST_SEED.customers, startDay: START_DAY, endDay: TEST_SEED.endDay, randomSeed: TEST_SEED.randomSeed }),
].flat();
/** The customer with the most decisions (several pages of one). */
const busyCustomer = (() => {
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.customerId, (counts.get(d.customerId) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0];
})();

beforeAll(async () => {
  const env = { LAKEGATE_SUBJECT_HASH_KEY: SHARED_KEY, LAKEGATE_GDPR_EXECUTOR: 'false', LAKEGATE_CACHE_BACKEND: 'off' };
  a = await startTestApp({ env });
  b = await startTestApp({ env });
  serverCodec = CursorCodec.fromSecret(a.app.backends.gdpr.subjectHashKey);
  for (const customerId of ['cus_000150', 'cus_000151', 'cus_000152']) {
    const r = await a.gql(REQUEST_DELETION, { input: { customerId } }, { key: TEST_KEYS.gdpr });
    expect(r.body.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  cleanupTestData();
});

function expectBadCursor(r: GraphQLResult, message: RegExp) {
  expect(r.body.errors).toBeDefined();
  const error = r.body.errors![0]!;
  expect({ code: error.extensions?.code, message: error.message }).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(message) });
  expect(JSON.stringify(r.body)).not.toMatch(/BACKEND_QUERY_FAILED|stacktrace|node_modules/);
}

function expectNoBackendQuery(r: GraphQLResult) {
  expect(r.body.extensions?.cost?.total?.queries ?? 0).toBe(0);
}

/** The JSON envelope of a cursor (after its 16-byte MAC). */
function envelopeOf(cursor: string): { v: number; q: string; p: any } {
  return JSON.parse(Buffer.from(cursor, 'base64url').subarray(16).toString('utf8'));
}

/** A cursor with the same query fingerprint but another position, correctly signed with the servers' key. */
function resigned(cursor: string, position: unknown): string {
  return serverCodec.encode(envelopeOf(cursor).q, position);
}

const NOT_ISSUED = /^after: this cursor was not issued by this server or has been altered; start again without after$/;
const NOT_A_POSITION = /^after: is not a/;

describe('forged and edited cursors are refused before use', () => {
  test('the red-team cursor (an unsigned envelope with p.t "not-a-time", SQL text or NUL) is BAD_USER_INPUT, no backend query', async () => {
    // The fingerprint the service computes for this filter: a forger can compute it too.
    const q = queryFingerprint({ q: 'events', range: EVENTS_FILTER });
    for (const p of [
      { t: 'not-a-time', id: 'evt_x' },
      { t: "2026-01-20T00:00:00.000Z' OR 1=1 --", id: 'evt_x' },
      { t: '2026-01-20T00:00:00.000Z', id: "x' OR '1'='1" },
      { t: '2026-01-20\u0000', id: 'evt\u0000' },
    ]) {
      for (const v of [1, 2]) {
        const after = Buffer.from(JSON.stringify({ v, q, p }), 'utf8').toString('base64url');
        const r = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2, after }, { key: TEST_KEYS.reader });
        expectBadCursor(r, /^after: /);
        expectNoBackendQuery(r);
      }
    }
  });

  test('an issued cursor with its position edited (MAC kept) is refused as altered', async () => {
    const page = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2 }, { key: TEST_KEYS.reader });
    const cursor: string = page.body.data.events.pageInfo.endCursor;
    expect(cursor.length).toBeLessThan(200);
    const bytes = Buffer.from(cursor, 'base64url');
    const envelope = envelopeOf(cursor);
    const edited = Buffer.concat([bytes.subarray(0, 16), Buffer.from(JSON.stringify({ ...envelope, p: { ...envelope.p, id: 'evt_20260101_000000000' } }))]).toString('base64url');
    const r = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2, after: edited }, { key: TEST_KEYS.reader });
    expectBadCursor(r, NOT_ISSUED);
    expectNoBackendQuery(r);
    // A flipped bit of the MAC itself.
    const flipped = Buffer.from(bytes);
    flipped[3] = flipped[3]! ^ 1;
    expectBadCursor(await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2, after: flipped.toString('base64url') }, { key: TEST_KEYS.reader }), NOT_ISSUED);
  });

  test('a cursor signed with another key is refused; one of a process sharing the key is accepted', async () => {
    const first = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 3 }, { key: TEST_KEYS.reader });
    const cursor: string = first.body.data.events.pageInfo.endCursor;
    const onA = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 3, after: cursor }, { key: TEST_KEYS.reader });
    const onB = await b.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 3, after: cursor }, { key: TEST_KEYS.reader });
    expect(onB.body.errors).toBeUndefined();
    expect(onB.body.data.events.edges).toEqual(onA.body.data.events.edges);
    expect(onB.body.data.events.edges.length).toBe(3);
    expect(onB.body.data.events.edges[0].node.id).not.toBe(first.body.data.events.edges[2].node.id);

    const otherServer = CursorCodec.fromSecret('another-deployment-subject-hash-key-000000');
    const foreign = otherServer.encode(envelopeOf(cursor).q, envelopeOf(cursor).p);
    expectBadCursor(await b.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 3, after: foreign }, { key: TEST_KEYS.reader }), NOT_ISSUED);
    // The cursor key is derived from, not equal to, the subject-hash key.
    const raw = new CursorCodec(Buffer.from(SHARED_KEY, 'utf8')).encode(envelopeOf(cursor).q, envelopeOf(cursor).p);
    expectBadCursor(await b.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 3, after: raw }, { key: TEST_KEYS.reader }), NOT_ISSUED);
  });
});

describe('a signed cursor whose position is not exactly what the connection issues is BAD_USER_INPUT', () => {
  test('events: t must be an ISO instant with milliseconds, id an event id, nothing else', async () => {
    const page = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2 }, { key: TEST_KEYS.reader });
    const cursor: string = page.body.data.events.pageInfo.endCursor;
    const { p } = envelopeOf(cursor);
    expect(p).toEqual({ t: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), id: expect.any(String) });
    // The honest re-signing of the issued position works: the server's key is the one used here.
    const same = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2, after: resigned(cursor, p) }, { key: TEST_KEYS.reader });
    expect(same.body.errors).toBeUndefined();
    for (const bad of [
      { ...p, t: 'not-a-time' },
      { ...p, t: "2026-01-20T00:00:00.000Z' OR 1=1 --" },
      { ...p, t: '2026-01-20T00:00:00.000Z\u0000' },
      { ...p, t: '2026-01-20T00:00:00Z' },
      { ...p, t: '2026-01-20 00:00:00.000' },
      { ...p, t: '2026-02-30T00:00:00.000Z' },
      { ...p, t: 1768867200000 },
      { ...p, id: "x' OR '1'='1" },
      { ...p, id: 'evt\u0000' },
      { ...p, id: '' },
      { ...p, extra: 1 },
      { t: p.t },
      [p.t, p.id],
      null,
    ]) {
      const r = await a.gql(OPERATIONS.events, { filter: EVENTS_FILTER, first: 2, after: resigned(cursor, bad) }, { key: TEST_KEYS.reader });
      expectBadCursor(r, NOT_A_POSITION);
      expectNoBackendQuery(r);
    }
  });

  test('customerDecisions: { id, customerId, decidedAtId } of the queried customer', async () => {
    const page = await a.gql(OPERATIONS.customerDecisions, { customerId: busyCustomer, first: 1 }, { key: TEST_KEYS.reader });
    expect(page.body.data.customerDecisions.pageInfo.hasNextPage).toBe(true);
    const cursor: string = page.body.data.customerDecisions.pageInfo.endCursor;
    const { p } = envelopeOf(cursor);
    const ok = await a.gql(OPERATIONS.customerDecisions, { customerId: busyCustomer, first: 1, after: resigned(cursor, p) }, { key: TEST_KEYS.reader });
    expect(ok.body.errors).toBeUndefined();
    for (const bad of [
      { ...p, decidedAtId: `not-a-time#${p.id}` },
      { ...p, decidedAtId: `${p.decidedAtId}\u0000` },
      { ...p, decidedAtId: '2026-01-20T00:00:00.000Z#dec_other' },
      { ...p, customerId: 'cus_000002' === busyCustomer ? 'cus_000003' : 'cus_000002' },
      { ...p, id: `${p.id}\u0000`, decidedAtId: `${p.decidedAtId}\u0000` },
      { ...p, id: 7 },
      { ...p, transactionId: 'txn_x' },
    ]) {
      const r = await a.gql(OPERATIONS.customerDecisions, { customerId: busyCustomer, first: 1, after: resigned(cursor, bad) }, { key: TEST_KEYS.reader });
      expectBadCursor(r, NOT_A_POSITION);
    }
  });

  test('catalog partitions: { token, skip } with a page token and a bounded offset', async () => {
    const page = await a.gql(OPERATIONS.catalogTable, { database: 'lake', name: 'events', first: 2 }, { key: TEST_KEYS.reader });
    const cursor: string = page.body.data.catalogTable.partitions.pageInfo.endCursor;
    const { p } = envelopeOf(cursor);
    const ok = await a.gql(OPERATIONS.catalogTable, { database: 'lake', name: 'events', first: 2, after: resigned(cursor, p) }, { key: TEST_KEYS.reader });
    expect(ok.body.errors).toBeUndefined();
    for (const bad of [
      { ...p, token: "'; DROP TABLE x; --" },
      { ...p, token: 'abc\u0000' },
      { ...p, token: 42 },
      { ...p, skip: -1 },
      { ...p, skip: 1.5 },
      { ...p, skip: 1e12 },
      { ...p, skip: '1' },
      { token: null },
    ]) {
      const r = await a.gql(OPERATIONS.catalogTable, { database: 'lake', name: 'events', first: 2, after: resigned(cursor, bad) }, { key: TEST_KEYS.reader });
      expectBadCursor(r, NOT_A_POSITION);
    }
  });

  test('glueJobRuns: { s, id } with s an ISO instant with milliseconds', async () => {
    const page = await a.gql(OPERATIONS.glueJobRuns, { filter: RUNS_FILTER, first: 2 }, { key: TEST_KEYS.reader });
    expect(page.body.data.glueJobRuns.pageInfo.hasNextPage).toBe(true);
    const cursor: string = page.body.data.glueJobRuns.pageInfo.endCursor;
    const { p } = envelopeOf(cursor);
    const ok = await a.gql(OPERATIONS.glueJobRuns, { filter: RUNS_FILTER, first: 2, after: resigned(cursor, p) }, { key: TEST_KEYS.reader });
    expect(ok.body.errors).toBeUndefined();
    for (const bad of [{ ...p, s: 'not-a-time' }, { ...p, s: `${p.s}\u0000` }, { ...p, id: "jr_' --" }, { s: p.s }]) {
      const r = await a.gql(OPERATIONS.glueJobRuns, { filter: RUNS_FILTER, first: 2, after: resigned(cursor, bad) }, { key: TEST_KEYS.reader });
      expectBadCursor(r, NOT_A_POSITION);
    }
  });

  test('deletionRequests: the ledger position of the listing asked for', async () => {
    const page = await a.gql(LIST_DELETIONS, { first: 1 }, { key: TEST_KEYS.gdpr });
    expect(page.body.data.deletionRequests.pageInfo.hasNextPage).toBe(true);
    const cursor: string = page.body.data.deletionRequests.pageInfo.endCursor;
    const { p } = envelopeOf(cursor);
    const ok = await a.gql(LIST_DELETIONS, { first: 1, after: resigned(cursor, p) }, { key: TEST_KEYS.gdpr });
    expect(ok.body.errors).toBeUndefined();
    const pending = await a.gql(LIST_DELETIONS, { status: 'PENDING', first: 1 }, { key: TEST_KEYS.gdpr });
    const pendingCursor: string = pending.body.data.deletionRequests.pageInfo.endCursor;
    const pp = envelopeOf(pendingCursor).p;
    for (const [c, bad] of [
      [cursor, { ...p, pk: `${p.pk}\u0000` }],
      [cursor, { ...p, pk: 'request#other' }],
      [cursor, { ...p, requestedAtId: `not-a-time#${String(p.pk).slice('request#'.length)}` }],
      [cursor, { ...p, itemType: 'subject' }],
      [cursor, { pk: p.pk, requestedAtId: p.requestedAtId, status: 'PENDING' }],
      [pendingCursor, { ...pp, status: 'COMPLETED' }],
      [pendingCursor, { ...pp, status: "PENDING' --" }],
    ] as const) {
      const status = c === pendingCursor ? 'PENDING' : undefined;
      const r = await a.gql(LIST_DELETIONS, { status, first: 1, after: resigned(c, bad) }, { key: TEST_KEYS.gdpr });
      expectBadCursor(r, NOT_A_POSITION);
    }
  });
});
