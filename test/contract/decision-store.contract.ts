import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../../src/errors/app-error';
import type { DecisionStore, StoredDecision } from '../../src/ports/decision-store';

/**
 * The DecisionStore contract: every adapter of the port must pass it. Each test
 * uses its own customer and transaction ids, so tests share one store and need no
 * cleanup between them.
 */
export interface DecisionStoreFixture {
  store: DecisionStore;
  stop(): Promise<void>;
}

const BASE = Date.parse('2026-01-10T00:00:00.000Z');

function isoAt(minutes: number): string {
  return new Date(BASE + minutes * 60_000).toISOString();
}

function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function makeDecision(overrides: Partial<StoredDecision> = {}): StoredDecision {
  return {
    id: uid('dec'),
    transactionId: uid('tx'),
    customerId: uid('cust'),
    decidedAt: isoAt(0),
    outcome: 'APPROVED',
    kind: 'CREDIT',
    policy: 'credit-default',
    policyVersion: '2026.01',
    riskScore: 0.123456789,
    amount: { value: '1234.10', currency: 'EUR' },
    checks: [
      { name: 'bureau', result: 'PASS', score: 0.25, latencyMs: 41 },
      { name: 'sanctions', result: 'ERROR', score: null, latencyMs: null },
    ],
    schemaVersion: 2,
    bodyHash: 'hash-1',
    recordedAt: '2026-01-10T00:00:01.000Z',
    ...overrides,
  };
}

/** A customer's decisions at minutes 0..n-1 (ids in shuffled order so storage order proves nothing). */
function customerDecisions(customerId: string, n: number): StoredDecision[] {
  const list = Array.from({ length: n }, (_, i) => makeDecision({ customerId, decidedAt: isoAt(i), id: `${customerId}-d${String(i).padStart(3, '0')}` }));
  return list.sort(() => Math.random() - 0.5);
}

const newestFirst = (a: StoredDecision, b: StoredDecision) => (a.decidedAt === b.decidedAt ? (a.id < b.id ? 1 : -1) : a.decidedAt < b.decidedAt ? 1 : -1);

async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

export function describeDecisionStoreContract(name: string, start: () => Promise<DecisionStoreFixture>): void {
  describe(`DecisionStore contract: ${name}`, () => {
    let fixture: DecisionStoreFixture;
    let store: DecisionStore;

    beforeAll(async () => {
      fixture = await start();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.stop();
    });

    it('ping resolves when the store is ready', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('putIfAbsent and get', () => {
      it('stores a decision and reads it back unchanged (exact decimals, null check fields)', async () => {
        const d = makeDecision({ amount: { value: '0.10', currency: 'USD' }, riskScore: 0.987654321012 });
        const result = await store.putIfAbsent(d);
        expect(result).toEqual({ created: true, decision: d });
        const read = await store.get(d.id);
        expect(read).toEqual(d);
        expect(read?.amount.value).toBe('0.10');
        expect(read?.checks[1]).toEqual({ name: 'sanctions', result: 'ERROR', score: null, latencyMs: null });
      });

      it('returns the stored decision when the id exists, and keeps the first body', async () => {
        const first = makeDecision();
        await store.putIfAbsent(first);
        const second = { ...first, outcome: 'REJECTED' as const, bodyHash: 'hash-2' };
        const result = await store.putIfAbsent(second);
        expect(result).toEqual({ created: false, existing: first });
        expect(await store.get(first.id)).toEqual(first);
      });

      it('creates exactly once under concurrent writes of the same id', async () => {
        const d = makeDecision();
        const results = await Promise.all(Array.from({ length: 8 }, () => store.putIfAbsent(d)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        for (const r of results) expect(r.created ? r.decision : r.existing).toEqual(d);
      });

      it('get returns null for an unknown id', async () => {
        expect(await store.get(uid('missing'))).toBeNull();
      });
    });

    describe('getMany', () => {
      it('finds more than 100 ids in one call and leaves missing ids out', async () => {
        const customerId = uid('cust');
        const stored = Array.from({ length: 130 }, (_, i) => makeDecision({ customerId, id: `${customerId}-g${i}` }));
        await store.putMany(stored);
        const missing = Array.from({ length: 25 }, (_, i) => `${customerId}-missing${i}`);
        const ids = [...stored.map((d) => d.id), ...missing, stored[0]!.id]; // a duplicate too
        const found = await store.getMany(ids);
        expect(found.size).toBe(130);
        for (const d of stored) expect(found.get(d.id)).toEqual(d);
        for (const id of missing) expect(found.has(id)).toBe(false);
      });

      it('returns an empty map for no ids', async () => {
        expect((await store.getMany([])).size).toBe(0);
      });
    });

    describe('byTransaction', () => {
      it('lists a transaction oldest first, ties broken by id, bounded by the limit', async () => {
        const transactionId = uid('tx');
        const minutes = [30, 5, 20, 5, 10];
        const ids = ['b', 'c', 'd', 'a', 'e'].map((s) => `${transactionId}-${s}`);
        const list = minutes.map((m, i) => makeDecision({ transactionId, decidedAt: isoAt(m), id: ids[i]! }));
        for (const d of list) await store.putIfAbsent(d);
        await store.putIfAbsent(makeDecision({ transactionId: uid('tx-other') }));

        const all = await store.byTransaction(transactionId, 50);
        expect(all.map((d) => d.id)).toEqual([`${transactionId}-a`, `${transactionId}-c`, `${transactionId}-e`, `${transactionId}-d`, `${transactionId}-b`]);
        expect(all[0]).toEqual(list[3]);

        const firstTwo = await store.byTransaction(transactionId, 2);
        expect(firstTwo.map((d) => d.id)).toEqual([`${transactionId}-a`, `${transactionId}-c`]);
        expect(await store.byTransaction(uid('tx-none'), 10)).toEqual([]);
      });
    });

    describe('byCustomer', () => {
      it('lists newest first; one page holding everything has no next', async () => {
        const customerId = uid('cust');
        const list = customerDecisions(customerId, 7);
        await store.putMany(list);
        const page = await store.byCustomer({ customerId, limit: 10 });
        expect(page.items).toEqual([...list].sort(newestFirst));
        expect(page.next).toBeUndefined();
      });

      it('pages over several pages without duplicates or gaps', async () => {
        const customerId = uid('cust');
        const list = customerDecisions(customerId, 23);
        await store.putMany(list);
        const seen: StoredDecision[] = [];
        const sizes: number[] = [];
        let after = undefined as Awaited<ReturnType<DecisionStore['byCustomer']>>['next'];
        do {
          const page = await store.byCustomer({ customerId, limit: 5, after });
          sizes.push(page.items.length);
          seen.push(...page.items);
          after = page.next;
        } while (after);
        expect(sizes).toEqual([5, 5, 5, 5, 3]);
        expect(seen).toEqual([...list].sort(newestFirst));
      });

      it('gives no next on a last page that is exactly full', async () => {
        const customerId = uid('cust');
        await store.putMany(customerDecisions(customerId, 10));
        const first = await store.byCustomer({ customerId, limit: 5 });
        expect(first.next).toBeDefined();
        const second = await store.byCustomer({ customerId, limit: 5, after: first.next });
        expect(second.items).toHaveLength(5);
        expect(second.next).toBeUndefined();
        const exact = await store.byCustomer({ customerId, limit: 10 });
        expect(exact.items).toHaveLength(10);
        expect(exact.next).toBeUndefined();
      });

      it('keeps decisions that share a millisecond apart and pages through them', async () => {
        const customerId = uid('cust');
        const list = ['a', 'b', 'c', 'd'].map((s) => makeDecision({ customerId, decidedAt: isoAt(3), id: `${customerId}-${s}` }));
        await store.putMany(list);
        const p1 = await store.byCustomer({ customerId, limit: 3 });
        const p2 = await store.byCustomer({ customerId, limit: 3, after: p1.next });
        expect([...p1.items, ...p2.items].map((d) => d.id)).toEqual(['d', 'c', 'b', 'a'].map((s) => `${customerId}-${s}`));
        expect(p2.next).toBeUndefined();
      });

      it('applies inclusive from/to bounds, also while paging', async () => {
        const customerId = uid('cust');
        const list = customerDecisions(customerId, 12); // minutes 0..11
        await store.putMany(list);
        const sorted = [...list].sort(newestFirst);
        const inRange = sorted.filter((d) => d.decidedAt >= isoAt(3) && d.decidedAt <= isoAt(8)); // 6 items: 8..3

        const one = await store.byCustomer({ customerId, from: isoAt(3), to: isoAt(8), limit: 100 });
        expect(one.items).toEqual(inRange);
        expect(one.next).toBeUndefined();

        const p1 = await store.byCustomer({ customerId, from: isoAt(3), to: isoAt(8), limit: 4 });
        const p2 = await store.byCustomer({ customerId, from: isoAt(3), to: isoAt(8), limit: 4, after: p1.next });
        expect([...p1.items, ...p2.items]).toEqual(inRange);
        expect(p2.next).toBeUndefined();

        const fromOnly = await store.byCustomer({ customerId, from: isoAt(10), limit: 100 });
        expect(fromOnly.items.map((d) => d.decidedAt)).toEqual([isoAt(11), isoAt(10)]);
        const toOnly = await store.byCustomer({ customerId, to: isoAt(1), limit: 100 });
        expect(toOnly.items.map((d) => d.decidedAt)).toEqual([isoAt(1), isoAt(0)]);
        const empty = await store.byCustomer({ customerId, from: isoAt(100), limit: 10 });
        expect(empty).toEqual({ items: [] });
      });

      it('refuses a position from another customer as bad input', async () => {
        const a = uid('cust');
        const b = uid('cust');
        await store.putMany([...customerDecisions(a, 3), ...customerDecisions(b, 3)]);
        const page = await store.byCustomer({ customerId: a, limit: 1 });
        expect(page.next).toBeDefined();
        await expectAppError(store.byCustomer({ customerId: b, limit: 1, after: page.next }), ErrorCode.BAD_USER_INPUT);
        await expectAppError(store.byCustomer({ customerId: a, limit: 1, after: { id: 'x' } }), ErrorCode.BAD_USER_INPUT);
      });
    });

    describe('countByCustomer', () => {
      it('counts all of a customer, and inside an inclusive range', async () => {
        const customerId = uid('cust');
        await store.putMany(customerDecisions(customerId, 15));
        expect(await store.countByCustomer({ customerId })).toBe(15);
        expect(await store.countByCustomer({ customerId, from: isoAt(2), to: isoAt(4) })).toBe(3);
        expect(await store.countByCustomer({ customerId: uid('cust-none') })).toBe(0);
      });
    });

    describe('putMany', () => {
      it('writes more than 25 decisions; a repeated id keeps its last copy', async () => {
        const customerId = uid('cust');
        const list = Array.from({ length: 60 }, (_, i) => makeDecision({ customerId, decidedAt: isoAt(i), id: `${customerId}-p${i}` }));
        const replaced = { ...list[7]!, outcome: 'REFERRED' as const };
        await store.putMany([...list, replaced]);
        expect(await store.countByCustomer({ customerId })).toBe(60);
        const found = await store.getMany(list.map((d) => d.id));
        expect(found.size).toBe(60);
        expect(found.get(replaced.id)).toEqual(replaced);
        expect(found.get(list[59]!.id)).toEqual(list[59]);
      });
    });

    describe('deleteByCustomer', () => {
      it('removes every decision of the customer from every index and leaves others alone', async () => {
        const subject = uid('cust');
        const other = uid('cust');
        const sharedTx = uid('tx');
        const mine = customerDecisions(subject, 40).map((d, i) => (i < 2 ? { ...d, transactionId: sharedTx } : d));
        const theirs = [makeDecision({ customerId: other, transactionId: sharedTx, decidedAt: isoAt(50) }), ...customerDecisions(other, 3)];
        await store.putMany([...mine, ...theirs]);

        expect(await store.deleteByCustomer(subject)).toBe(40);

        expect(await store.get(mine[0]!.id)).toBeNull();
        expect((await store.getMany(mine.map((d) => d.id))).size).toBe(0);
        expect(await store.byCustomer({ customerId: subject, limit: 100 })).toEqual({ items: [] });
        expect(await store.countByCustomer({ customerId: subject })).toBe(0);
        expect(await store.byTransaction(sharedTx, 10)).toEqual([theirs[0]]);

        expect(await store.countByCustomer({ customerId: other })).toBe(4);
        expect(await store.deleteByCustomer(subject)).toBe(0);
      });
    });
  });
}
