import type { Logger } from '../observability/logger';
import { withSpan } from '../observability/tracing';
import { errorMessage } from '../util/error-message';
import type { DeletionLedger, DeletionRequestRecord, DeletionTargetRecord } from '../ports/deletion-ledger';
import { emptyErasure, type ErasureStore, type Residue, type ResidueScan } from '../ports/erasure';
import { jitteredDelay, sleep } from '../util/backoff';
import { pendingTarget } from './deletion-view';
import { isSealed, openSubject } from './subject-seal';
import { redactSubjects } from './subjects';

export interface ErasurePassDeps {
  ledger: DeletionLedger;
  /** In erasure order (ERASURE_STORE_ORDER). */
  stores: readonly ErasureStore[];
  owner: string;
  logger: Logger;
  clock: () => number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Wait before re-checking a store whose verification found records (index reads may lag). */
  verifyRecheckMs: number;
  /** Aborted when the executor stops or a lease is lost. */
  signal: AbortSignal;
  /** True while this executor still holds the request's lease. */
  holds: (id: string) => boolean;
  /** The pass is done with a request (settled or given back): stop renewing its lease. */
  release: (id: string) => void;
  /** Opens the ledger's sealed subject ids (subject-seal.ts); without it only unsealed ones can run. */
  subjectKey?: string;
  /** Byte-level verification (embedded mode): no file may hold a subject's raw id. */
  residue?: ResidueScan;
}

export interface ErasurePassSummary {
  completed: number;
  failed: number;
  waiting: number;
  /** Given back unfinished (executor stopping, lease lost). */
  interrupted: number;
}

/** One request as the pass tracks it. */
interface Work {
  record: DeletionRequestRecord;
  subject: string;
  targets: Map<string, DeletionTargetRecord>;
  /** `store: message` for every failed step or verification. */
  failures: string[];
  /** Earliest resumeAt of a waiting step. */
  waitUntil?: string;
}

/**
 * One pass over a batch of claimed requests: every store's step runs once for all
 * the batch's subjects that still need it (the embedded lake rewrites each
 * affected file once), each request's target is persisted after the step, then
 * every store is queried for every subject (verification) and each request is
 * settled: COMPLETED (the raw id leaves the ledger), FAILED (retried with
 * backoff), or RUNNING waiting for a step to resume.
 *
 * A store runs for a request only when the stores before it are done (or waiting
 * to resume): the cache is purged only once nothing can refill it with the subject.
 */
export async function runErasurePass(claimed: readonly DeletionRequestRecord[], deps: ErasurePassDeps): Promise<ErasurePassSummary> {
  const summary: ErasurePassSummary = { completed: 0, failed: 0, waiting: 0, interrupted: 0 };
  const work: Work[] = [];
  for (const record of claimed) {
    if (record.subjectId === null) {
      // Cannot happen (the raw id goes only with COMPLETED); never erase blindly.
      await settleFailed(deps, { record, subject: '', targets: new Map(), failures: ['ledger: the request has no subject id left; it cannot be executed'] }, summary);
      continue;
    }
    let subject: string;
    try {
      subject = openSubject(deps.subjectKey, record.subjectId);
    } catch (error) {
      await settleFailed(deps, { record, subject: '', targets: new Map(), failures: [`ledger: ${errorMessage(error)}`] }, summary);
      continue;
    }
    const targets = new Map(deps.stores.map((s) => [s.store, record.targets.find((t) => t.store === s.store) ?? pendingTarget(s.store)]));
    work.push({ record, subject, targets, failures: [] });
  }
  const subjects = work.map((w) => w.subject);
  const live = () => work.filter((w) => deps.holds(w.record.id) && !deps.signal.aborted);

  try {
    for (const [index, store] of deps.stores.entries()) {
      const ready = live().filter((w) => w.failures.length === 0 && deps.stores.slice(0, index).every((s) => isDoneOrWaiting(w.targets.get(s.store)!)));
      const now = deps.clock();
      const due = ready.filter((w) => {
        const t = w.targets.get(store.store)!;
        if (t.status === 'COMPLETED') return false;
        if (t.resumeAt && Date.parse(t.resumeAt) > now) {
          w.waitUntil = earliest(w.waitUntil, t.resumeAt);
          return false;
        }
        return true;
      });
      const resuming = due.filter((w) => w.targets.get(store.store)!.resumeAt);
      const fresh = due.filter((w) => !w.targets.get(store.store)!.resumeAt);
      await runStep(store, fresh, false, deps);
      await runStep(store, resuming, true, deps);
    }
    if (deps.signal.aborted) throw deps.signal.reason;

    const toVerify = live().filter((w) => w.failures.length === 0 && !w.waitUntil && [...w.targets.values()].every((t) => t.status === 'COMPLETED'));
    await withSpan('gdpr.verify', { 'lakegate.gdpr.requests': toVerify.length }, () => verify(toVerify, deps));
  } catch (error) {
    if (!deps.signal.aborted) throw error;
  }

  for (const w of work) {
    if (w.record.status === 'COMPLETED') continue; // settled by verify()
    if (!deps.holds(w.record.id)) {
      summary.interrupted++;
      continue;
    }
    if (deps.signal.aborted) {
      await giveBack(deps, w);
      summary.interrupted++;
    } else if (w.failures.length > 0) {
      await settleFailed(deps, w, summary);
    } else if (w.waitUntil) {
      await deps.ledger.settle(w.record.id, deps.owner, { status: 'RUNNING', nextAttemptAt: w.waitUntil });
      deps.release(w.record.id);
      summary.waiting++;
    }
  }
  summary.completed = work.filter((w) => w.record.status === 'COMPLETED').length;
  if (summary.completed > 0 && deps.residue?.afterCompleted) {
    // The ledger's superseded versions of the completed requests still hold their sealed ids: drop them now.
    try {
      await deps.residue.afterCompleted(deps.signal);
    } catch (error) {
      deps.logger.warn({ error: errorMessage(error) }, 'gdpr: compacting the ledger after completed requests failed; the next pass compacts again');
    }
  }
  deps.logger.info({ requests: claimed.length, subjects: subjects.length, ...summary }, 'gdpr: erasure pass done');
  return summary;
}

function isDoneOrWaiting(t: DeletionTargetRecord): boolean {
  return t.status === 'COMPLETED' || (t.status === 'RUNNING' && t.resumeAt !== null);
}

function earliest(a: string | undefined, b: string): string {
  return a === undefined || Date.parse(b) < Date.parse(a) ? b : a;
}

/**
 * One store's step for a group of requests. Before erasing, each new target
 * records what the store holds of its subject (RUNNING, with that count): a step
 * interrupted half way and run again then still reports every record it deleted.
 */
async function runStep(store: ErasureStore, group: Work[], resuming: boolean, deps: ErasurePassDeps): Promise<void> {
  if (group.length === 0 || deps.signal.aborted) return;
  // A span per store step when tracing (its backend queries and AWS calls below it).
  await withSpan(`gdpr.step ${store.store}`, { 'lakegate.gdpr.store': store.store, 'lakegate.gdpr.requests': group.length, 'lakegate.gdpr.resuming': resuming }, () => runStepNow(store, group, resuming, deps));
}

async function runStepNow(store: ErasureStore, group: Work[], resuming: boolean, deps: ErasurePassDeps): Promise<void> {
  const started = deps.clock();
  const startedAt = new Date(started).toISOString();
  const subjects = group.map((w) => w.subject);
  const baseline = new Map<string, number>();
  try {
    const fresh = group.filter((w) => w.targets.get(store.store)!.status === 'PENDING');
    if (fresh.length > 0) {
      const found = await store.find(fresh.map((w) => w.subject), deps.signal);
      for (const w of fresh) {
        await persist(deps, w, { ...pendingTarget(store.store), status: 'RUNNING', recordsDeleted: found.get(w.subject) ?? 0, startedAt });
      }
    }
    for (const w of group) baseline.set(w.record.id, w.targets.get(store.store)!.recordsDeleted);

    // Objects earlier runs recorded for these requests (a resumed or retried step checks them before completing).
    const pendingObjects = [...new Set(group.flatMap((w) => w.targets.get(store.store)!.pendingObjects ?? []))];
    const recordPending = async (objects: ReadonlyMap<string, readonly string[]>) => {
      for (const w of group) {
        const own = objects.get(w.subject);
        if (!own || own.length === 0 || !deps.holds(w.record.id)) continue;
        const before = w.targets.get(store.store)!;
        await persist(deps, w, { ...before, pendingObjects: [...new Set([...(before.pendingObjects ?? []), ...own])] });
      }
    };
    const outcome = await store.erase(subjects, { signal: deps.signal, resuming, pendingObjects, recordPending });
    const completedAt = new Date(deps.clock()).toISOString();
    for (const w of group) {
      if (!deps.holds(w.record.id)) continue;
      const before = w.targets.get(store.store)!;
      const erased = outcome.subjects.get(w.subject) ?? emptyErasure();
      const base = baseline.get(w.record.id) ?? 0;
      // Counted so far: what an earlier run deleted for sure (it completed, or waits to resume), or only what
      // was found before an interrupted run (which this run may have deleted in part).
      const confirmed = resuming || before.completedAt !== null;
      await persist(deps, w, {
        store: store.store,
        status: outcome.resumeAt ? 'RUNNING' : 'COMPLETED',
        recordsDeleted: confirmed ? base + erased.recordsDeleted : Math.max(base, erased.recordsDeleted),
        filesRewritten: before.filesRewritten + erased.filesRewritten,
        bytesRewritten: before.bytesRewritten + erased.bytesRewritten,
        error: null,
        startedAt: before.startedAt ?? startedAt,
        completedAt: outcome.resumeAt ? null : completedAt,
        resumeAt: outcome.resumeAt ?? null,
        // Confirmed gone when the step completes; kept while it waits to resume.
        ...(outcome.resumeAt && before.pendingObjects?.length ? { pendingObjects: before.pendingObjects } : {}),
      });
      if (outcome.resumeAt) w.waitUntil = earliest(w.waitUntil, outcome.resumeAt);
    }
    deps.logger.info(
      { store: store.store, requests: group.length, resuming, records: outcome.totals.recordsDeleted, files: outcome.totals.filesRewritten, bytes: outcome.totals.bytesRewritten, ms: deps.clock() - started },
      'gdpr: store erased',
    );
  } catch (error) {
    if (deps.signal.aborted) throw error;
    const message = redactSubjects(errorMessage(error), subjects);
    deps.logger.warn({ store: store.store, requests: group.length, error: message }, 'gdpr: erasure step failed; the requests are retried with backoff');
    for (const w of group) {
      if (!deps.holds(w.record.id)) continue;
      const before = w.targets.get(store.store)!;
      w.failures.push(`${store.store}: ${message}`);
      await persist(deps, w, { ...before, status: 'FAILED', error: message, startedAt: before.startedAt ?? startedAt });
    }
  }
}

/**
 * Every store is asked for every subject; zero everywhere completes the request.
 * A store that still holds records is asked once more after a short wait (index
 * reads lag writes on DynamoDB) before the request fails naming it.
 */
async function verify(group: Work[], deps: ErasurePassDeps): Promise<void> {
  if (group.length === 0) return;
  const leftovers = new Map<string, Map<string, number>>(); // request id -> store -> records
  const check = async (store: ErasureStore, items: Work[]) => {
    let found: Map<string, number>;
    try {
      found = await store.find(items.map((w) => w.subject), deps.signal);
    } catch (error) {
      if (deps.signal.aborted) throw error;
      throw new VerificationError(store.store, error);
    }
    for (const w of items) {
      const n = found.get(w.subject) ?? 0;
      const perStore = leftovers.get(w.record.id) ?? new Map<string, number>();
      if (n > 0) perStore.set(store.store, n);
      else perStore.delete(store.store);
      leftovers.set(w.record.id, perStore);
    }
  };
  const residues = new Map<string, Residue[]>(); // request id -> files still holding the raw id
  try {
    for (const store of deps.stores) await check(store, group);
    const suspicious = group.filter((w) => (leftovers.get(w.record.id)?.size ?? 0) > 0);
    if (suspicious.length > 0) {
      await sleep(deps.verifyRecheckMs, deps.signal);
      for (const store of deps.stores) {
        const again = suspicious.filter((w) => leftovers.get(w.record.id)!.has(store.store));
        if (again.length > 0) await check(store, again);
      }
    }
    // No store finds a record: then no file may hold the raw id either (one pass over the files for the batch).
    const clean = group.filter((w) => leftovers.get(w.record.id)!.size === 0);
    if (deps.residue && clean.length > 0) {
      let found: Map<string, Residue[]>;
      try {
        found = await deps.residue.scan(clean.map((w) => w.subject), deps.signal);
      } catch (error) {
        if (deps.signal.aborted) throw error;
        throw new VerificationError('files', error);
      }
      for (const w of clean) {
        let hits = found.get(w.subject) ?? [];
        if (w.record.subjectId !== null && !isSealed(w.record.subjectId)) {
          // Recorded before subject ids were sealed: the ledger's own item holds the raw id until completion.
          const ledgerFiles = hits.filter((r) => r.ledger).length;
          hits = hits.filter((r) => !r.ledger);
          if (ledgerFiles > 0) deps.logger.warn({ requestId: w.record.id, files: ledgerFiles }, 'gdpr: an unsealed request: the ledger\'s files were not verified at the byte level');
        }
        if (hits.length > 0) residues.set(w.record.id, hits);
      }
    }
  } catch (error) {
    if (deps.signal.aborted) throw error;
    // A store could not be asked: not verified; the retry verifies again (its steps are done).
    const store = error instanceof VerificationError ? error.store : 'verification';
    const message = redactSubjects(errorMessage(error instanceof VerificationError ? error.cause : error), group.map((w) => w.subject));
    for (const w of group) w.failures.push(`${store}: verification could not run: ${message}`);
    return;
  }

  const now = new Date(deps.clock()).toISOString();
  for (const w of group) {
    if (!deps.holds(w.record.id)) continue;
    const left = leftovers.get(w.record.id)!;
    const held = residues.get(w.record.id) ?? [];
    if (left.size === 0 && held.length === 0) {
      if (await deps.ledger.settle(w.record.id, deps.owner, { status: 'COMPLETED', completedAt: now, verifiedAt: now })) {
        w.record = { ...w.record, status: 'COMPLETED', subjectId: null };
        await deps.ledger.releaseSubject(w.record.subjectHash, w.record.id);
      }
      deps.release(w.record.id);
      continue;
    }
    for (const [store, n] of left) {
      const message = `verification found ${n} record(s) of the subject left`;
      w.failures.push(`${store}: ${message}`);
      const before = w.targets.get(store)!;
      // FAILED, keeping its count and completedAt (what it deleted is confirmed): the retry runs the step again and adds.
      await persist(deps, w, { ...before, status: 'FAILED', error: message });
    }
    // Files still holding the raw id: the owning store's step runs again on the retry (compaction, rewrite).
    const byStore = new Map<string, string[]>();
    for (const r of held) byStore.set(r.store ?? '', [...(byStore.get(r.store ?? '') ?? []), r.file]);
    for (const [store, files] of byStore) {
      const message = redactSubjects(`verification found the subject's id in ${files.length} file(s): ${files.join(', ')}`, group.map((g) => g.subject));
      const before = store === '' ? undefined : w.targets.get(store);
      if (!before) {
        w.failures.push(`files: ${message} (no store owns them: remove or clean them by hand)`);
        continue;
      }
      w.failures.push(`${store}: ${message}`);
      await persist(deps, w, { ...before, status: 'FAILED', error: message });
    }
  }
}

async function persist(deps: ErasurePassDeps, w: Work, target: DeletionTargetRecord): Promise<void> {
  w.targets.set(target.store, target);
  if (!deps.holds(w.record.id)) return;
  if (!(await deps.ledger.updateTarget(w.record.id, deps.owner, target))) {
    deps.logger.warn({ requestId: w.record.id }, 'gdpr: lease lost; another executor continues the request');
    deps.release(w.record.id);
  }
}

async function settleFailed(deps: ErasurePassDeps, w: Work, summary: ErasurePassSummary): Promise<void> {
  const attempts = Math.max(1, w.record.attempts);
  const delay = jitteredDelay(attempts - 1, deps.retryBaseMs, deps.retryMaxMs);
  const nextAttemptAt = new Date(deps.clock() + delay).toISOString();
  const lastError = w.failures.join('; ').slice(0, 1000);
  await deps.ledger.settle(w.record.id, deps.owner, { status: 'FAILED', lastError, nextAttemptAt });
  deps.release(w.record.id);
  summary.failed++;
  deps.logger.warn({ requestId: w.record.id, attempts, nextAttemptAt, error: lastError }, 'gdpr: deletion request failed; it is retried');
}

async function giveBack(deps: ErasurePassDeps, w: Work): Promise<void> {
  try {
    await deps.ledger.settle(w.record.id, deps.owner, { status: 'RELEASED' });
  } catch (error) {
    deps.logger.warn({ err: error, requestId: w.record.id }, 'gdpr: could not give a lease back; it expires on its own');
  }
  deps.release(w.record.id);
}

class VerificationError extends Error {
  constructor(
    readonly store: string,
    override readonly cause: unknown,
  ) {
    super(`${store}: verification could not run`);
  }
}

