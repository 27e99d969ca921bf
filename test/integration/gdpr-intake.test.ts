import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex, subjectHash } from '../../src/util/hash';
import { openSubject } from '../../src/gdpr/subject-seal';
import { cleanupTestData, startTestApp, TEST_API_KEYS, TEST_KEYS, type TestApp } from '../helpers/test-app';

/**
 * Intake of deletion requests over HTTP, with the executor off (nothing runs, so
 * the ledger can be inspected as intake left it): scopes checked before anything
 * is written, every argument validated, idempotency (also when raced), one open
 * request per subject, crash repair, listing newest first with Relay paging and a
 * status filter, and the overdue flag.
 */
jest.setTimeout(120_000);

let t: TestApp;
const REQUEST = `mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id status subjectHash requestedBy reason requestedAt dueBy overdue attempts targets { store status recordsDeleted } } }`;
const LIST = `query($status: DeletionStatus, $first: Int, $after: String) { deletionRequests(status: $status, first: $first, after: $after) {
  totalCount edges { cursor node { id status requestedAt overdue } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;

/** Two services that may request erasures but not read requests (gdpr:write only). */
const WRITE_ONLY = { a: 'gdpr-write-only-key-0000000a', b: 'gdpr-write-only-key-0000000b' } as const;

beforeAll(async () => {
  const keys = [
    ...(JSON.parse(TEST_API_KEYS) as unknown[]),
    { id: 'service-a', key: WRITE_ONLY.a, scopes: ['gdpr:write'] },
    { id: 'service-b', key: WRITE_ONLY.b, scopes: ['gdpr:write'] },
  ];
  t = await startTestApp({ env: { LAKEGATE_GDPR_EXECUTOR: 'false', LAKEGATE_API_KEYS: JSON.stringify(keys) } });
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

async function ledgerItems(): Promise<Record<string, any>[]> {
  const out = await t.app.backends.dynamo.doc.send(new ScanCommand({ TableName: t.config.aws.dynamodb.deletionLedgerTable, ConsistentRead: true }));
  return out.Items ?? [];
}

const request = (input: Record<string, unknown>, key: string = TEST_KEYS.gdpr) => t.gql(REQUEST, { input }, { key });

test('callers without gdpr:write are refused before anything is written; reads need gdpr:read', async () => {
  const before = (await ledgerItems()).length;
  const anonymous = await t.gql(REQUEST, { input: { customerId: 'cus_000001' } });
  expect(anonymous.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  for (const key of [TEST_KEYS.reader, TEST_KEYS.pii, TEST_KEYS.writer, TEST_KEYS.none]) {
    const r = await request({ customerId: 'cus_000001', idempotencyKey: 'refused' }, key);
    expect(r.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(r.body.errors![0]!.message).toContain('gdpr:write');
    expect(r.body.data).toBeNull();
  }
  expect((await ledgerItems()).length).toBe(before);
  const list = await t.gql(LIST, {}, { key: TEST_KEYS.reader });
  expect(list.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  const one = await t.gql(`{ deletionRequest(id: "del_x") { id } }`, {}, { key: TEST_KEYS.pii });
  expect(one.body.errors![0]!.message).toContain('gdpr:read');
});

test('every argument is validated, naming it, before anything is written', async () => {
  const before = (await ledgerItems()).length;
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ customerId: 'bad id with spaces' }, 'input.customerId'],
    [{ customerId: '' }, 'input.customerId'],
    [{ customerId: 'x'.repeat(129) }, 'input.customerId'],
    [{ customerId: 'cus_000001', reason: '' }, 'input.reason'],
    [{ customerId: 'cus_000001', reason: 'r'.repeat(501) }, 'input.reason'],
    [{ customerId: 'cus_000001', reason: 'line\u0000break' }, 'input.reason'],
    [{ customerId: 'cus_000001', idempotencyKey: '' }, 'input.idempotencyKey'],
    [{ customerId: 'cus_000001', idempotencyKey: 'k'.repeat(129) }, 'input.idempotencyKey'],
  ];
  for (const [input, argument] of cases) {
    const r = await request(input);
    expect([argument, r.body.errors?.[0]?.extensions?.code]).toEqual([argument, 'BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message.startsWith(`${argument}:`)).toBe(true);
  }
  expect((await ledgerItems()).length).toBe(before);
  const badId = await t.gql(`{ deletionRequest(id: "no spaces allowed") { id } }`, {}, { key: TEST_KEYS.gdpr });
  expect(badId.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  const badCursor = await t.gql(LIST, { after: 'not-a-cursor' }, { key: TEST_KEYS.gdpr });
  expect(badCursor.body.errors![0]!.extensions!).toMatchObject({ code: 'BAD_USER_INPUT' });
  expect(badCursor.body.errors![0]!.message).toMatch(/^after:/);
  const badFirst = await t.gql(LIST, { first: 0 }, { key: TEST_KEYS.gdpr });
  expect(badFirst.body.errors![0]!.message).toMatch(/^first:/);
});

test('a new request is PENDING with one target per store, due 30 days later, and holds the raw id only until verified', async () => {
  const r = await request({ customerId: 'cus_000010', reason: 'asked by email', idempotencyKey: 'k-10' });
  expect(r.body.errors).toBeUndefined();
  const created = r.body.data.requestDeletion;
  expect(created).toMatchObject({ status: 'PENDING', requestedBy: 'gdpr', reason: 'asked by email', overdue: false, attempts: 0 });
  expect(created.id).toMatch(/^del_[0-9a-z]+$/);
  expect(created.subjectHash).toBe(subjectHash(t.app.backends.gdpr.subjectHashKey, 'cus_000010'));
  expect(created.targets).toEqual(['decisions', 'landing', 'lake', 'warehouse', 'cache'].map((store) => ({ store, status: 'PENDING', recordsDeleted: 0 })));
  expect(Date.parse(created.dueBy) - Date.parse(created.requestedAt)).toBe(30 * 86_400_000);
  const item = (await ledgerItems()).find((i) => i.id === created.id)!;
  // Needed until the erasure is verified, and sealed: no version of the item holds the raw id (issue 16, M3).
  expect(item.subjectId).not.toContain('cus_000010');
  expect(openSubject(t.app.backends.gdpr.subjectHashKey, item.subjectId as string)).toBe('cus_000010');
  const read = await t.gql(`query($id: ID!) { deletionRequest(id: $id) { id status subjectHash } }`, { id: created.id }, { key: TEST_KEYS.gdpr });
  expect(read.body.data.deletionRequest).toEqual({ id: created.id, status: 'PENDING', subjectHash: created.subjectHash });
  const missing = await t.gql(`{ deletionRequest(id: "del_missing") { id } }`, {}, { key: TEST_KEYS.gdpr });
  expect(missing.body.data.deletionRequest).toBeNull();
});

test('idempotent on idempotencyKey, also when 20 identical mutations race', async () => {
  const input = { customerId: 'cus_000020', idempotencyKey: 'race-20' };
  const results = await Promise.all(Array.from({ length: 20 }, () => request(input)));
  for (const r of results) expect(r.body.errors).toBeUndefined();
  expect(new Set(results.map((r) => r.body.data.requestDeletion.id)).size).toBe(1);
  const items = (await ledgerItems()).filter((i) => i.itemType === 'request' && i.subjectHash === subjectHash(t.app.backends.gdpr.subjectHashKey, 'cus_000020'));
  expect(items).toHaveLength(1);
  // The same key for another customer is a mistake of the caller.
  const reused = await request({ customerId: 'cus_000021', idempotencyKey: 'race-20' });
  expect(reused.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  expect(reused.body.errors![0]!.message).toMatch(/^input\.idempotencyKey:/);
});

test('a subject with an open request gets that request back, whatever the key', async () => {
  const first = (await request({ customerId: 'cus_000030', idempotencyKey: 'a' })).body.data.requestDeletion;
  const other = (await request({ customerId: 'cus_000030', idempotencyKey: 'b' })).body.data.requestDeletion;
  const none = (await request({ customerId: 'cus_000030' })).body.data.requestDeletion;
  expect(other.id).toBe(first.id);
  expect(none.id).toBe(first.id);
  // Key b now names the same request, also after it completes.
  const b = (await ledgerItems()).find((i) => i.pk === `idem#${sha256Hex('gdpr\nb')}`)!;
  expect(b.requestId).toBe(first.id);
  // Concurrent requests without keys for one subject: one request.
  const raced = await Promise.all(Array.from({ length: 10 }, () => request({ customerId: 'cus_000031' })));
  expect(new Set(raced.map((r) => r.body.data.requestDeletion.id)).size).toBe(1);
});

test('a write-only caller asking for a customer with another caller\'s open request learns neither who asked nor why (issue 16)', async () => {
  const mine = await request({ customerId: 'cus_000050', reason: 'ticket A-1 from the customer', idempotencyKey: 'a-50' }, WRITE_ONLY.a);
  expect(mine.body.errors).toBeUndefined();
  const created = mine.body.data.requestDeletion;
  expect(created).toMatchObject({ requestedBy: 'service-a', reason: 'ticket A-1 from the customer', status: 'PENDING' });

  // Another write-only service, with and without a key: the same request (one per subject), withheld.
  for (const input of [{ customerId: 'cus_000050', reason: 'ticket B-9', idempotencyKey: 'b-50' }, { customerId: 'cus_000050' }]) {
    const theirs = await request(input, WRITE_ONLY.b);
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data.requestDeletion).toMatchObject({ id: created.id, status: 'PENDING', subjectHash: created.subjectHash, requestedBy: null, reason: null });
    expect(JSON.stringify(theirs.body)).not.toMatch(/service-a|ticket A-1/);
  }
  // Idempotency for the same caller is unchanged: its own request, whole.
  const again = await request({ customerId: 'cus_000050', idempotencyKey: 'a-50' }, WRITE_ONLY.a);
  expect(again.body.data.requestDeletion).toMatchObject({ id: created.id, requestedBy: 'service-a', reason: 'ticket A-1 from the customer' });
  // A caller that may read requests sees it whole, as deletionRequest would show it.
  const reader = await request({ customerId: 'cus_000050' });
  expect(reader.body.data.requestDeletion).toMatchObject({ id: created.id, requestedBy: 'service-a', reason: 'ticket A-1 from the customer' });
  // Nothing was rewritten: the request is still service-a's.
  const stored = (await ledgerItems()).filter((i) => i.itemType === 'request' && i.subjectHash === created.subjectHash);
  expect(stored.map((i) => [i.id, i.requestedBy, i.reason])).toEqual([[created.id, 'service-a', 'ticket A-1 from the customer']]);
});

test('a crash between the intake writes is repaired by the next identical call', async () => {
  const ledger = t.app.backends.gdpr.ledger;
  const hash = subjectHash(t.app.backends.gdpr.subjectHashKey, 'cus_000040');
  // Crash after the key and the subject claim, before the request: the retry writes the request.
  const keyHash = sha256Hex('gdpr\ncrash-1');
  await ledger.claimIdempotencyKey(keyHash, 'del_crashed0001', hash, new Date().toISOString());
  await ledger.claimSubject(hash, 'del_crashed0001');
  expect(await ledger.get('del_crashed0001')).toBeNull();
  const retried = (await request({ customerId: 'cus_000040', idempotencyKey: 'crash-1' })).body.data.requestDeletion;
  expect(retried).toMatchObject({ id: 'del_crashed0001', status: 'PENDING' });
  expect(openSubject(t.app.backends.gdpr.subjectHashKey, (await ledger.get('del_crashed0001'))!.subjectId!)).toBe('cus_000040');

  // A caller without a key crashed after claiming the subject: the next caller writes that request.
  const hash2 = subjectHash(t.app.backends.gdpr.subjectHashKey, 'cus_000041');
  await ledger.claimSubject(hash2, 'del_crashed0002');
  const next = (await request({ customerId: 'cus_000041', idempotencyKey: 'crash-2' })).body.data.requestDeletion;
  expect(next.id).toBe('del_crashed0002');
  const key2 = (await ledgerItems()).find((i) => i.pk === `idem#${sha256Hex('gdpr\ncrash-2')}`)!;
  expect(key2.requestId).toBe('del_crashed0002');

  // A completed request whose subject claim was never released: a new request replaces it.
  const hash3 = subjectHash(t.app.backends.gdpr.subjectHashKey, 'cus_000042');
  await ledger.claimSubject(hash3, 'del_done000003');
  await ledger.createRequest({
    id: 'del_done000003', subjectType: 'customer', subjectHash: hash3, subjectId: null, reason: null, requestedBy: 'gdpr',
    requestedAt: '2026-01-01T00:00:00.000Z', dueBy: '2026-01-31T00:00:00.000Z', targets: [], idempotencyKeyHash: null,
  });
  const owner = 'test-owner';
  expect(await ledger.acquireLease('del_done000003', owner, Date.now(), 60_000)).not.toBeNull();
  expect(await ledger.settle('del_done000003', owner, { status: 'COMPLETED', completedAt: '2026-01-02T00:00:00.000Z', verifiedAt: '2026-01-02T00:00:00.000Z' })).toBe(true);
  const fresh = (await request({ customerId: 'cus_000042' })).body.data.requestDeletion;
  expect(fresh.id).not.toBe('del_done000003');
  expect(fresh.status).toBe('PENDING');
});

test('deletionRequests lists newest first, pages without gaps, filters by status, and flags overdue requests', async () => {
  const ledger = t.app.backends.gdpr.ledger;
  // A request made 31 days ago and still open is overdue.
  const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
  await ledger.createRequest({
    id: 'del_overdue0001', subjectType: 'customer', subjectHash: 'f'.repeat(64), subjectId: 'cus_000099', reason: null, requestedBy: 'gdpr',
    requestedAt: old, dueBy: new Date(Date.parse(old) + 30 * 86_400_000).toISOString(), targets: [], idempotencyKeyHash: null,
  });
  for (let i = 0; i < 5; i++) await request({ customerId: `cus_0001${i}0` });

  const all = await t.gql(LIST, { first: 500 }, { key: TEST_KEYS.gdpr });
  expect(all.body.errors).toBeUndefined();
  const nodes = all.body.data.deletionRequests.edges.map((e: any) => e.node);
  expect(all.body.data.deletionRequests.totalCount).toBe(nodes.length);
  expect(nodes.map((n: any) => n.requestedAt)).toEqual([...nodes.map((n: any) => n.requestedAt)].sort().reverse());
  expect(nodes.find((n: any) => n.id === 'del_overdue0001')).toMatchObject({ overdue: true, status: 'PENDING' });
  expect(nodes.filter((n: any) => n.overdue).map((n: any) => n.id)).toEqual(['del_overdue0001']);

  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const r: any = await t.gql(LIST, { first: 2, after }, { key: TEST_KEYS.gdpr });
    expect(r.body.errors).toBeUndefined();
    seen.push(...r.body.data.deletionRequests.edges.map((e: any) => e.node.id));
    expect(r.body.data.deletionRequests.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!r.body.data.deletionRequests.pageInfo.hasNextPage) break;
    after = r.body.data.deletionRequests.pageInfo.endCursor;
  }
  expect(seen).toEqual(nodes.map((n: any) => n.id));

  const completed = await t.gql(LIST, { status: 'COMPLETED', first: 50 }, { key: TEST_KEYS.gdpr });
  expect(completed.body.data.deletionRequests.edges.map((e: any) => e.node.id)).toEqual(['del_done000003']);
  const pending = await t.gql(LIST, { status: 'PENDING', first: 3 }, { key: TEST_KEYS.gdpr });
  expect(pending.body.data.deletionRequests.edges.every((e: any) => e.node.status === 'PENDING')).toBe(true);
  // A cursor of one listing is refused by another.
  const other = await t.gql(LIST, { status: 'COMPLETED', after: pending.body.data.deletionRequests.pageInfo.endCursor }, { key: TEST_KEYS.gdpr });
  expect(other.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
});
