import type { Day, DayRange } from '../util/days';

/**
 * What the load workflow (src/loads) needs from each store: the landing zone where
 * producers drop files, the lake that takes each day's new events once, and the
 * warehouse whose daily aggregates are replaced day by day. Embedded: files in the
 * data directory, DuckDB. AWS: S3 under the landing table's prefix, Athena (MERGE
 * INTO the Iceberg table), Redshift (DELETE + COPY in one BatchExecuteStatement).
 *
 * Every step is idempotent: run again after a crash at any point, it converges to
 * the same rows (the lake deduplicates on event_id within the day; the warehouse
 * deletes the day before inserting it, in one transaction).
 */
export type LoadDataset = 'lake.events' | 'warehouse.daily_event_counts';
export const LOAD_DATASETS: readonly LoadDataset[] = ['lake.events', 'warehouse.daily_event_counts'];

export type LandingFormat = 'parquet' | 'jsonl' | 'jsonl.gz';

/** A file producers dropped under `landing/events/day=D/`. */
export interface LandingFile {
  day: Day;
  /** Name relative to the landing root, e.g. `day=2026-12-03/batch-0001.jsonl.gz` (an S3 key suffix on AWS). */
  name: string;
  format: LandingFormat;
  bytes: number;
  /** ISO instant of the last write (S3 LastModified). */
  modifiedAt: string;
  /** Identity of this version of the file (mtime+size, or the S3 ETag): a file rewritten under the same name is new. */
  version: string;
}

export interface LandingZone {
  /** Landing files per day (days without files absent), oldest day first; only days in `range` when given. */
  list(range?: DayRange): Promise<Map<Day, LandingFile[]>>;
  /**
   * The files were loaded and the day verified. Embedded: they are deleted (the
   * lake holds their rows now). AWS: nothing to do here (the ledger records them
   * and the bucket's lifecycle rule expires them).
   */
  markLoaded(day: Day, files: readonly LandingFile[]): Promise<void>;
}

/** Why a landing row was not loaded (kept in the quarantine with the row). */
export type QuarantineReason =
  | 'not a JSON object'
  | 'missing event_id'
  | 'missing customer_id'
  | 'missing event_type'
  | 'missing customer_type'
  | 'missing source'
  | 'missing region'
  | 'bad occurred_at'
  | 'occurred_at outside the partition day'
  | 'bad severity'
  | 'bad attributes'
  | 'unknown shape';

export interface LakeDayLoad {
  /** Rows read from the landing files (valid or not). */
  landingRows: number;
  /** Rows added to the lake by this call. */
  added: number;
  /** Valid rows already in the lake for the day, or repeated across the files. */
  duplicates: number;
  /** Rows kept in the quarantine. */
  quarantined: number;
  quarantineReasons: Partial<Record<QuarantineReason, number>>;
  /** Rows of subjects whose erasure completed: dropped. */
  erased: number;
  /** Events the day holds in the lake after the call. */
  lakeRows: number;
  /** Latest occurred_at of the day's events in the lake (ISO), null when none. */
  newestEventAt: string | null;
  /** Files (data files, or Iceberg data files) written. */
  filesWritten: number;
  bytesWritten: number;
  /**
   * The whole day in the lake after the call, where the store can tell without
   * reading data (Iceberg: its $partitions, read once per load anyway): data bytes,
   * data files and partitions (customer buckets holding data). The load ledger keeps
   * them so that scan estimates need no metadata query for days it loaded.
   */
  day?: { bytes: number; files: number; partitions: number };
}

export interface LakeLoadContext {
  signal?: AbortSignal;
  /**
   * Of the customer ids found in the day's landing rows, those whose erasure has
   * completed (the loader matches them by keyed subject hash): their rows are dropped.
   */
  erasedSubjects(customerIds: readonly string[]): Promise<Set<string>>;
}

export interface LakeLoadStep {
  /**
   * Adds the day's new events from `files` to the lake: rows validated (failures to
   * the quarantine, with their reason), erased subjects dropped, deduplicated on
   * event_id against the day and across the files. Readers see the day before or
   * after, never half of it. Idempotent.
   */
  loadDay(day: Day, files: readonly LandingFile[], context: LakeLoadContext): Promise<LakeDayLoad>;
  /** Events per day in the lake, for the days of `range` that have any. */
  dayRows(range: DayRange, signal?: AbortSignal): Promise<Map<Day, number>>;
  /** Repairs what a killed loadDay left behind (temporary files); run once before the first load. */
  recover?(): Promise<void>;
}

export interface WarehouseDayLoad {
  /** Aggregate rows the day holds now. */
  rows: number;
  /** Sum of total_events of the day. */
  events: number;
}

export interface WarehouseLoadStep {
  /** Replaces the day's rows of daily_event_counts with the lake's aggregates of the day, in one transaction. */
  loadDay(day: Day, signal?: AbortSignal): Promise<WarehouseDayLoad>;
  /** Sum of total_events per day, for the days of `range` that have any. */
  dayRows(range: DayRange, signal?: AbortSignal): Promise<Map<Day, number>>;
}

/** Quarantined rows, where they are kept. */
export interface QuarantineSummary {
  rows: number;
  /** Per day with any. */
  days: Map<Day, number>;
}

export interface LoadStores {
  landing: LandingZone;
  lake: LakeLoadStep;
  warehouse: WarehouseLoadStep;
  /** Where the quarantine is (a directory, an S3 prefix or a table), for operators. */
  quarantineLocation: string;
}
