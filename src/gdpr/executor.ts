import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../observability/logger';
import { withSpan } from '../observability/tracing';
import type { DeletionLedger, DeletionListing, DeletionRequestRecord } from '../ports/deletion-ledger';
import type { ErasureStore, ResidueScan } from '../ports/erasure';
import { runErasurePass } from './erasure-pass';
import { LeaseKeeper } from './lease-keeper';
import { gdprMetrics } from './metrics';

export interface DeletionExecutorOptions {
  leaseMs: number;
  batchSize: number;
  pollIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Wait before re-checking a store whose verification found records. Default 1000. */
  verifyRecheckMs?: number;
  /** Who holds the leases (default: host, pid and a random suffix). */
  owner?: string;
  logger: Logger;
  clock?: () => number;
  /**
   * Nothing but this process can use the ledger (the embedded mode holds the data
   * directory's lock): leases held by other owners at start belong to a process
   * that died, and are taken over at once instead of after they expire.
   */
  takeOverLeases?: boolean;
  /** Called after each pass that claimed requests (e.g. the cache's view of pending erasures refreshes). */
  onPass?: () => void;
  /** Opens the ledger's sealed subject ids (the subject-hash key; src/gdpr/subject-seal.ts). */
  subjectKey?: string;
  /** Byte-level verification of the embedded stores' files (src/gdpr/residue-scan.ts). */
  residue?: ResidueScan;
}

/** Owners of the executors running in this process (never taken over). */
const runningHere = new Set<string>();

/**
 * Executes deletion requests: claims a batch (a conditional write per request,
 * with a lease it keeps renewing), erases the batch's subjects from every store
 * (runErasurePass), settles each request, and looks for more. Runs inside the
 * server (LAKEGATE_GDPR_EXECUTOR) and as `lakegate worker`; any number may run
 * against one ledger. A crashed executor's requests are taken over once their
 * lease expires (at start, over a ledger only this process can use: takeOverLeases);
 * stores repair what it left (recover()) and their steps are idempotent, so the
 * request resumes where it stopped.
 */
export class DeletionExecutor {
  readonly owner: string;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private current: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private recovered: Promise<void> | undefined;

  constructor(
    private readonly ledger: DeletionLedger,
    private readonly stores: readonly ErasureStore[],
    private readonly options: DeletionExecutorOptions,
  ) {
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger.child({ component: 'gdpr-executor', owner: this.owner });
  }

  /** Starts polling in the background (after repairing what a crashed run left). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().catch((error: unknown) => this.logger.error({ err: error }, 'gdpr: executor stopped on an unexpected error'));
  }

  /** A new request was recorded: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Processes requests until none is open any more (PENDING, RUNNING or FAILED),
   * waiting for leases and retry delays in between (`lakegate worker --exit-when-idle`).
   */
  runUntilIdle(): Promise<void> {
    this.stopping = false;
    const run = (async () => {
      await this.recover();
      while (!this.stopping) {
        const handled = await this.runOnce();
        if (handled > 0) continue;
        if ((await this.countOpen()) === 0) return;
        await this.idle();
      }
    })();
    // stop() waits for it like for the background loop.
    this.loop = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** One pass: claim up to batchSize requests and execute them. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    await this.recover();
    const now = this.clock();
    const candidates = await this.ledger.claimable(now, this.options.batchSize);
    const claimed: DeletionRequestRecord[] = [];
    for (const candidate of candidates) {
      if (this.stopping) break;
      const record = await this.ledger.acquireLease(candidate.id, this.owner, this.clock(), this.options.leaseMs);
      if (record) claimed.push(record);
    }
    if (claimed.length === 0) return 0;
    runningHere.add(this.owner);

    const abort = new AbortController();
    this.current = abort;
    const keeper = new LeaseKeeper(
      this.ledger,
      this.owner,
      this.options.leaseMs,
      (id) => {
        this.logger.warn({ requestId: id }, 'gdpr: lease lost during a pass; stopping the pass');
        abort.abort(new Error('lease lost'));
      },
      this.logger,
      this.clock,
    );
    keeper.hold(claimed.map((r) => r.id));
    const endTimer = gdprMetrics.passSeconds.startTimer();
    try {
      // A span per pass when tracing (OTEL_EXPORTER_OTLP_ENDPOINT): its store steps and verification below it.
      const summary = await withSpan('gdpr.erasure_pass', { 'lakegate.gdpr.requests': claimed.length }, async (span) => {
        const passSummary = await runErasurePass(claimed, {
          ledger: this.ledger,
          stores: this.stores,
          owner: this.owner,
          logger: this.logger,
          clock: this.clock,
          retryBaseMs: this.options.retryBaseMs,
          retryMaxMs: this.options.retryMaxMs,
          verifyRecheckMs: this.options.verifyRecheckMs ?? 1000,
          signal: abort.signal,
          holds: (id) => keeper.isHeld(id),
          release: (id) => keeper.drop(id),
          subjectKey: this.options.subjectKey,
          residue: this.options.residue,
        });
        span?.setAttributes({ 'lakegate.gdpr.completed': passSummary.completed, 'lakegate.gdpr.failed': passSummary.failed, 'lakegate.gdpr.waiting': passSummary.waiting });
        return passSummary;
      });
      for (const outcome of ['completed', 'failed', 'waiting', 'interrupted'] as const) {
        if (summary[outcome] > 0) gdprMetrics.settled.inc({ outcome }, summary[outcome]);
      }
    } finally {
      endTimer();
      await keeper.stop();
      this.current = undefined;
      this.options.onPass?.();
    }
    return claimed.length;
  }

  /** Stops after giving back the leases of the pass in progress (its steps stop between units of work). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.current?.abort(new Error('executor stopping'));
    this.wakeUp?.();
    await this.loop;
    this.loop = undefined;
    runningHere.delete(this.owner);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (error) {
        this.logger.warn({ err: error }, 'gdpr: executor pass failed; retrying at the next poll');
      }
      if (handled === 0 && !this.stopping) {
        await this.countOpen().catch((error: unknown) => this.logger.warn({ err: error }, 'gdpr: counting open requests failed'));
        await this.idle();
      }
    }
  }

  /** Open requests, also published as lakegate_gdpr_open_requests (alert when it stays above 0 for days). */
  private async countOpen(): Promise<number> {
    const open = await this.ledger.countOpen();
    gdprMetrics.open.set(open);
    return open;
  }

  /** Waits for the poll interval, a wake() or stop(). */
  private async idle(): Promise<void> {
    // stop() may have run while the pass was counting (no wakeUp to call yet): do not sleep then.
    if (this.woken || this.stopping) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
    this.woken = false;
  }

  private recover(): Promise<void> {
    this.recovered ??= (async () => {
      if (this.options.takeOverLeases) await this.takeOverLeases();
      for (const store of this.stores) await store.recover?.();
    })().catch((error: unknown) => {
      this.recovered = undefined;
      throw error;
    });
    return this.recovered;
  }

  /** Gives back, in their owner's name, the live leases of owners that cannot be running (see takeOverLeases). */
  private async takeOverLeases(): Promise<void> {
    const now = this.clock();
    const taken: Array<{ requestId: string; owner: string; expiresAt: string }> = [];
    let after: DeletionListing['next'];
    do {
      const page = await this.ledger.list({ status: 'RUNNING', limit: 100, after });
      for (const record of page.items) {
        const lease = record.lease;
        if (!lease || lease.owner === this.owner || runningHere.has(lease.owner) || Date.parse(lease.expiresAt) <= now) continue;
        if (await this.ledger.settle(record.id, lease.owner, { status: 'RELEASED' })) taken.push({ requestId: record.id, owner: lease.owner, expiresAt: lease.expiresAt });
      }
      after = page.next;
    } while (after);
    if (taken.length > 0) this.logger.info({ taken }, 'gdpr: leases of a previous process taken over (this process holds the embedded data directory)');
  }
}

