import { createDynamoClients, type DynamoClients } from '../../src/adapters/dynamodb/client';
import { DynamoDecisionStore } from '../../src/adapters/dynamodb/decision-store';
import { DynamoDeletionLedger } from '../../src/adapters/dynamodb/deletion-ledger';
import { migrateDynamo } from '../../src/adapters/dynamodb/migrations';
import { DEFAULT_TABLE_NAMES } from '../../src/adapters/dynamodb/table-names';
import { DeletionService } from '../../src/gdpr/deletion.service';
import { pendingTarget } from '../../src/gdpr/deletion-view';
import { DeletionExecutor } from '../../src/gdpr/executor';
import { openSubject } from '../../src/gdpr/subject-seal';
import { DecisionErasure } from '../../src/gdpr/stores/decision-erasure';
import { createLogger } from '../../src/observability/logger';
import type { NewDeletionRequest } from '../../src/ports/deletion-ledger';
import type { StoredDecision } from '../../src/ports/decision-store';
import { CursorCodec } from '../../src/util/cursor';
import type { ErasureContext, ErasureOutcome } from '../../src/ports/erasure';
import { startDynalite, startDynamoDbLocal, type TestDynamoServer } from '../helpers/dynamodb-servers';

/**
 * The deletion ledger (DynamoDB, conditional writes only) against dynalite and
 * DynamoDB Local, and the executor over it with the real decision store: leases
 * are exclusive and expire, settling needs the lease, COMPLETED drops the raw id,
 * FAILED waits for its retry, listing pages newest first; a verification that
 * finds a record written during the erasure fails the request naming the store,
 * and the retry completes it.
 */
jest.setTimeout(120_000);

const logger = createLogger('silent');
const HASH_KEY = 'ledger-test-subject-hash-key-0123456789';

function newRequest(id: string, requestedAt: string, subjectId = `cus_${id}`): NewDeletionRequest {
  return {
    id,
    subjectType: 'customer',
    subjectHash: `hash-${id}`,
    subjectId,
    reason: null,
    requestedBy: 'tester',
    requestedAt,
    dueBy: new Date(Date.parse(requestedAt) + 30 * 86_400_000).toISOString(),
    targets: ['decisions', 'lake'].map(pendingTarget),
    idempotencyKeyHash: null,
  };
}

function decision(id: string, customerId: string, decidedAt: string): StoredDecision {
  return {
    id, transactionId: `txn_${id}`, customerId, decidedAt, outcome: 'APPROVED', kind: 'CREDIT', policy: 'p', policyVersion: '1', riskScore: 0.1,
    amount: { value: '1.00', currency: 'EUR' }, checks: [], schemaVersion: 1, bodyHash: `h${id}`, recordedAt: decidedAt,
  };
}

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
] as const)('deletion ledger on %s', (_name, startServer: () => Promise<TestDynamoServer>) => {
  let server: TestDynamoServer;
  let clients: DynamoClients;
  let ledger: DynamoDeletionLedger;
  let decisions: DynamoDecisionStore;

  beforeAll(async () => {
    server = await startServer();
    clients = createDynamoClients({ endpoint: server.endpoint });
    await migrateDynamo(clients, DEFAULT_TABLE_NAMES);
    ledger = new DynamoDeletionLedger(clients, { table: DEFAULT_TABLE_NAMES.deletionLedgerTable });
    decisions = new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable });
  });
  afterAll(async () => {
    clients?.destroy();
    await server?.stop();
  });

  test('leases are exclusive, expire, and only their owner may write or settle', async () => {
    await ledger.createRequest(newRequest('lease1', '2026-02-01T00:00:00.000Z'));
    const now = Date.now();
    const [a, b] = await Promise.all([ledger.acquireLease('lease1', 'A', now, 10_000), ledger.acquireLease('lease1', 'B', now, 10_000)]);
    expect([a, b].filter((x) => x !== null)).toHaveLength(1);
    const winner = a ? 'A' : 'B';
    const loser = a ? 'B' : 'A';
    const held = (a ?? b)!;
    expect(held).toMatchObject({ status: 'RUNNING', attempts: 1, lease: { owner: winner } });
    expect(held.startedAt).not.toBeNull();

    expect(await ledger.renewLease('lease1', loser, now, 10_000)).toBe(false);
    expect(await ledger.updateTarget('lease1', loser, { ...pendingTarget('lake'), status: 'COMPLETED' })).toBe(false);
    expect(await ledger.settle('lease1', loser, { status: 'RELEASED' })).toBe(false);
    expect(await ledger.renewLease('lease1', winner, now, 10_000)).toBe(true);
    expect(await ledger.updateTarget('lease1', winner, { ...pendingTarget('lake'), status: 'COMPLETED', recordsDeleted: 7, filesRewritten: 2, bytesRewritten: 99 })).toBe(true);
    expect((await ledger.get('lease1'))!.targets.find((t) => t.store === 'lake')).toMatchObject({ status: 'COMPLETED', recordsDeleted: 7, filesRewritten: 2, bytesRewritten: 99 });

    // Not claimable while the lease lives; claimable (and taken over) once it expired.
    expect((await ledger.claimable(now + 1_000, 10)).map((r) => r.id)).not.toContain('lease1');
    expect(await ledger.acquireLease('lease1', loser, now + 1_000, 10_000)).toBeNull();
    expect((await ledger.claimable(now + 20_000, 10)).map((r) => r.id)).toContain('lease1');
    const takeover = await ledger.acquireLease('lease1', loser, now + 20_000, 10_000);
    expect(takeover).toMatchObject({ attempts: 2, lease: { owner: loser } });
    expect(takeover!.startedAt).toBe(held.startedAt);
    expect(await ledger.renewLease('lease1', winner, now + 20_000, 10_000)).toBe(false);
  });

  test('settling: COMPLETED removes the raw id, FAILED waits for its retry, RUNNING waits to resume', async () => {
    const now = Date.now();
    for (const id of ['s1', 's2', 's3']) {
      await ledger.createRequest(newRequest(id, `2026-02-02T00:00:0${id.slice(1)}.000Z`));
      expect(await ledger.acquireLease(id, 'X', now, 60_000)).not.toBeNull();
    }
    expect(await ledger.settle('s1', 'X', { status: 'COMPLETED', completedAt: '2026-02-03T00:00:00.000Z', verifiedAt: '2026-02-03T00:00:00.000Z' })).toBe(true);
    const s1 = (await ledger.get('s1'))!;
    expect(s1).toMatchObject({ status: 'COMPLETED', subjectId: null, lease: null, verifiedAt: '2026-02-03T00:00:00.000Z', nextAttemptAt: null });
    expect(await ledger.acquireLease('s1', 'Y', now + 3_600_000, 1_000)).toBeNull(); // never claimed again

    const retryAt = new Date(now + 30_000).toISOString();
    expect(await ledger.settle('s2', 'X', { status: 'FAILED', lastError: 'lake: boom', nextAttemptAt: retryAt })).toBe(true);
    expect(await ledger.get('s2')).toMatchObject({ status: 'FAILED', lastError: 'lake: boom', nextAttemptAt: retryAt, lease: null, subjectId: 'cus_s2' });
    expect(await ledger.acquireLease('s2', 'Y', now + 1_000, 1_000)).toBeNull();
    expect((await ledger.claimable(now + 1_000, 50)).map((r) => r.id)).not.toContain('s2');
    expect(await ledger.acquireLease('s2', 'Y', now + 31_000, 1_000)).toMatchObject({ status: 'RUNNING', attempts: 2, nextAttemptAt: null });

    expect(await ledger.settle('s3', 'X', { status: 'RUNNING', nextAttemptAt: retryAt })).toBe(true);
    expect(await ledger.get('s3')).toMatchObject({ status: 'RUNNING', lease: null, nextAttemptAt: retryAt });
    expect(await ledger.acquireLease('s3', 'Y', now + 1_000, 1_000)).toBeNull();
    expect(await ledger.acquireLease('s3', 'Y', now + 31_000, 1_000)).not.toBeNull();
  });

  test('listing: newest first, by status, paged; counts; open requests', async () => {
    for (let i = 0; i < 5; i++) await ledger.createRequest(newRequest(`list${i}`, `2026-03-0${i + 1}T00:00:00.000Z`));
    const all = await ledger.list({ limit: 100 });
    expect(all.items.map((r) => r.requestedAt)).toEqual([...all.items.map((r) => r.requestedAt)].sort().reverse());
    expect(all.items.slice(0, 5).map((r) => r.id)).toEqual(['list4', 'list3', 'list2', 'list1', 'list0']);
    expect(await ledger.count({})).toBe(all.items.length);
    const ids: string[] = [];
    let after;
    do {
      const page = await ledger.list({ status: 'PENDING', limit: 2, after });
      ids.push(...page.items.map((r) => r.id));
      after = page.next;
    } while (after);
    expect(ids).toEqual((await ledger.list({ status: 'PENDING', limit: 100 })).items.map((r) => r.id));
    expect(ids.length).toBe(await ledger.count({ status: 'PENDING' }));
    expect(await ledger.countOpen()).toBe((await ledger.count({ status: 'PENDING' })) + (await ledger.count({ status: 'RUNNING' })) + (await ledger.count({ status: 'FAILED' })));
  });

  test('a record written during the erasure fails verification naming the store; the retry completes', async () => {
    const customer = 'cus_late_writer';
    await decisions.putMany([decision('late1', customer, '2026-01-01T00:00:00.000Z'), decision('late2', customer, '2026-01-02T00:00:00.000Z')]);
    const service = new DeletionService(ledger, { subjectHashKey: HASH_KEY, cursors: CursorCodec.fromSecret(HASH_KEY), stores: ['decisions'] });
    const created = await service.request({ customerId: customer }, 'tester');

    // A producer writes one more decision right after the step deleted the customer's (once).
    let lateWrites = 0;
    const real = new DecisionErasure(decisions);
    const racing = {
      store: 'decisions' as const,
      find: (subjects: readonly string[]) => real.find(subjects),
      erase: async (subjects: readonly string[], context?: ErasureContext): Promise<ErasureOutcome> => {
        const outcome = await real.erase(subjects, context);
        if (lateWrites++ === 0) await decisions.putMany([decision('late3', customer, '2026-01-03T00:00:00.000Z')]);
        return outcome;
      },
    };
    const executor = new DeletionExecutor(ledger, [racing], { leaseMs: 10_000, batchSize: 10, pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 20, verifyRecheckMs: 10, logger, subjectKey: HASH_KEY });

    expect(await executor.runOnce()).toBeGreaterThanOrEqual(1);
    const failed = (await ledger.get(created.id))!;
    expect(failed.status).toBe('FAILED');
    expect(failed.lastError).toBe('decisions: verification found 1 record(s) of the subject left');
    expect(failed.targets).toEqual([expect.objectContaining({ store: 'decisions', status: 'FAILED', recordsDeleted: 2, error: 'verification found 1 record(s) of the subject left' })]);
    expect(failed.subjectId).not.toContain(customer); // sealed until verified (issue 16, M3)
    expect(openSubject(HASH_KEY, failed.subjectId!)).toBe(customer);

    await new Promise((r) => setTimeout(r, 50));
    await executor.runUntilIdle();
    const done = (await ledger.get(created.id))!;
    expect(done).toMatchObject({ status: 'COMPLETED', subjectId: null, lastError: null, attempts: 2 });
    expect(done.targets).toEqual([expect.objectContaining({ store: 'decisions', status: 'COMPLETED', recordsDeleted: 3, error: null })]);
    expect(await decisions.countByCustomer({ customerId: customer })).toBe(0);
    // The subject has no open request any more: a new request is a new one.
    const again = await service.request({ customerId: customer }, 'tester');
    expect(again.id).not.toBe(created.id);
  });

  test('stop() while a pass is counting the open requests: the executor does not sleep out its poll interval first', async () => {
    let counting!: () => void;
    const counted = new Promise<void>((resolve) => (counting = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The ledger as it is, except that counting waits until stop() has been called.
    const slowCount = new Proxy(ledger, {
      get(target, key, receiver) {
        if (key === 'countOpen') return async () => (counting(), await released, target.countOpen());
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const executor = new DeletionExecutor(slowCount, [], { leaseMs: 10_000, batchSize: 10, pollIntervalMs: 600_000, retryBaseMs: 10, retryMaxMs: 20, verifyRecheckMs: 10, logger, subjectKey: HASH_KEY });
    executor.start();
    await counted;
    const stopped = executor.stop().then(() => 'stopped');
    release();
    // Before the fix, stop() waited for the whole poll interval (here 10 minutes).
    expect(await Promise.race([stopped, new Promise((resolve) => setTimeout(() => resolve('still sleeping'), 5_000))])).toBe('stopped');
  });

  test('retryNow: a FAILED request waiting for its retry becomes due now (the cache it waited for is back); nothing else is touched', async () => {
    const now = Date.now();
    await ledger.createRequest(newRequest('retry1', '2026-04-01T00:00:00.000Z'));
    expect(await ledger.retryNow('retry1', now)).toBe(false); // PENDING: due already
    expect(await ledger.acquireLease('retry1', 'X', now, 60_000)).not.toBeNull();
    expect(await ledger.retryNow('retry1', now)).toBe(false); // RUNNING under a lease
    expect(await ledger.settle('retry1', 'X', { status: 'FAILED', lastError: 'cache: down', nextAttemptAt: new Date(now + 3_600_000).toISOString() })).toBe(true);
    expect(await ledger.acquireLease('retry1', 'Y', now + 1_000, 1_000)).toBeNull();
    expect(await ledger.retryNow('retry1', now + 1_000)).toBe(true);
    expect(await ledger.get('retry1')).toMatchObject({ status: 'FAILED', lastError: 'cache: down', nextAttemptAt: new Date(now + 1_000).toISOString(), lease: null, attempts: 1 });
    expect(await ledger.retryNow('retry1', now + 1_000)).toBe(false); // due already
    expect(await ledger.acquireLease('retry1', 'Y', now + 1_000, 60_000)).toMatchObject({ status: 'RUNNING', attempts: 2 });
    expect(await ledger.settle('retry1', 'Y', { status: 'COMPLETED', completedAt: new Date(now).toISOString(), verifiedAt: new Date(now).toISOString() })).toBe(true);
    expect(await ledger.retryNow('retry1', now + 2_000)).toBe(false);
  });
});
