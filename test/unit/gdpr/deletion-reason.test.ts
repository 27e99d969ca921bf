import { AppError } from '../../../src/errors/app-error';
import { DeletionService } from '../../../src/gdpr/deletion.service';
import { isSealed, openSubject, sealSubject } from '../../../src/gdpr/subject-seal';
import type { DeletionLedger, DeletionRequestRecord, NewDeletionRequest } from '../../../src/ports/deletion-ledger';
import { personalDataKinds } from '../../../src/services/validation';
import { CursorCodec } from '../../../src/util/cursor';

/**
 * Issue 16, M3 (a): the reason of a deletion request is kept verbatim in the audit
 * record, which holds no personal data, so a reason holding an email address, a
 * phone number, the customer's id or name is refused (BAD_USER_INPUT on
 * input.reason, saying what was found without echoing it). Also: the subject id
 * reaches the ledger sealed, never raw.
 */
const KEY = 'reason-test-subject-hash-key-0123456789abcdef';

function stubLedger(): DeletionLedger & { created: NewDeletionRequest[] } {
  const created: NewDeletionRequest[] = [];
  const ledger = {
    created,
    claimSubject: async (_hash: string, id: string) => id,
    get: async () => null,
    createRequest: async (r: NewDeletionRequest) => {
      created.push(r);
      const { idempotencyKeyHash: _ignored, ...rest } = r;
      const record: DeletionRequestRecord = {
        ...rest,
        status: 'PENDING',
        startedAt: null,
        completedAt: null,
        verifiedAt: null,
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
        lease: null,
      };
      return { created: true, request: record };
    },
  };
  return ledger as unknown as DeletionLedger & { created: NewDeletionRequest[] };
}

function service(names: Record<string, string> = { cus_000042: 'Zoë Lindqvist' }, lookup?: () => Promise<readonly string[]>) {
  const ledger = stubLedger();
  const calls: string[] = [];
  const svc = new DeletionService(ledger, {
    subjectHashKey: KEY,
    cursors: CursorCodec.fromSecret(KEY),
    stores: ['decisions'],
    subjectNames:
      lookup ??
      (async (id) => {
        calls.push(id);
        return names[id] ? [names[id]!] : [];
      }),
  });
  return { svc, ledger, calls };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('personalDataKinds', () => {
  test.each([
    ['write to anna.berg@example.com please', ['an email address']],
    ['anna (at) example (dot) com', ['an email address']],
    ['call +49 30 1234567', ['a phone number']],
    ['call (030) 123-4567', ['a phone number']],
    ['phone 555.123.4567', ['a phone number']],
    ['anna@example.org, 0049 170 1234567', ['an email address', 'a phone number']],
  ])('%s', (text, kinds) => {
    expect(personalDataKinds(text)).toEqual(kinds);
  });

  test.each([
    'GDPR Art. 17 request, ticket #4711',
    'ticket #12345678',
    'INC-12345678 from support',
    'received 2026-01-31, due 2026-03-02T10:00:00Z',
    'policy v1.2.3, 2 calls, 1 letter',
    'asked by email',
  ])('nothing in %s', (text) => {
    expect(personalDataKinds(text)).toEqual([]);
  });
});

describe('DeletionService: the reason', () => {
  test.each([
    ['asked via mail: zoe@example.com', 'an email address'],
    ['customer phoned from +44 20 7946 0958', 'a phone number'],
    ['erase cus_000042 now', "the customer's id"],
    ['erase CUS_000042 now', "the customer's id"],
    ['request from Zoë Lindqvist', "the customer's name"],
    ['request from zoe lindqvist', "the customer's name"],
    ['Ms. Lindqvist called', "the customer's name"],
  ])('%s is refused: it holds %s', async (reason, found) => {
    const { svc, ledger } = service();
    const error = await refusal(svc.request({ customerId: 'cus_000042', reason }, 'tester'));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/^input\.reason: must not hold personal data/);
    expect(error.message).toContain(found);
    expect(error.details).toMatchObject({ argument: 'input.reason' });
    // Says what, never echoes it.
    for (const word of reason.split(/\s+/).filter((w) => /[@+\d]|lindqvist/i.test(w))) expect(error.message.toLowerCase()).not.toContain(word.toLowerCase());
    expect(ledger.created).toHaveLength(0);
  });

  test('everything found is named at once', async () => {
    const { svc, calls } = service();
    const error = await refusal(svc.request({ customerId: 'cus_000042', reason: 'cus_000042, zoe@example.com, +49 170 1234567' }, 'tester'));
    expect(error.message).toContain("it holds an email address, a phone number and the customer's id.");
    expect(calls).toEqual([]); // refused without asking the warehouse
  });

  test('a reason without personal data is kept as given; the subject id is stored sealed', async () => {
    const { svc, ledger, calls } = service();
    const view = await svc.request({ customerId: 'cus_000042', reason: 'GDPR Art. 17 request, ticket #4711 (2026-01-31)' }, 'tester');
    expect(view.reason).toBe('GDPR Art. 17 request, ticket #4711 (2026-01-31)');
    expect(calls).toEqual(['cus_000042']);
    const stored = ledger.created[0]!;
    expect(stored.reason).toBe('GDPR Art. 17 request, ticket #4711 (2026-01-31)');
    expect(isSealed(stored.subjectId!)).toBe(true);
    expect(stored.subjectId).not.toContain('cus_000042');
    expect(openSubject(KEY, stored.subjectId!)).toBe('cus_000042');
    expect(JSON.stringify(stored)).not.toContain('cus_000042');
  });

  test('short name parts alone are not looked for, the full name is', async () => {
    const { svc } = service({ cus_000007: 'Wei Xu' });
    await expect(svc.request({ customerId: 'cus_000007', reason: 'per ticket XU-17' }, 'tester')).resolves.toBeDefined();
    const error = await refusal(svc.request({ customerId: 'cus_000007', reason: 'asked by wei xu' }, 'tester'));
    expect(error.message).toContain("the customer's name");
  });

  test('no reason: nothing is looked up; too long or control characters: refused', async () => {
    const { svc, calls } = service();
    await svc.request({ customerId: 'cus_000042' }, 'tester');
    expect(calls).toEqual([]);
    expect((await refusal(svc.request({ customerId: 'cus_000042', reason: 'r'.repeat(501) }, 'tester'))).message).toMatch(/^input\.reason: must be 1-500 characters/);
    expect((await refusal(svc.request({ customerId: 'cus_000042', reason: 'a\u0000b' }, 'tester'))).code).toBe('BAD_USER_INPUT');
  });

  test('when the name cannot be checked the request is refused as retryable (fail closed)', async () => {
    const { svc, ledger } = service({}, async () => {
      throw new Error('warehouse down');
    });
    const error = await refusal(svc.request({ customerId: 'cus_000042', reason: 'ticket #1' }, 'tester'));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^input\.reason: could not be checked/);
    expect(ledger.created).toHaveLength(0);
  });
});

describe('subject seal', () => {
  test('round trip, random nonce, wrong key refused, unsealed values read as raw', () => {
    const a = sealSubject(KEY, 'cus_000001');
    const b = sealSubject(KEY, 'cus_000001');
    expect(a).not.toBe(b);
    expect(openSubject(KEY, a)).toBe('cus_000001');
    expect(() => openSubject('another-key-another-key-another-key', a)).toThrow(/cannot be opened/);
    expect(() => openSubject(undefined, a)).toThrow(/cannot be opened/);
    expect(openSubject(undefined, 'cus_legacy')).toBe('cus_legacy');
  });
});
