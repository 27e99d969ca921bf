import { AppError, ErrorCode } from '../../errors/app-error';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore } from '../../ports/erasure';
import type { SqlFragment } from '../../ports/sql';
import type { SqlEngine } from '../../ports/sql-engine';
import { join, p, quoteIdent, raw, sql } from '../../ports/sql';
import type { ObjectPresence } from '../s3/s3-objects';
import { parseS3Prefix } from '../s3/s3-uri';

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
  /**
   * Other Iceberg tables holding the subjects, erased in the same pass (the load
   * quarantine, migrations/athena/005). `rawTextColumn`: a text column holding a row's
   * raw source (the quarantine's `line`): rows without a customer_id whose raw text
   * holds a subject's id are the subject's too.
   */
  alsoErase?: Array<{ table: string; rawTextColumn?: string }>;
  /** Longest run of DELETE / OPTIMIZE / VACUUM. Default 30 minutes. */
  statementTimeoutMs?: number;
  /**
   * S3 (HeadObject / ListObjectsV2): after the last VACUUM, the data and delete
   * files that held the subjects must be gone, or the step fails. Without it the
   * removal is not confirmed (tests of the SQL alone).
   */
  objects?: ObjectPresence;
  /** LAKEGATE_ATHENA_LAKE_LOCATION (s3://bucket/prefix/): the tables live at <location><table>/ (named in errors). */
  lakeLocation?: string;
  /** After rows were deleted (the data changed: Athena must not reuse results computed before). */
  onDataChanged?: () => Promise<void>;
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
 *
 * Every statement above can succeed and leave the bytes on S3: OPTIMIZE skips data
 * files below the table's thresholds (migrations/athena/006 sets both to 1), and
 * VACUUM without s3:DeleteObject "will succeed, but the files will not be
 * deleted". So the step proves physical removal: before the DELETE it records the
 * data files holding each subject (Iceberg's "$path"), after it the delete files
 * written on those days ("$files"), durably (context.recordPending: the deletion
 * ledger keeps them across the snapshot wait), and after the last VACUUM it asks S3
 * for every one of them (HeadObject / ListObjectsV2). Any still there fails the
 * step, naming the permission; the retry runs VACUUM again and checks again.
 */
interface IcebergTable {
  relation: string;
  /** The table's `$files` metadata table. */
  filesRelation: string;
  maintenanceName: string;
  rawTextColumn?: string;
}

export class AthenaLakeErasure implements ErasureStore {
  readonly store = 'lake' as const;
  private readonly tables: IcebergTable[];
  private readonly chunkSize: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly engine: SqlEngine,
    private readonly options: AthenaLakeErasureOptions,
  ) {
    const table = (name: string, rawTextColumn?: string): IcebergTable => ({
      relation: `${quoteIdent(options.database)}.${quoteIdent(name)}`,
      filesRelation: `${quoteIdent(options.database)}.${quoteIdent(`${name}$files`)}`,
      maintenanceName: `${maintenanceIdent(options.database)}.${maintenanceIdent(name)}`,
      ...(rawTextColumn ? { rawTextColumn } : {}),
    });
    this.tables = [table(options.table), ...(options.alsoErase ?? []).map((t) => table(t.table, t.rawTextColumn))];
    this.chunkSize = options.chunkSize ?? 100;
    this.timeoutMs = options.statementTimeoutMs ?? 1_800_000;
    this.now = options.now ?? Date.now;
  }

  async find(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const table of this.tables) {
      for (const [customerId, located] of await this.locate(table, subjects, signal)) found.set(customerId, (found.get(customerId) ?? 0) + located.rows);
    }
    return found;
  }

  /** Every table in one pass (one snapshot wait for all of them). */
  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    let deleted = false;
    const recorded = new Set<string>(context.pendingObjects ?? []);
    const record = async (objects: Map<string, Set<string>>) => {
      for (const uris of objects.values()) for (const uri of uris) recorded.add(uri);
      await context.recordPending?.(new Map([...objects].map(([subject, uris]) => [subject, [...uris]])));
    };
    for (const table of this.tables) {
      const located = await this.locate(table, subjects, context.signal);
      if (located.size === 0) continue;
      deleted = true;
      // The data files that hold the subjects, recorded before anything changes (a crash after the DELETE keeps them).
      const held = await this.dataFilesOf(table, [...located.keys()], context.signal);
      await record(new Map([...held].map(([subject, files]) => [subject, new Set(files.keys())])));
      for (let i = 0; i < subjects.length; i += this.chunkSize) {
        const chunk = subjects.slice(i, i + this.chunkSize).filter((id) => located.has(id));
        if (chunk.length === 0) continue;
        await this.run('gdpr.athena.delete', sql`DELETE FROM ${raw(table.relation)} WHERE ${subjectsRows(table, chunk)}`, context.signal);
      }
      const firstDay = [...located.values()].reduce((min, l) => (l.firstDay < min ? l.firstDay : min), '9999-12-31');
      const lastDay = [...located.values()].reduce((max, l) => (l.lastDay > max ? l.lastDay : max), '0001-01-01');
      // The delete files the DELETE wrote (and any other on those days, which OPTIMIZE rewrites too), per subject by day.
      const { deletes, sizes } = await this.filesOfDays(table, firstDay, lastDay, context.signal);
      const withDeletes = new Map<string, Set<string>>();
      for (const [subject, files] of held) {
        const days = new Set(files.values());
        withDeletes.set(subject, new Set(deletes.filter((d) => days.has(d.day)).map((d) => d.path)));
        const entry = outcome.subjects.get(subject) ?? emptyErasure();
        entry.filesRewritten += files.size;
        entry.bytesRewritten += [...files.keys()].reduce((sum, f) => sum + (sizes.get(f) ?? 0), 0);
        outcome.subjects.set(subject, entry);
      }
      const distinct = new Set([...held.values()].flatMap((files) => [...files.keys()]));
      outcome.totals.filesRewritten += distinct.size;
      outcome.totals.bytesRewritten += [...distinct].reduce((sum, f) => sum + (sizes.get(f) ?? 0), 0);
      await record(withDeletes);
      await this.run(
        'gdpr.athena.optimize',
        sql`OPTIMIZE ${raw(table.maintenanceName)} REWRITE DATA USING BIN_PACK WHERE day BETWEEN ${p.date(firstDay)} AND ${p.date(lastDay)}`,
        context.signal,
      );
      for (const [customerId, l] of located) {
        const entry = outcome.subjects.get(customerId) ?? emptyErasure();
        entry.recordsDeleted += l.rows;
        outcome.subjects.set(customerId, entry);
        outcome.totals.recordsDeleted += l.rows;
      }
    }
    if (deleted) await this.options.onDataChanged?.();
    else if (!context.resuming && recorded.size > 0) {
      // A retry after a first pass that failed past its DELETE: the rows are gone, their files may still be
      // referenced (OPTIMIZE may not have run). OPTIMIZE the days of the files recorded then.
      const days = [...recorded].flatMap((uri) => /\/day=(\d{4}-\d{2}-\d{2})\//.exec(uri)?.[1] ?? []).sort();
      if (days.length > 0) {
        for (const table of this.tables) {
          await this.run('gdpr.athena.optimize', sql`OPTIMIZE ${raw(table.maintenanceName)} REWRITE DATA USING BIN_PACK WHERE day BETWEEN ${p.date(days[0]!)} AND ${p.date(days[days.length - 1]!)}`, context.signal);
        }
      }
    }
    for (const table of this.tables) await this.run('gdpr.athena.vacuum', sql`VACUUM ${raw(table.maintenanceName)}`, context.signal);
    // The first pass waits for the pre-DELETE snapshots to age out; the resumed pass's VACUUM removes their
    // files (and waits again if it had to delete rows that arrived meanwhile).
    if ((!context.resuming || deleted) && this.options.snapshotWaitMs > 0) outcome.resumeAt = new Date(this.now() + this.options.snapshotWaitMs).toISOString();
    // The last VACUUM ran: every file that held the subjects must be gone from S3.
    else await this.confirmRemoved([...recorded], context.signal);
    return outcome;
  }

  /** Fails, naming the permission, when any of these objects is still on S3 after the last VACUUM. */
  private async confirmRemoved(uris: string[], signal?: AbortSignal): Promise<void> {
    if (!this.options.objects || uris.length === 0) return;
    const left = await this.options.objects.present(uris, signal);
    if (left.length === 0) return;
    const resources = [...new Set(left.map((uri) => this.resourceOf(uri)))];
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `VACUUM succeeded but ${left.length} of the ${uris.length} data and delete files that held the erased subjects are still on S3 (e.g. ${left[0]}): ` +
        `Athena's VACUUM deletes them with lakegate's credentials and reports success without deleting anything when s3:DeleteObject is missing. ` +
        `Grant lakegate's role s3:DeleteObject on ${resources.join(', ')} (docs/AWS.md); ` +
        `if the role has it, the table keeps snapshots longer than LAKEGATE_GDPR_ICEBERG_SNAPSHOT_WAIT_SECONDS (vacuum_max_snapshot_age_seconds): raise that setting. The step runs VACUUM again on the retry`,
      { details: { backend: 's3', action: 's3:DeleteObject', resources, remaining: left.length } },
    );
  }

  /** arn:aws:s3:::bucket/<prefix><table>/* for an object of a table (from LAKEGATE_ATHENA_LAKE_LOCATION when set). */
  private resourceOf(uri: string): string {
    const { bucket, prefix } = parseS3Prefix(uri.slice(0, uri.lastIndexOf('/') + 1));
    const lake = this.options.lakeLocation ? parseS3Prefix(this.options.lakeLocation) : undefined;
    if (lake && lake.bucket === bucket && prefix.startsWith(lake.prefix)) {
      const table = prefix.slice(lake.prefix.length).split('/')[0];
      if (table) return `arn:aws:s3:::${bucket}/${lake.prefix}${table}/*`;
    }
    return `arn:aws:s3:::${bucket}/${prefix}*`;
  }

  /** Per subject: the data files ("$path") holding its rows, with each file's day. */
  private async dataFilesOf(table: IcebergTable, subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    const add = (subject: string, file: string, day: string) => out.set(subject, (out.get(subject) ?? new Map<string, string>()).set(file, day));
    for (let i = 0; i < subjects.length; i += this.chunkSize) {
      const chunk = subjects.slice(i, i + this.chunkSize);
      const ids = p.list(chunk.map((id) => p.str(id)));
      const result = await this.query(sql`SELECT DISTINCT customer_id, day, "$path" AS path FROM ${raw(table.relation)} WHERE customer_id IN ${ids}`, signal, 'gdpr.athena.files');
      for (const row of result.rows) add(String(row.customer_id), String(row.path), String(row.day));
      const column = table.rawTextColumn;
      if (!column) continue;
      const named = join(chunk.map((id) => sql`strpos(${raw(quoteIdent(column))}, ${p.str(id)}) > 0`), ' OR ');
      const lines = await this.query(sql`SELECT DISTINCT "$path" AS path, day, ${raw(quoteIdent(column))} AS raw_text FROM ${raw(table.relation)} WHERE customer_id IS NULL AND (${named})`, signal, 'gdpr.athena.files');
      for (const row of lines.rows) {
        const owner = chunk.find((id) => String(row.raw_text).includes(id));
        if (owner) add(owner, String(row.path), String(row.day));
      }
    }
    return out;
  }

  /** The table's current files of these days (Iceberg's $files): its delete files, and every file's size. */
  private async filesOfDays(table: IcebergTable, firstDay: string, lastDay: string, signal?: AbortSignal): Promise<{ deletes: Array<{ path: string; day: string }>; sizes: Map<string, number> }> {
    const result = await this.query(
      sql`SELECT content, file_path, file_size_in_bytes, "partition".day AS day FROM ${raw(table.filesRelation)} WHERE "partition".day BETWEEN ${p.date(firstDay)} AND ${p.date(lastDay)}`,
      signal,
      'gdpr.athena.files',
    );
    const deletes: Array<{ path: string; day: string }> = [];
    const sizes = new Map<string, number>();
    for (const row of result.rows) {
      sizes.set(String(row.file_path), Number(row.file_size_in_bytes ?? 0));
      if (Number(row.content) !== 0) deletes.push({ path: String(row.file_path), day: String(row.day) });
    }
    return { deletes, sizes };
  }

  private async locate(table: IcebergTable, subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, Located>> {
    const located = new Map<string, Located>();
    const add = (customerId: string, rows: number, firstDay: string, lastDay: string) => {
      const l = located.get(customerId);
      located.set(customerId, l ? { rows: l.rows + rows, firstDay: firstDay < l.firstDay ? firstDay : l.firstDay, lastDay: lastDay > l.lastDay ? lastDay : l.lastDay } : { rows, firstDay, lastDay });
    };
    for (let i = 0; i < subjects.length; i += this.chunkSize) {
      const chunk = subjects.slice(i, i + this.chunkSize);
      const ids = p.list(chunk.map((id) => p.str(id)));
      const result = await this.query(sql`SELECT customer_id, COUNT(*) AS n, MIN(day) AS first_day, MAX(day) AS last_day
                 FROM ${raw(table.relation)} WHERE customer_id IN ${ids} GROUP BY customer_id`, signal);
      for (const row of result.rows) add(String(row.customer_id), Number(row.n), String(row.first_day), String(row.last_day));
      const column = table.rawTextColumn;
      if (!column) continue;
      // Rows without a customer_id (a line that was not JSON): matched on their raw text, attributed here.
      const named = join(chunk.map((id) => sql`strpos(${raw(quoteIdent(column))}, ${p.str(id)}) > 0`), ' OR ');
      const lines = await this.query(sql`SELECT ${raw(quoteIdent(column))} AS raw_text, day FROM ${raw(table.relation)} WHERE customer_id IS NULL AND (${named})`, signal);
      for (const row of lines.rows) {
        const text = String(row.raw_text);
        const owner = chunk.find((id) => text.includes(id));
        if (owner) add(owner, 1, String(row.day), String(row.day));
      }
    }
    return located;
  }

  /** The erasure's lookups (and the verification's) see the data as it is now: never a reused result. */
  private query(statement: SqlFragment, signal: AbortSignal | undefined, label = 'gdpr.athena.locate') {
    return this.engine.query({ label, sql: statement, signal, timeoutMs: this.timeoutMs, reuse: false });
  }

  private async run(label: string, statement: ReturnType<typeof sql>, signal?: AbortSignal): Promise<void> {
    await this.engine.query({ label, sql: statement, signal, timeoutMs: this.timeoutMs, reuse: false });
  }
}

/** The rows of these subjects: their customer_id, or (with rawTextColumn) no customer_id and a raw text naming one. */
function subjectsRows(table: IcebergTable, chunk: readonly string[]): SqlFragment {
  const ids = p.list(chunk.map((id) => p.str(id)));
  const column = table.rawTextColumn;
  if (!column) return sql`customer_id IN ${ids}`;
  const named = chunk.map((id) => sql`strpos(${raw(quoteIdent(column))}, ${p.str(id)}) > 0`);
  return sql`(customer_id IN ${ids} OR (customer_id IS NULL AND (${join(named, ' OR ')})))`;
}

/**
 * OPTIMIZE and VACUUM take plain names (Athena documents backticks, not double
 * quotes, for names VACUUM cannot take bare, e.g. starting with "_").
 */
function maintenanceIdent(name: string): string {
  quoteIdent(name); // refuses anything but a plain identifier
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : `\`${name}\``;
}
