import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode } from '../../errors/app-error';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore, type SubjectErasure } from '../../ports/erasure';
import { p, raw, sql } from '../../ports/sql';
import type { DayRange } from '../../util/days';
import type { DuckDbLake } from './lake';
import type { LakeFile } from './lake-files';
import { eventsDir, parseDayDirName } from './layout';
import { fileListLiteral, quoteSqlString } from './sql-literals';

export interface SwapInfo {
  /** The lake file about to be replaced. */
  file: string;
  /** The rewritten copy, complete and synced, under its temporary name. */
  temporary: string;
  /** 0-based position of this file in the pass. */
  index: number;
  files: number;
}

export interface DuckDbLakeErasureOptions {
  /** Files rewritten at once. Default 2. */
  concurrency?: number;
  /** Called after a rewritten file is written and synced, before it replaces the original (test hook). */
  beforeSwap?: (info: SwapInfo) => Promise<void>;
  /** Longest run of one rewrite statement. Default 10 minutes. */
  statementTimeoutMs?: number;
}

const ALL_DAYS: DayRange = { from: '0001-01-01', to: '9999-12-31' };
/** Rewritten files are written as `<file>.gdpr-<token>.tmp`: not *.parquet, so no reader lists them. */
const TEMPORARY = /^bucket-\d+\.parquet\.gdpr-[A-Za-z0-9-]+\.tmp$/;
const FILES_PER_QUERY = 400;

/**
 * Erasure in the embedded lake: rewrite only the Parquet files that hold a subject.
 *
 * A customer lives in one bucket file per day (customerBucket), so the candidate
 * files are the subjects' buckets in every day partition. A scan of customer_id
 * restricted to those files confirms which of them hold the subjects and how many
 * rows each; each such file is then rewritten once, for all the subjects it holds:
 *
 *   1. COPY the file without the subjects' rows to `<file>.gdpr-<token>.tmp` in the
 *      same directory (a name readers never list: it does not end in .parquet);
 *   2. check rows before - rows written = the subjects' rows found in it (else the
 *      copy is dropped and the file left as it was);
 *   3. fdatasync the copy, rename it over the original (atomic); once all files are
 *      swapped, fsync each directory (the step reports success only after that).
 *
 * Readers therefore see either the old or the new file, never a partial one; a
 * crash leaves at worst a temporary file, removed by recover(), and files already
 * swapped (a second erase() finds nothing left in them and skips them).
 */
export class DuckDbLakeErasure implements ErasureStore {
  readonly store = 'lake' as const;
  private readonly concurrency: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly lake: DuckDbLake,
    private readonly dataDir: string,
    private readonly options: DuckDbLakeErasureOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.timeoutMs = options.statementTimeoutMs ?? 600_000;
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
    for (const perSubject of (await this.locate(await this.candidates(subjects), subjects, signal)).values()) {
      for (const [customerId, n] of perSubject) found.set(customerId, (found.get(customerId) ?? 0) + n);
    }
    return found;
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    if (subjects.length === 0) return outcome;
    const candidates = await this.candidates(subjects);
    const hits = await this.locate(candidates, subjects, context.signal);
    const affected = candidates.filter((f) => hits.has(f.path));
    if (affected.length === 0) return outcome;
    const rowsBefore = await this.rowCounts(affected, context.signal);

    // Rewrites run `concurrency` at a time; each finished copy is synced and swapped in the
    // background (syncing waits on the disk, not on DuckDB) while the next rewrite runs.
    // Directories are synced once each, after their files were swapped.
    let next = 0;
    let failure: { error: unknown } | undefined;
    const finishing = new Set<Promise<void>>();
    const directories = new Set<string>();
    const maxFinishing = this.concurrency * 2;
    const worker = async () => {
      while (!failure && next < affected.length) {
        const index = next++;
        const file = affected[index]!;
        try {
          context.signal?.throwIfAborted();
          const perSubject = hits.get(file.path)!;
          const temporary = await this.rewrite(file, perSubject, rowsBefore.get(file.path) ?? 0, context.signal);
          const finish = this.swap(file, temporary, index, affected.length, context.signal)
            .then((bytes) => {
              directories.add(path.dirname(file.path));
              outcome.totals.filesRewritten += 1;
              outcome.totals.bytesRewritten += bytes;
              for (const [customerId, n] of perSubject) {
                const entry: SubjectErasure = outcome.subjects.get(customerId) ?? emptyErasure();
                entry.recordsDeleted += n;
                entry.filesRewritten += 1;
                entry.bytesRewritten += bytes;
                outcome.subjects.set(customerId, entry);
                outcome.totals.recordsDeleted += n;
              }
            })
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => finishing.delete(finish));
          finishing.add(finish);
          while (finishing.size >= maxFinishing) await Promise.race(finishing);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, affected.length) }, worker));
      await Promise.all(finishing);
      for (const dir of directories) await fsyncPath(dir, 'full');
    } finally {
      // Sizes and footers changed (names did not): readers pick up the new files.
      await this.lake.refresh();
    }
    if (failure) throw failure.error;
    return outcome;
  }

  /** The subjects' bucket files of every day partition. */
  private candidates(subjects: readonly string[]): Promise<LakeFile[]> {
    return this.lake.files(ALL_DAYS, subjects);
  }

  /** file -> subject -> rows, for the candidate files that hold any subject. */
  private async locate(files: readonly LakeFile[], subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, Map<string, number>>> {
    const hits = new Map<string, Map<string, number>>();
    const ids = p.list(subjects.map((id) => p.str(id)));
    for (let i = 0; i < files.length; i += FILES_PER_QUERY) {
      const batch = files.slice(i, i + FILES_PER_QUERY);
      const result = await this.lake.engine.query({
        label: 'gdpr.lake.locate',
        sql: sql`SELECT filename AS file, customer_id, COUNT(*) AS n
                 FROM read_parquet(${raw(fileListLiteral(batch.map((f) => f.path)))}, filename = true, hive_partitioning = false)
                 WHERE customer_id IN ${ids}
                 GROUP BY 1, 2`,
        signal,
        timeoutMs: this.timeoutMs,
        files: batch.length,
        bytesHint: batch.reduce((sum, f) => sum + f.bytes, 0),
      });
      for (const row of result.rows) {
        const file = String(row.file);
        const perSubject = hits.get(file) ?? new Map<string, number>();
        perSubject.set(String(row.customer_id), Number(row.n));
        hits.set(file, perSubject);
      }
    }
    return hits;
  }

  /** Rows per file from the Parquet footers. */
  private async rowCounts(files: readonly LakeFile[], signal?: AbortSignal): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let i = 0; i < files.length; i += FILES_PER_QUERY) {
      const batch = files.slice(i, i + FILES_PER_QUERY);
      const result = await this.lake.engine.query({
        label: 'gdpr.lake.rowCounts',
        sql: sql`SELECT file_name, num_rows FROM parquet_file_metadata(${raw(fileListLiteral(batch.map((f) => f.path)))})`,
        signal,
        files: batch.length,
      });
      for (const row of result.rows) counts.set(String(row.file_name), Number(row.num_rows));
    }
    return counts;
  }

  /** Writes `file` without `remove`'s subjects to a temporary copy next to it, checked; returns the copy's path. */
  private async rewrite(file: LakeFile, remove: Map<string, number>, rowsBefore: number, signal?: AbortSignal): Promise<string> {
    const temporary = `${file.path}.gdpr-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
    const expected = [...remove.values()].reduce((a, b) => a + b, 0);
    try {
      // Rows without a customer id are never a subject's: NOT IN alone would drop them.
      const result = await this.lake.engine.query({
        label: 'gdpr.lake.rewrite',
        sql: sql`COPY (SELECT * FROM read_parquet(${raw(quoteSqlString(file.path))}, hive_partitioning = false)
                       WHERE customer_id IS NULL OR customer_id NOT IN ${p.list([...remove.keys()].map((id) => p.str(id)))})
                 TO ${raw(quoteSqlString(temporary))} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`,
        signal,
        timeoutMs: this.timeoutMs,
        files: 1,
        bytesHint: file.bytes,
      });
      const written = Number(result.rows[0]?.Count ?? -1);
      if (rowsBefore - written !== expected) {
        throw new AppError(
          ErrorCode.INTERNAL_SERVER_ERROR,
          `lake file ${path.relative(this.dataDir, file.path)}: the rewrite would remove ${rowsBefore - written} rows where the subjects have ${expected}; the file was left unchanged`,
          { details: { backend: 'duckdb' } },
        );
      }
      return temporary;
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Syncs the checked copy and renames it over the original (atomic); returns the new file's size. */
  private async swap(file: LakeFile, temporary: string, index: number, files: number, signal?: AbortSignal): Promise<number> {
    let swapped = false;
    try {
      await fsyncPath(temporary, 'data');
      await this.options.beforeSwap?.({ file: file.path, temporary, index, files });
      signal?.throwIfAborted();
      await rename(temporary, file.path);
      swapped = true;
      return (await stat(file.path)).size;
    } finally {
      if (!swapped) await rm(temporary, { force: true }).catch(() => undefined);
    }
  }
}

/** Flushes a file's data ('data': fdatasync, enough for a new file's contents and size) or everything ('full': fsync, for directories). */
async function fsyncPath(target: string, what: 'data' | 'full'): Promise<void> {
  const handle = await open(target, 'r');
  try {
    if (what === 'data') await handle.datasync();
    else await handle.sync();
  } finally {
    await handle.close();
  }
}
