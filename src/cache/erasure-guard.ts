import { subjectHash } from '../util/hash';

/**
 * Subjects whose erasure has not purged the cache yet, as this process knows them
 * (kept from the deletion ledger by src/gdpr/pending-erasures.ts). The cache's own
 * purge is the erasure's last step and may fail (Redis unreachable); the request is
 * then retried much later, while Redis, once reachable again, still holds the
 * entries. Meanwhile:
 *
 * - a data-cache entry holding a pending subject (by the subjects its read declares)
 *   is neither served nor stored: the read goes to the backend, which no longer
 *   has the subject;
 * - no whole response is served or stored while any subject is pending (responses
 *   are filed under subject:*: any of them may hold any subject);
 * - a subject whose purge failed is purged by this process itself (its subject tag,
 *   subject:* and the datasets whose totals counted it) before the cache serves
 *   anything again, i.e. as soon as Redis answers, not at the request's retry.
 *   Afterwards onPurged listeners hear which requests no longer need to wait.
 */
export interface OwedPurge {
  /** Keyed hash of the subject (the ledger's subjectHash, the cache's subject:<hash>). */
  subjectHash: string;
  requestId: string;
  /** Identifies one failure of the request's cache step (a later failure owes another purge). */
  token: string;
}

export interface ErasureGuardOptions {
  /** Datasets whose cached totals count a subject without naming it (purged with the subjects). */
  datasets: readonly string[];
  /** A subject recorded by this process stays pending this long even when a ledger listing (eventually consistent) misses it. */
  graceMs?: number;
  now?: () => number;
}

type Purger = (subjectHashes: readonly string[], datasets: readonly string[]) => Promise<void>;

export class ErasureGuard {
  readonly datasets: readonly string[];
  private readonly graceMs: number;
  private readonly now: () => number;
  private pending = new Set<string>();
  /** Subjects recorded by this process, until a listing that started after them has run. */
  private readonly recorded = new Map<string, number>();
  private owed = new Map<string, OwedPurge>();
  /** Failures this process has purged after (tokens still in the ledger's view). */
  private purgedTokens = new Set<string>();
  private purger: Purger | undefined;
  private purging: Promise<boolean> | undefined;
  private readonly listeners = new Set<(purged: readonly OwedPurge[]) => void>();

  constructor(options: ErasureGuardOptions) {
    this.datasets = options.datasets;
    this.graceMs = options.graceMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** Any subject pending: responses are not served; data entries are checked. */
  get active(): boolean {
    return this.pending.size > 0 || this.recorded.size > 0 || this.owed.size > 0;
  }

  /** A purge is owed: the cache serves nothing before it ran (settleOwed). */
  get owing(): boolean {
    return this.owed.size > 0;
  }

  isPending(hash: string): boolean {
    return this.pending.has(hash) || this.recorded.has(hash) || this.owed.has(hash);
  }

  /** True when one of these raw customer ids is pending (hashed with the cache's subject-hash key). */
  holdsPending(hashKey: string, customerIds: Iterable<string>): boolean {
    if (!this.active) return false;
    const seen = new Set<string>();
    for (const id of customerIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (this.isPending(subjectHash(hashKey, id))) return true;
    }
    return false;
  }

  /** A request was recorded in this process: pending at once, before any listing shows it. */
  record(hash: string): void {
    this.recorded.set(hash, this.now());
  }

  /**
   * Replaces the view with a listing of the ledger that started at `listedAt`:
   * `pending` the subjects of open requests whose cache step has not completed,
   * `failed` those whose cache step failed (a purge is owed unless this process
   * already purged after that failure).
   */
  replace(listing: { pending: Iterable<string>; failed: Iterable<OwedPurge> }, listedAt: number): void {
    this.pending = new Set(listing.pending);
    for (const [hash, at] of this.recorded) if (this.pending.has(hash) || at + this.graceMs < listedAt) this.recorded.delete(hash);
    const owed = new Map<string, OwedPurge>();
    const tokens = new Set<string>();
    for (const f of listing.failed) {
      tokens.add(f.token);
      this.pending.add(f.subjectHash);
      if (!this.purgedTokens.has(f.token)) owed.set(f.subjectHash, f);
    }
    this.owed = owed;
    // Forget purges of failures the ledger no longer shows (retried, completed).
    for (const token of this.purgedTokens) if (!tokens.has(token)) this.purgedTokens.delete(token);
  }

  /** The cache supplies the purge (src/cache/create-cached-reader.ts). */
  attachPurger(purger: Purger): void {
    this.purger = purger;
  }

  onPurged(listener: (purged: readonly OwedPurge[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs the owed purges (once at a time); true when nothing is owed any more, false
   * when the purge failed (the cache must not be served from: skip it).
   */
  settleOwed(): Promise<boolean> {
    if (this.owed.size === 0) return Promise.resolve(true);
    const purger = this.purger;
    if (!purger) return Promise.resolve(false);
    if (!this.purging) {
      const run = this.purge(purger);
      this.purging = run;
      void run.finally(() => {
        if (this.purging === run) this.purging = undefined;
      });
    }
    return this.purging;
  }

  private async purge(purger: Purger): Promise<boolean> {
    const batch = [...this.owed.values()];
    try {
      await purger(
        batch.map((o) => o.subjectHash),
        this.datasets,
      );
    } catch {
      return false;
    }
    for (const o of batch) {
      this.purgedTokens.add(o.token);
      if (this.owed.get(o.subjectHash)?.token === o.token) this.owed.delete(o.subjectHash);
    }
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // a listener's trouble is its own (it logs)
      }
    }
    return this.owed.size === 0;
  }
}
