import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode } from '../../errors/app-error';
import { accountQuery, elapsedMs } from '../../observability/query-accounting';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore, type SubjectErasure } from '../../ports/erasure';
import { join, p, raw, sql } from '../../ports/sql';
import type { DayRange } from '../../util/days';
import type { DuckDbDatabase } from './database';
import type { DuckDbLake } from './lake';
import type { LakeFile } from './lake-files';
import { eventsDir, parseDayDirName } from './layout';
import { fileListLiteral, quoteSqlString } from './sql-literals';
import { fsyncDirectory, syncCompleteParquet } from './durable-files';

export interface SwapInfo {
  /** The lake file about to be replaced. */
  file: string;
  /** The rewritten copy, complete, checked and synced, under its temporary name. */
  temporary: string;
  /** 0-based position of this file in the pass. */
  index: number;
  files: number;
}

export interface DuckDbLakeErasureOptions {
  /** Files rewritten at once. Default 2. */
  concurrency?: number;
  /** Called after a rewritten file is written, checked and synced, before it replaces the original (test hook). */
  beforeSwap?: (info: SwapInfo) => Promise<void>;
  /** Longest run of one statement. Default 10 minutes. */
  statementTimeoutMs?: number;
  /**
   * Rewritten copies that may wait to be checked, synced and swapped in while the
   * next files are rewritten. Default 64.
   */
  maxPendingSwaps?: number;
  /** Copies checked, synced and swapped together (one footer query, syncs sharing the disk's flushes). Default 32. */
  swapBatch?: number;
}

const ALL_DAYS: DayRange = { from: '0001-01-01', to: '9999-12-31' };
/** Rewritten files are written as `<file>.gdpr-<token>.tmp`: not *.parquet, so no reader lists them. */
const TEMPORARY = /^bucket-\d+\.parquet\.gdpr-[A-Za-z0-9-]+\.tmp$/;
const FILES_PER_QUERY = 400;
/** An in-memory database of the DuckDB instance holding each pass's subject list (shared by its connections, never on disk). */
const SUBJECTS_DB = 'lakegate_gdpr';

interface Pending {
  file: LakeFile;
  temporary: string;
  index: number;
  perSubject: Map<string, number>;
  /** Rows the rewrite wrote to the copy (COPY's count). */
  rowsAfter: number;
}

/** What the scan of the candidate files found: per file, the subjects' rows and all rows. */
interface Located {
  hits: Map<string, Map<string, number>>;
  rows: Map<string, number>;
}

/**
 * Erasure in the embedded lake: rewrite only the Parquet files that hold a subject.
 *
 * A customer lives in one bucket file per day (customerBucket), so the candidate
 * files are the subjects' buckets in every day partition. A scan of customer_id
 * restricted to those files confirms which of them hold the subjects, how many
 * rows each, and how many rows each file has in all; each such file is then rewritten once, for all the subjects it holds:
 *
 *   1. COPY the file, anti-joined with the pass's subjects, to
 *      `<file>.gdpr-<token>.tmp` in the same directory (a name readers never list:
 *      it does not end in .parquet);
 *   2. check rows before (counted by the scan) - rows in the copy (COPY's count) =
 *      the subjects' rows found in the file, and that the copy ends with Parquet's
 *      footer magic
 *      (else the copy is dropped and the file left as it was);
 *   3. fdatasync the copy, rename it over the original (atomic); once all files are
 *      swapped, fsync each directory (the step reports success only after that).
 *
 * Readers therefore see either the old or the new file, never a partial one; a
 * crash leaves at worst temporary files, removed by recover(), and files already
 * swapped (a second erase() finds nothing left in them and skips them).
 *
 * The subject ids reach DuckDB once per pass, as typed parameters, into a table of
 * an in-memory database of the instance; the per-file statements then name that
 * table and carry no values (run without preparing: for thousands of small files
 * the per-statement cost matters).
 */
export class DuckDbLakeErasure implements ErasureStore {
  readonly store = 'lake' as const;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly swapBatch: number;

  constructor(
    private readonly lake: DuckDbLake,
    private readonly database: DuckDbDatabase,
    private readonly dataDir: string,
    private readonly options: DuckDbLakeErasureOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.timeoutMs = options.statementTimeoutMs ?? 600_000;
    this.maxPending = Math.max(1, options.maxPendingSwaps ?? 64);
    this.swapBatch = Math.max(1, options.swapBatch ?? 32);
  }

  /** Removes temporary files a killed rewrite left behind (only one process owns an embedded data dir). */
  async recover(): Promise<void> {
    const root = eventsDir(this.dataDir);
    const days = await readdir(root).catch(() => [] as string[]);
    for (const day of days) {
      if (!parseDayDirName(day)) continue;
      const dir = path.join(root, day);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (TEMPORARY.test(name)) await rm(path.join(dir, name), { force: true });
      }
    }
  }

  async find(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (subjects.length === 0) return found;
    await this.withSubjects(subjects, signal, async (table) => {
      for (const perSubject of (await this.locate(await this.candidates(subjects), table, false, signal)).hits.values()) {
        for (const [customerId, n] of perSubject) found.set(customerId, (found.get(customerId) ?? 0) + n);
      }
    });
    return found;
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    if (subjects.length === 0) return outcome;
    // A load rewriting the same files meanwhile would undo one of the two (DuckDbLake.writeExclusively).
    await this.lake.writeExclusively(() => this.withSubjects(subjects, context.signal, async (table) => {
      const candidates = await this.candidates(subjects);
      // One scan gives both what to rewrite and each file's rows before (the check's baseline).
      const { hits, rows: rowsBefore } = await this.locate(candidates, table, true, context.signal);
      const affected = candidates.filter((f) => hits.has(f.path));
      if (affected.length === 0) return;
      try {
        await this.rewriteAll(affected, hits, rowsBefore, table, outcome, context.signal);
      } finally {
        // Sizes and footers changed (names did not): readers pick up the new files.
        await this.lake.refresh();
      }
    }));
    return outcome;
  }

  /**
   * Rewrites run `concurrency` at a time; finished copies are checked, synced and
   * swapped in batches in the background (that waits on the disk, not on DuckDB)
   * while the next files are rewritten. Directories are synced once each at the end.
   */
  private async rewriteAll(
    affected: readonly LakeFile[],
    hits: Map<string, Map<string, number>>,
    rowsBefore: Map<string, number>,
    table: string,
    outcome: ErasureOutcome,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => (failure ??= { error });
    const ready: Pending[] = [];
    let inFlight = 0; // copies written and not yet swapped (or dropped)
    const directories = new Set<string>();
    let finishing: Promise<void> = Promise.resolve();
    const waiting: Array<() => void> = [];
    const settled = () => {
      for (const resolve of waiting.splice(0)) resolve();
    };

    const finishBatch = async (batch: Pending[]) => {
      try {
        if (failure) throw failure.error;
        await this.swapAll(batch, rowsBefore, affected.length, signal, (done, bytes) => {
          directories.add(path.dirname(done.file.path));
          outcome.totals.filesRewritten += 1;
          outcome.totals.bytesRewritten += bytes;
          for (const [customerId, n] of done.perSubject) {
            const entry: SubjectErasure = outcome.subjects.get(customerId) ?? emptyErasure();
            entry.recordsDeleted += n;
            entry.filesRewritten += 1;
            entry.bytesRewritten += bytes;
            outcome.subjects.set(customerId, entry);
            outcome.totals.recordsDeleted += n;
          }
        });
      } catch (error) {
        fail(error);
        await Promise.all(batch.map((b) => rm(b.temporary, { force: true }).catch(() => undefined)));
      } finally {
        inFlight -= batch.length;
        settled();
      }
    };
    const flush = (all: boolean) => {
      while (ready.length >= this.swapBatch || (all && ready.length > 0)) {
        const batch = ready.splice(0, this.swapBatch);
        finishing = finishing.then(() => finishBatch(batch));
      }
    };

    const worker = async () => {
      while (!failure && next < affected.length) {
        while (inFlight >= this.maxPending && !failure) await new Promise<void>((resolve) => waiting.push(resolve));
        if (failure) break;
        const index = next++;
        const file = affected[index]!;
        const temporary = `${file.path}.gdpr-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
        inFlight++;
        try {
          signal?.throwIfAborted();
          const rowsAfter = await this.rewrite(file, temporary, table, signal);
          ready.push({ file, temporary, index, perSubject: hits.get(file.path)!, rowsAfter });
          flush(false);
        } catch (error) {
          inFlight--;
          fail(error);
          await rm(temporary, { force: true }).catch(() => undefined);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, affected.length) }, worker));
    flush(true);
    await finishing;
    if (!failure) {
      // Together: concurrent syncs share the disk's flushes.
      await Promise.all([...directories].map((dir) => fsyncDirectory(dir))).catch(fail);
    }
    // Aborted (lease lost, executor stopping): say so, whichever unit of work noticed first.
    if (failure) throw signal?.aborted ? signal.reason : failure.error;
  }

  /** Writes `file` without the pass's subjects to `temporary` (a statement without values: see the class comment); returns the rows written. */
  private async rewrite(file: LakeFile, temporary: string, table: string, signal: AbortSignal | undefined): Promise<number> {
    // An anti-join keeps every row whose customer is not a subject, rows without a customer id
    // included (NOT IN would drop those), in file order (customer_id, occurred_at).
    const text =
      `COPY (SELECT e.* FROM read_parquet(${quoteSqlString(file.path)}, hive_partitioning = false) e ` +
      `ANTI JOIN ${table} s ON e.customer_id = s.id) ` +
      `TO ${quoteSqlString(temporary)} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`;
    const started = process.hrtime.bigint();
    try {
      return await this.database.withSession(async (session) => {
        const stop = () => session.interrupt();
        const timer = setTimeout(stop, this.timeoutMs);
        signal?.addEventListener('abort', stop, { once: true });
        try {
          signal?.throwIfAborted();
          const written = await session.execCount(text);
          signal?.throwIfAborted();
          return written;
        } finally {
          clearTimeout(timer);
          signal?.removeEventListener('abort', stop);
        }
      }, signal);
    } finally {
      accountQuery({ backend: 'duckdb', label: 'gdpr.lake.rewrite', ms: elapsedMs(started), bytesScanned: file.bytes, rows: 0, costUsd: 0, files: 1 });
    }
  }

  /**
   * Checks a batch of copies (rows before - rows written = the subjects' rows; the
   * copy ends with Parquet's footer magic), syncs them together and swaps each in.
   */
  private async swapAll(
    batch: Pending[],
    rowsBefore: Map<string, number>,
    files: number,
    signal: AbortSignal | undefined,
    swapped: (p: Pending, bytes: number) => void,
  ): Promise<void> {
    for (const b of batch) {
      const removed = (rowsBefore.get(b.file.path) ?? 0) - b.rowsAfter;
      const expected = [...b.perSubject.values()].reduce((x, y) => x + y, 0);
      if (removed !== expected) {
        throw new AppError(
          ErrorCode.INTERNAL_SERVER_ERROR,
          `lake file ${path.relative(this.dataDir, b.file.path)}: the rewrite would remove ${removed} rows where the subjects have ${expected}; the file was left unchanged`,
          { details: { backend: 'duckdb' } },
        );
      }
    }
    await Promise.all(batch.map((b) => syncCompleteParquet(b.temporary, 'lake rewrite', 'the original was left unchanged')));
    for (const b of batch) {
      signal?.throwIfAborted();
      await this.options.beforeSwap?.({ file: b.file.path, temporary: b.temporary, index: b.index, files });
      signal?.throwIfAborted();
      await rename(b.temporary, b.file.path);
      swapped(b, (await stat(b.file.path)).size);
    }
  }

  /** Runs `fn` with the subjects in a table of the instance's in-memory database; drops it afterwards. */
  private async withSubjects<T>(subjects: readonly string[], signal: AbortSignal | undefined, fn: (table: string) => Promise<T>): Promise<T> {
    const table = `${SUBJECTS_DB}.subjects_${process.pid}_${randomBytes(6).toString('hex')}`;
    await this.database.exec(`ATTACH IF NOT EXISTS ':memory:' AS ${SUBJECTS_DB}`, signal);
    await this.lake.engine.query({
      label: 'gdpr.lake.subjects',
      sql: sql`CREATE TABLE ${raw(table)} AS SELECT DISTINCT id FROM (VALUES ${join(subjects.map((id) => sql`(${p.str(id)})`), ', ')}) v(id)`,
      signal,
    });
    try {
      return await fn(table);
    } finally {
      await this.database.exec(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }

  /** The subjects' bucket files of every day partition. */
  private candidates(subjects: readonly string[]): Promise<LakeFile[]> {
    return this.lake.files(ALL_DAYS, subjects);
  }

  /**
   * file -> subject -> rows, for the candidate files that hold any subject; with
   * `totals`, also every candidate file's row count, counted in the same scan.
   */
  private async locate(files: readonly LakeFile[], table: string, totals: boolean, signal?: AbortSignal): Promise<Located> {
    const located: Located = { hits: new Map(), rows: new Map() };
    for (let i = 0; i < files.length; i += FILES_PER_QUERY) {
      const batch = files.slice(i, i + FILES_PER_QUERY);
      const source = raw(`read_parquet(${fileListLiteral(batch.map((f) => f.path))}, hive_partitioning = false) e`);
      // LEFT JOIN: rows of other customers fall in the group of a NULL subject, so the
      // groups of a file add up to its rows. SEMI JOIN when only the subjects' rows matter.
      // Files by file_index (their position in the list), not by the filename column:
      // a third cheaper, and a wrong mapping would fail the row-count check of the rewrite.
      const result = await this.lake.engine.query({
        label: 'gdpr.lake.locate',
        sql: totals
          ? sql`SELECT e.file_index, s.id AS customer_id, COUNT(*) AS n FROM ${source} LEFT JOIN ${raw(table)} s ON e.customer_id = s.id GROUP BY 1, 2`
          : sql`SELECT e.file_index, e.customer_id, COUNT(*) AS n FROM ${source} SEMI JOIN ${raw(table)} s ON e.customer_id = s.id GROUP BY 1, 2`,
        signal,
        timeoutMs: this.timeoutMs,
        files: batch.length,
        bytesHint: batch.reduce((sum, f) => sum + f.bytes, 0),
      });
      for (const row of result.rows) {
        const file = batch[Number(row.file_index)]?.path;
        if (file === undefined) throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `lake erasure: DuckDB named file ${String(row.file_index)} of a list of ${batch.length}`);
        const n = Number(row.n);
        located.rows.set(file, (located.rows.get(file) ?? 0) + n);
        if (row.customer_id === null) continue;
        const perSubject = located.hits.get(file) ?? new Map<string, number>();
        perSubject.set(String(row.customer_id), n);
        located.hits.set(file, perSubject);
      }
    }
    return located;
  }
}
