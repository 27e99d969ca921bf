import { EVENT_COLUMNS, type EventColumn, type Lake, type LakePartitionInfo, type LakeScan, type ScanEstimate } from '../../ports/lake';
import type { SqlEngine } from '../../ports/sql-engine';
import { raw, sql, type SqlFragment } from '../../ports/sql';
import { currentSignal } from '../../observability/query-accounting';
import type { DayRange } from '../../util/days';
import { customerBucket } from '../../util/hash';
import { pathToFileURL } from 'node:url';
import { LakeDirectory, type LakeDay, type LakeFile } from './lake-files';
import { readSeedManifest } from './manifest';
import { ParquetStatsCache } from './parquet-stats';
import { assertPlainPath, fileListLiteral } from './sql-literals';

export interface DuckDbLakeOptions {
  dataDir: string;
  /**
   * Buckets per day when the data directory does not say (lakegate.json records
   * the layout it was seeded with, and wins: pruning with another count would
   * miss rows).
   */
  buckets: number;
}

/** Parquet types of the event columns, for the empty relation. */
const EMPTY_EVENTS: SqlFragment = sql`${raw(
  `(SELECT CAST(NULL AS VARCHAR) AS event_id, CAST(NULL AS TIMESTAMP) AS occurred_at, CAST(NULL AS VARCHAR) AS customer_id, ` +
    `CAST(NULL AS VARCHAR) AS customer_type, CAST(NULL AS VARCHAR) AS event_type, CAST(NULL AS VARCHAR) AS source, ` +
    `CAST(NULL AS VARCHAR) AS region, CAST(NULL AS VARCHAR) AS severity, CAST(NULL AS VARCHAR) AS attributes, ` +
    `CAST(NULL AS DATE) AS day WHERE false)`,
)}`;

/**
 * The lake as DuckDB reads it: an explicit list of the Parquet files of the days in
 * range (and of the customers' buckets), with `day` from the hive path. Scans are
 * estimated from the Parquet footers of the columns they read.
 */
export class DuckDbLake implements Lake {
  private readonly directory: LakeDirectory;
  private readonly footers: ParquetStatsCache;
  private bucketsCache: { buckets: number } | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly engine: SqlEngine,
    private readonly options: DuckDbLakeOptions,
  ) {
    assertPlainPath(options.dataDir);
    this.directory = new LakeDirectory(options.dataDir);
    this.footers = new ParquetStatsCache(engine);
  }

  async partitions(): Promise<LakePartitionInfo[]> {
    const days = await this.directory.days();
    return days.map((d) => ({
      day: d.day,
      location: `${pathToFileURL(d.dir).href}/`,
      files: d.files.length,
      bytes: d.bytes,
      createdAt: d.createdAt,
    }));
  }

  /**
   * Runs `fn` while no other writer of the lake's files does (an erasure rewrite, a
   * load): both copy a file with changes and rename the copy over it, so two at once
   * on one file would lose the other's changes.
   */
  writeExclusively<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Re-reads the directory and the layout (call after writing or rewriting files). */
  async refresh(): Promise<void> {
    this.bucketsCache = undefined;
    await this.directory.refresh();
    const paths = new Set((await this.directory.days()).flatMap((d) => d.files.map((f) => f.path)));
    this.footers.retain(paths);
  }

  /**
   * Reads every file's footer into the estimate cache (a few seconds for thousands
   * of files), so the first requests do not pay for it. Safe to call in the
   * background at boot (accounted outside any request: ledger and metrics only).
   */
  async warmUp(signal?: AbortSignal): Promise<void> {
    const files = (await this.directory.days()).flatMap((d) => d.files);
    await this.footers.statsFor(files, signal);
  }

  /** Buckets per day of the layout on disk. */
  async buckets(): Promise<number> {
    if (!this.bucketsCache) {
      const manifest = await readSeedManifest(this.options.dataDir);
      this.bucketsCache = { buckets: manifest?.buckets ?? this.options.buckets };
    }
    return this.bucketsCache.buckets;
  }

  /** The files holding the range (restricted to the customers' buckets when given), oldest day first. */
  async files(range: DayRange, customerIds?: readonly string[]): Promise<LakeFile[]> {
    const days = await this.daysIn(range);
    // Listing thousands of files is synchronous: not for a request already answered.
    currentSignal()?.throwIfAborted();
    if (!customerIds) return days.flatMap((d) => d.files);
    const buckets = await this.buckets();
    const wanted = new Set(customerIds.map((id) => customerBucket(id, buckets)));
    return days.flatMap((d) => d.files.filter((f) => wanted.has(f.bucket)));
  }

  /** Events per day (from the Parquet footers: no scan), for the days of `range` that have files. */
  async rowsByDay(range: DayRange): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const files = (await this.daysIn(range)).flatMap((d) => d.files);
    const stats = await this.footers.statsFor(files);
    for (const file of files) out.set(file.day, (out.get(file.day) ?? 0) + (stats.get(file.path)?.rows ?? 0));
    return out;
  }

  /** Rows of each file (footers). */
  async rowsOf(files: readonly LakeFile[]): Promise<Map<string, number>> {
    const stats = await this.footers.statsFor(files);
    return new Map(files.map((f) => [f.path, stats.get(f.path)?.rows ?? 0]));
  }

  async scanEvents(range: DayRange, options: { customerIds?: string[]; columns?: readonly EventColumn[] } = {}): Promise<LakeScan> {
    // Planning a scan is synchronous work over every file of the range (footer
    // statistics, the file list): a request whose answer is final does none of it.
    currentSignal()?.throwIfAborted();
    const files = await this.files(range, options.customerIds);
    currentSignal()?.throwIfAborted();
    const partitions = new Set(files.map((f) => f.day)).size;
    const estimatedBytes = await this.bytesOf(files, options.columns);
    return { relation: relationOver(files), partitions, files: files.length, estimatedBytes };
  }

  async estimateScan(range: DayRange, columns: readonly EventColumn[]): Promise<ScanEstimate> {
    const days = await this.daysIn(range);
    const files = days.flatMap((d) => d.files);
    return { bytes: await this.bytesOf(files, columns), partitions: days.length, source: 'parquet-metadata' };
  }

  private async daysIn(range: DayRange): Promise<LakeDay[]> {
    return (await this.directory.days()).filter((d) => d.day >= range.from && d.day <= range.to);
  }

  private async bytesOf(files: readonly LakeFile[], columns: readonly EventColumn[] | undefined): Promise<number> {
    if (files.length === 0) return 0;
    const stats = await this.footers.statsFor(files, currentSignal());
    const wanted = columns && columns.length > 0 ? columns : EVENT_COLUMNS;
    let bytes = 0;
    for (const file of files) {
      const s = stats.get(file.path);
      if (!s) continue;
      for (const column of wanted) bytes += s.columnBytes[column] ?? 0; // `day` lives in the path: 0 bytes
    }
    return bytes;
  }
}

/** read_parquet over exactly these files; `day` comes from the `day=` directory. */
export function relationOver(files: readonly LakeFile[]): SqlFragment {
  if (files.length === 0) return EMPTY_EVENTS;
  return sql`${raw(`read_parquet(${fileListLiteral(files.map((f) => f.path))}, hive_partitioning = true, hive_types = {'day': DATE})`)}`;
}
