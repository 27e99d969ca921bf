import type { Day, DayRange } from '../util/days';
import type { SqlEngine } from './sql-engine';
import type { SqlFragment } from './sql';

/** Columns of the lake's events table (Parquet / Athena). */
export const EVENT_COLUMNS = [
  'event_id',
  'occurred_at',
  'day',
  'customer_id',
  'customer_type',
  'event_type',
  'source',
  'region',
  'severity',
  'attributes',
] as const;
export type EventColumn = (typeof EVENT_COLUMNS)[number];

/** A relation over the events of some days, already pruned to what must be read. */
export interface LakeScan {
  /** The FROM item, e.g. read_parquet([...]) or "lake"."events". Callers still filter by day. */
  relation: SqlFragment;
  /** Day partitions the scan touches. */
  partitions: number;
  /** Files the scan touches, where known. */
  files?: number;
  /** Estimated bytes read for the requested columns. */
  estimatedBytes: number;
}

export interface ScanEstimate {
  bytes: number;
  partitions: number;
  /** Where the figure comes from, e.g. 'parquet-metadata' or 'glue-partition-statistics'. */
  source: string;
  /** Partitions in range without statistics (estimated from the others). */
  partitionsWithoutStats?: number;
}

export interface LakePartitionInfo {
  day: Day;
  /** Location (directory or s3:// prefix). */
  location: string;
  files: number;
  bytes: number;
  rows?: number;
  createdAt: string;
}

/** The raw event lake: Parquet read by DuckDB locally, Athena over S3 on AWS. */
export interface Lake {
  readonly engine: SqlEngine;
  /**
   * The relation holding the events of `range`, pruned to the partitions in range
   * (and to the customers' buckets, when the layout allows and customerIds is given).
   */
  scanEvents(range: DayRange, options?: { customerIds?: string[]; columns?: readonly EventColumn[] }): Promise<LakeScan>;
  /** What a scan would read, before running it (cost-aware admission). */
  estimateScan(range: DayRange, columns: readonly EventColumn[]): Promise<ScanEstimate>;
  /** Day partitions present, oldest first. */
  partitions(): Promise<LakePartitionInfo[]>;
}

export type WarehouseTable = 'customers' | 'daily_event_counts';

/** The curated warehouse: DuckDB tables locally, Redshift through the Data API on AWS. */
export interface Warehouse {
  readonly engine: SqlEngine;
  /** The fully qualified relation of a warehouse table. */
  table(name: WarehouseTable): SqlFragment;
}

/** Size statistics of one day partition, as the catalog records them. */
export interface PartitionDayStats {
  day: Day;
  /** Bytes stored for the day (0 when `hasStats` is false). */
  bytes: number;
  rows?: number;
  /**
   * False when the partition exists but carries no size statistics: callers should
   * estimate its size from the others. Absent means true.
   */
  hasStats?: boolean;
}

/**
 * Partition statistics for cost-aware admission: the Glue catalog's partition
 * parameters on AWS. Days without a partition are absent from the answer.
 */
export interface PartitionStatsSource {
  partitionStats(database: string, table: string, fromDay: Day, toDay: Day): Promise<PartitionDayStats[]>;
}

/** A day's size in the lake as the load workflow recorded it when it loaded the day. */
export interface RecordedDaySize {
  bytes: number;
  rows: number;
  files: number;
  /** Partitions of the day holding data (its customer buckets; 1 for a table partitioned by day only). */
  partitions: number;
}

/**
 * Per-day sizes recorded by whoever wrote the days (the load ledger: the lake step
 * reads the day's Iceberg metadata once per load anyway). Scan estimates take them
 * instead of a metadata query per cold day; days absent from the answer were not
 * recorded (loaded by something else, or before sizes were recorded) and are asked
 * of the table's own statistics.
 */
export interface RecordedDaySizes {
  /** Sizes of the days among `days` that were recorded, for `database.table`. */
  daySizes(database: string, table: string, days: readonly Day[]): Promise<Map<Day, RecordedDaySize>>;
}
