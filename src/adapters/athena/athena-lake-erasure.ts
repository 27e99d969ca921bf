import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore } from '../../ports/erasure';
import type { SqlEngine } from '../../ports/sql-engine';
import { p, quoteIdent, raw, sql } from '../../ports/sql';

export interface AthenaLakeErasureOptions {
  database: string;
  /** The Iceberg events table (migrations/athena/003). */
  table: string;
  /**
   * How long snapshots are kept (the table's vacuum_max_snapshot_age_seconds, in
   * ms). The first pass's VACUUM cannot expire the snapshots that still reference
   * the old data files; a second VACUUM after this long does. 0: no second pass.
   */
  snapshotWaitMs: number;
  /** Subjects per statement. Default 100. */
  chunkSize?: number;
  /** Longest run of DELETE / OPTIMIZE / VACUUM. Default 30 minutes. */
  statementTimeoutMs?: number;
  now?: () => number;
}

interface Located {
  rows: number;
  firstDay: string;
  lastDay: string;
}

/**
 * Erasure in the lake on AWS: the events table is Iceberg (migrations/athena), so
 * Athena removes rows physically through SQL alone:
 *
 *   DELETE FROM lake.events WHERE customer_id IN (...)   writes delete files (merge-on-read)
 *   OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day BETWEEN <first> AND <last>
 *                                                        rewrites the data files that have
 *                                                        deletes (optimize_rewrite_delete_file_threshold = 1)
 *   VACUUM lake.events                                   expires old snapshots, deletes unreferenced files
 *
 * The table is partitioned by bucket(16, customer_id), so DELETE and OPTIMIZE
 * touch only the subjects' buckets of the days that hold them. The snapshots
 * taken before the DELETE still reference the old files until they are older than
 * vacuum_max_snapshot_age_seconds: the outcome asks to be resumed after
 * snapshotWaitMs, when a second VACUUM removes those files too. Only then is the
 * request verified and completed.
 *
 * Athena takes execution parameters in SELECT only: the DELETE carries the ids as
 * checked, quoted literals (src/adapters/athena/athena-sql.ts).
 */
export class AthenaLakeErasure implements ErasureStore {
  readonly store = 'lake' as const;
  private readonly relation: string;
  private readonly maintenanceName: string;
  private readonly chunkSize: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly engine: SqlEngine,
    private readonly options: AthenaLakeErasureOptions,
  ) {
    this.relation = `${quoteIdent(options.database)}.${quoteIdent(options.table)}`;
    this.maintenanceName = `${maintenanceIdent(options.database)}.${maintenanceIdent(options.table)}`;
    this.chunkSize = options.chunkSize ?? 100;
    this.timeoutMs = options.statementTimeoutMs ?? 1_800_000;
    this.now = options.now ?? Date.now;
  }

  async find(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const [customerId, located] of await this.locate(subjects, signal)) found.set(customerId, located.rows);
    return found;
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    const located = await this.locate(subjects, context.signal);
    if (located.size > 0) {
      for (let i = 0; i < subjects.length; i += this.chunkSize) {
        const chunk = subjects.slice(i, i + this.chunkSize).filter((id) => located.has(id));
        if (chunk.length === 0) continue;
        await this.run('gdpr.athena.delete', sql`DELETE FROM ${raw(this.relation)} WHERE customer_id IN ${p.list(chunk.map((id) => p.str(id)))}`, context.signal);
      }
      const firstDay = [...located.values()].reduce((min, l) => (l.firstDay < min ? l.firstDay : min), '9999-12-31');
      const lastDay = [...located.values()].reduce((max, l) => (l.lastDay > max ? l.lastDay : max), '0001-01-01');
      await this.run(
        'gdpr.athena.optimize',
        sql`OPTIMIZE ${raw(this.maintenanceName)} REWRITE DATA USING BIN_PACK WHERE day BETWEEN ${p.date(firstDay)} AND ${p.date(lastDay)}`,
        context.signal,
      );
      for (const [customerId, l] of located) {
        outcome.subjects.set(customerId, { ...emptyErasure(), recordsDeleted: l.rows });
        outcome.totals.recordsDeleted += l.rows;
      }
    }
    await this.run('gdpr.athena.vacuum', sql`VACUUM ${raw(this.maintenanceName)}`, context.signal);
    // The first pass waits for the pre-DELETE snapshots to age out; the resumed pass's VACUUM removes their
    // files (and waits again if it had to delete rows that arrived meanwhile).
    if ((!context.resuming || located.size > 0) && this.options.snapshotWaitMs > 0) outcome.resumeAt = new Date(this.now() + this.options.snapshotWaitMs).toISOString();
    return outcome;
  }

  private async locate(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, Located>> {
    const located = new Map<string, Located>();
    for (let i = 0; i < subjects.length; i += this.chunkSize) {
      const chunk = subjects.slice(i, i + this.chunkSize);
      const result = await this.engine.query({
        label: 'gdpr.athena.locate',
        sql: sql`SELECT customer_id, COUNT(*) AS n, MIN(day) AS first_day, MAX(day) AS last_day
                 FROM ${raw(this.relation)} WHERE customer_id IN ${p.list(chunk.map((id) => p.str(id)))} GROUP BY customer_id`,
        signal,
        timeoutMs: this.timeoutMs,
      });
      for (const row of result.rows) {
        located.set(String(row.customer_id), { rows: Number(row.n), firstDay: String(row.first_day), lastDay: String(row.last_day) });
      }
    }
    return located;
  }

  private async run(label: string, statement: ReturnType<typeof sql>, signal?: AbortSignal): Promise<void> {
    await this.engine.query({ label, sql: statement, signal, timeoutMs: this.timeoutMs });
  }
}

/**
 * OPTIMIZE and VACUUM take plain names (Athena documents backticks, not double
 * quotes, for names VACUUM cannot take bare, e.g. starting with "_").
 */
function maintenanceIdent(name: string): string {
  quoteIdent(name); // refuses anything but a plain identifier
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : `\`${name}\``;
}
