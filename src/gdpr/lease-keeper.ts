import type { Logger } from '../observability/logger';
import type { DeletionLedger } from '../ports/deletion-ledger';

/**
 * Keeps an executor's leases alive while it works: renews every held request a
 * third of the lease before it would expire. A renewal refused (another executor
 * took the request over, e.g. after a long pause of this process) is reported
 * once through onLost; the pass then stops touching that request.
 */
export class LeaseKeeper {
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ledger: DeletionLedger,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly onLost: (id: string) => void,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  hold(ids: Iterable<string>): void {
    for (const id of ids) this.held.add(id);
    if (!this.timer && this.held.size > 0) {
      this.timer = setInterval(() => {
        this.renewing = this.renewing.then(() => this.renewAll());
      }, Math.max(50, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
  }

  /** Stops renewing a request (it was settled or given back). */
  drop(id: string): void {
    this.held.delete(id);
  }

  isHeld(id: string): boolean {
    return this.held.has(id);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    this.held.clear();
  }

  private async renewAll(): Promise<void> {
    for (const id of [...this.held]) {
      try {
        const ok = await this.ledger.renewLease(id, this.owner, this.clock(), this.leaseMs);
        if (!ok && this.held.delete(id)) this.onLost(id);
      } catch (error) {
        // Unreachable ledger: keep trying; the lease may still be ours next time.
        this.logger.warn({ err: error, requestId: id }, 'gdpr: could not renew a lease; retrying');
      }
    }
  }
}
