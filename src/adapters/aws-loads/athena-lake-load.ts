import type { LakeDayLoad, LakeLoadContext, LakeLoadStep, LandingFile, QuarantineReason } from '../../ports/loads';
import type { SqlEngine } from '../../ports/sql-engine';
import { p, raw, sql, type SqlFragment } from '../../ports/sql';
import type { Day, DayRange } from '../../util/days';
import { classifiedRows, selectedFiles, selectionOf, type LandingSelection, type LandingTables } from './landing-sql';

/**
 * The lake step of a load on AWS, all in Athena over the landing tables and the
 * Iceberg events table (migrations/athena 002-005):
 *
 * 1. a profile of the day's selected landing rows: rows per (customer_id, reason);
 * 2. the erased subjects among those customers are asked for (their rows, valid or
 *    not, are dropped: never loaded, never quarantined);
 * 3. rejected rows replace the quarantine rows of the same files (DELETE, INSERT);
 * 4. `MERGE INTO events ... WHEN NOT MATCHED THEN INSERT` adds the valid rows whose
 *    event_id the day does not hold yet, the first of each event_id among the files.
 *
 * MERGE is one Iceberg commit: readers see the day before or after it. Every
 * statement is idempotent, so a rerun after a crash converges to the same rows.
 * `added` is the day's count after the MERGE minus before (the lease keeps other
 * loaders off the day); files and bytes written are the change in the day's
 * Iceberg data files ($partitions).
 */
export interface AthenaLakeLoadOptions {
  engine: SqlEngine;
  /** Quoted Iceberg events table, e.g. "lake"."events". */
  events: string;
  /** Quoted `<events>$partitions` metadata table. */
  eventsPartitions: string;
  /** Quoted Iceberg quarantine table (migrations/athena/005). */
  quarantine: string;
  landing: LandingTables;
  /** The s3:// URI ("$path") of a landing file. */
  uriOf(file: LandingFile): string;
  /** Longest run of one statement. Default 30 minutes. */
  statementTimeoutMs?: number;
  /** After the day's rows were written (the data changed: Athena must not reuse results computed before). */
  onDataChanged?: () => Promise<void>;
  now?: () => Date;
}

interface DayState {
  rows: number;
  newest: string | null;
  files: number;
  bytes: number;
  /** Partitions (customer buckets) of the day holding data files. */
  partitions: number;
}

export class AthenaLakeLoad implements LakeLoadStep {
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: AthenaLakeLoadOptions) {
    this.timeoutMs = options.statementTimeoutMs ?? 1_800_000;
    this.now = options.now ?? (() => new Date());
  }

  async loadDay(day: Day, files: readonly LandingFile[], context: LakeLoadContext): Promise<LakeDayLoad> {
    const signal = context.signal;
    for (const f of files) if (f.day !== day) throw new TypeError(`load of ${day}: landing file ${f.name} is of another day`);
    const outcome: LakeDayLoad = { landingRows: 0, added: 0, duplicates: 0, quarantined: 0, quarantineReasons: {}, erased: 0, lakeRows: 0, newestEventAt: null, filesWritten: 0, bytesWritten: 0 };
    const before = await this.dayState(day, signal);
    let after = before;
    if (files.length > 0) {
      const selection = selectionOf({
        parquet: files.filter((f) => f.format === 'parquet').map((f) => this.options.uriOf(f)),
        jsonl: files.filter((f) => f.format !== 'parquet').map((f) => this.options.uriOf(f)),
      });
      const profile = await this.profile(day, selection, signal);
      const customers = [...new Set(profile.flatMap((g) => (g.customerId === null ? [] : [g.customerId])))];
      const erased = customers.length > 0 ? await context.erasedSubjects(customers) : new Set<string>();
      let valid = 0;
      for (const g of profile) {
        outcome.landingRows += g.rows;
        if (g.customerId !== null && erased.has(g.customerId)) outcome.erased += g.rows;
        else if (g.reason === null) valid += g.rows;
        else {
          outcome.quarantined += g.rows;
          outcome.quarantineReasons[g.reason] = (outcome.quarantineReasons[g.reason] ?? 0) + g.rows;
        }
      }
      const keep = erased.size > 0 ? sql` AND (customer_id IS NULL OR customer_id NOT IN ${p.list([...erased].map((id) => p.str(id)))})` : sql``;
      if (outcome.quarantined > 0) await this.quarantine(day, selection, keep, signal);
      if (valid > 0) await this.merge(day, selection, keep, signal);
      // Results computed before these writes must not be reused from now on.
      if (outcome.quarantined > 0 || valid > 0) await this.options.onDataChanged?.();
      if (valid > 0) after = await this.dayState(day, signal);
      outcome.added = Math.max(0, after.rows - before.rows);
      outcome.duplicates = outcome.landingRows - outcome.erased - outcome.quarantined - outcome.added;
    }
    outcome.lakeRows = after.rows;
    outcome.newestEventAt = after.newest;
    outcome.filesWritten = Math.max(0, after.files - before.files);
    outcome.bytesWritten = Math.max(0, after.bytes - before.bytes);
    outcome.day = { bytes: after.bytes, files: after.files, partitions: after.partitions };
    return outcome;
  }

  async dayRows(range: DayRange, signal?: AbortSignal): Promise<Map<Day, number>> {
    const { rows } = await this.run(
      'loads.lake.dayRows',
      sql`SELECT day, COUNT(*) AS n FROM ${raw(this.options.events)} WHERE day BETWEEN ${p.date(range.from)} AND ${p.date(range.to)} GROUP BY day`,
      signal,
    );
    return new Map(rows.map((r) => [String(r.day), Number(r.n)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }

  private async profile(day: Day, selection: LandingSelection, signal?: AbortSignal): Promise<Array<{ customerId: string | null; reason: QuarantineReason | null; rows: number }>> {
    const { rows } = await this.run(
      'loads.lake.profile',
      sql`${classifiedRows(this.options.landing, day, selection)} SELECT customer_id, reason, COUNT(*) AS n FROM classified GROUP BY customer_id, reason`,
      signal,
    );
    return rows.map((r) => ({
      customerId: r.customer_id === null ? null : String(r.customer_id),
      reason: r.reason === null ? null : (String(r.reason) as QuarantineReason),
      rows: Number(r.n),
    }));
  }

  /** The selection's rejected rows replace what an earlier (interrupted) load of the same files left. */
  private async quarantine(day: Day, selection: LandingSelection, keep: SqlFragment, signal?: AbortSignal): Promise<void> {
    const q = raw(this.options.quarantine);
    await this.run('loads.lake.quarantine.clear', sql`DELETE FROM ${q} WHERE day = ${p.date(day)} AND ${selectedFiles(this.options.landing, selection)}`, signal);
    await this.run(
      'loads.lake.quarantine',
      sql`INSERT INTO ${q} (event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes, line, reason, file, day, loaded_at)
        ${classifiedRows(this.options.landing, day, selection)}
        SELECT event_id, occurred_text, customer_id, customer_type, event_type, source, region, severity, attributes_raw, line, reason, file, ${p.date(day)}, ${p.timestamp(this.now().toISOString())}
        FROM classified WHERE reason IS NOT NULL${keep}`,
      signal,
    );
  }

  private async merge(day: Day, selection: LandingSelection, keep: SqlFragment, signal?: AbortSignal): Promise<void> {
    const columns = 'event_id, occurred_at, day, customer_id, customer_type, event_type, source, region, severity, attributes';
    await this.run(
      'loads.lake.merge',
      sql`MERGE INTO ${raw(this.options.events)} t USING (
          ${classifiedRows(this.options.landing, day, selection)}
          SELECT event_id, occurred_ts AS occurred_at, ${p.date(day)} AS day, customer_id, customer_type, event_type, source, region, severity, attributes
          FROM (SELECT classified.*, row_number() OVER (PARTITION BY event_id ORDER BY file, occurred_ts) AS rn FROM classified WHERE reason IS NULL${keep})
          WHERE rn = 1
        ) s
        ON t.event_id = s.event_id AND t.day = ${p.date(day)}
        WHEN NOT MATCHED THEN INSERT (${raw(columns)}) VALUES (${raw(columns.split(', ').map((c) => `s.${c}`).join(', '))})`,
      signal,
    );
  }

  /** The day's events, newest event and Iceberg data files. */
  private async dayState(day: Day, signal?: AbortSignal): Promise<DayState> {
    const { rows } = await this.run(
      'loads.lake.dayState',
      sql`SELECT e.n, e.newest, f.files, f.bytes, f.partitions
        FROM (SELECT COUNT(*) AS n, MAX(occurred_at) AS newest FROM ${raw(this.options.events)} WHERE day = ${p.date(day)}) e
        CROSS JOIN (SELECT COALESCE(SUM(file_count), 0) AS files, COALESCE(SUM(total_size), 0) AS bytes, COUNT(*) AS partitions FROM ${raw(this.options.eventsPartitions)} WHERE "partition".day = ${p.date(day)}) f`,
      signal,
    );
    const row = rows[0] ?? {};
    return {
      rows: Number(row.n ?? 0),
      newest: row.newest === null || row.newest === undefined ? null : String(row.newest),
      files: Number(row.files ?? 0),
      bytes: Number(row.bytes ?? 0),
      partitions: Number(row.partitions ?? 0),
    };
  }

  /** The load's statements see the data as it is now: never a reused result. */
  private run(label: string, statement: SqlFragment, signal?: AbortSignal) {
    return this.options.engine.query({ label, sql: statement, signal, timeoutMs: this.timeoutMs, reuse: false });
  }
}
