import type { ErasureGuard, OwedPurge } from '../cache/erasure-guard';
import type { Logger } from '../observability/logger';
import { newQueryScope, runInQueryScope } from '../observability/query-accounting';
import type { DeletionLedger, DeletionListing, DeletionRequestRecord, DeletionStatus } from '../ports/deletion-ledger';

export interface PendingErasuresOptions {
  /** How often the ledger is listed (other processes' requests and settlements). */
  refreshMs: number;
  logger: Logger;
  /** A request became claimable now (the in-process executor should look). */
  wake?: () => void;
  clock?: () => number;
}

const OPEN: DeletionStatus[] = ['PENDING', 'RUNNING', 'FAILED'];
const PAGE = 100;

/**
 * Keeps the cache's view of erasures not yet purged from it (src/cache/erasure-guard.ts)
 * from the deletion ledger, which holds it durably: every open request whose cache
 * step has not completed is pending; one whose cache step failed owes a purge,
 * which the cache runs itself as soon as it is reachable again. Once it has, the
 * request is made due at once (its retry completes and verifies it) instead of
 * waiting for its backoff.
 *
 * Refreshed every refreshMs (requests of other processes), after every pass of the
 * in-process executor, and told at once of the requests recorded here.
 */
export class PendingErasures {
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ledger: DeletionLedger,
    private readonly guard: ErasureGuard,
    private readonly options: PendingErasuresOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.unsubscribe = guard.onPurged((purged) => void this.expedite(purged));
  }

  /** A request recorded in this process: pending before any listing shows it. */
  recorded(subjectHash: string): void {
    this.guard.record(subjectHash);
  }

  /** Lists the ledger once now, then every refreshMs. */
  async start(): Promise<void> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
      this.timer.unref();
    }
    await this.refresh();
  }

  /** Stops refreshing; resolves once a listing in progress has finished (before the ledger closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe();
    await this.refreshing;
  }

  /** One listing of the open requests (once at a time); never throws (the last view stays). */
  refresh(): Promise<void> {
    // Outside any request: the ledger reads are not that request's cost.
    this.refreshing ??= runInQueryScope(newQueryScope('gdpr-pending'), () => this.list())
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'gdpr: listing the open deletion requests failed; the cache keeps its last view'))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async list(): Promise<void> {
    const listedAt = this.clock();
    const pending: string[] = [];
    const failed: OwedPurge[] = [];
    for (const status of OPEN) {
      let after: DeletionListing['next'];
      do {
        const page = await this.ledger.list({ status, limit: PAGE, after });
        for (const record of page.items) classify(record, pending, failed);
        after = page.next;
      } while (after);
    }
    this.guard.replace({ pending, failed }, listedAt);
    // Redis may be back already: purge now rather than at the next cached read.
    if (this.guard.owing) await this.guard.settleOwed();
  }

  private async expedite(purged: readonly OwedPurge[]): Promise<void> {
    await runInQueryScope(newQueryScope('gdpr-pending'), async () => {
      let due = 0;
      for (const { requestId } of new Map(purged.map((p) => [p.requestId, p])).values()) {
        try {
          if (await this.ledger.retryNow(requestId, this.clock())) due++;
        } catch (error) {
          this.options.logger.warn({ err: error, requestId }, 'gdpr: could not make a request due after its cache purge; it is retried as scheduled');
        }
      }
      this.options.logger.info({ requests: purged.length, due }, 'gdpr: cache purged after a failed erasure step; the requests are retried now');
      if (due > 0) this.options.wake?.();
    });
  }
}

function classify(record: DeletionRequestRecord, pending: string[], failed: OwedPurge[]): void {
  const cache = record.targets.find((t) => t.store === 'cache');
  if (cache?.status === 'COMPLETED') return; // purged (later steps may still wait, e.g. Iceberg snapshots)
  pending.push(record.subjectHash);
  if (record.status === 'FAILED' && cache?.status === 'FAILED') {
    failed.push({ subjectHash: record.subjectHash, requestId: record.id, token: `${record.id}@${record.nextAttemptAt ?? ''}` });
  }
}
