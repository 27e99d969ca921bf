import type { EventColumn, Lake, LakePartitionInfo, LakeScan, PartitionDayStats, PartitionStatsSource, ScanEstimate } from '../../ports/lake';
import { EVENT_COLUMNS } from '../../ports/lake';
import type { SqlEngine } from '../../ports/sql-engine';
import { quoteIdent, raw, sql } from '../../ports/sql';
import { eachDay, today, type Day, type DayRange } from '../../util/days';

/**
 * The lake on Athena. The events relation is the table itself ("lake"."events"):
 * Athena prunes partitions from the `day` predicate every lake query carries
 * (Iceberg from its manifests, a Hive table from partition projection), so no
 * file list is needed.
 *
 * Scan estimates come from partition statistics (PartitionStatsSource: Glue
 * partition parameters, or the Iceberg table's $partitions metadata): the bytes of
 * the days in range, times the share of the requested columns (Parquet is read
 * per column; the columns are weighted equally, `day` is free). Days without
 * statistics are estimated from the average of the days that have them and
 * reported as partitionsWithoutStats.
 */
export interface AthenaLakeOptions {
  engine: SqlEngine;
  database: string;
  table: string;
  stats: PartitionStatsSource;
  /** Name of the statistics' origin in estimates, e.g. 'glue-partition-statistics'. */
  statsSourceName?: string;
  /** Where a day's data lives, for partitions(); default `${tableLocation}day=YYYY-MM-DD/`. */
  tableLocation?: string;
  /** Bytes assumed for a day when no day in range has statistics. Default: none (estimate 0). */
  fallbackDayBytes?: number;
  /** First day partitions() lists. Default 2000-01-01. */
  partitionsFrom?: Day;
  now?: () => Date;
}

/** A statistics source that lists every partition: a day it omits holds no data. */
export interface CompletePartitionStatsSource extends PartitionStatsSource {
  readonly listsEveryPartition: true;
}

/**
 * Statistics that may also carry file counts, locations and, for a table bucketed
 * by customer, the number of customer buckets holding data that day (the Iceberg
 * source does).
 */
export type DetailedDayStats = PartitionDayStats & { files?: number; location?: string; createdAt?: string; buckets?: number };

const STORED_COLUMNS = EVENT_COLUMNS.filter((c) => c !== 'day');

export class AthenaLake implements Lake {
  readonly engine: SqlEngine;
  private readonly relationText: string;

  constructor(private readonly options: AthenaLakeOptions) {
    this.engine = options.engine;
    this.relationText = `${quoteIdent(options.database)}.${quoteIdent(options.table)}`;
  }

  async scanEvents(range: DayRange, options: { customerIds?: string[]; columns?: readonly EventColumn[] } = {}): Promise<LakeScan> {
    const estimate = await this.estimate(range, options.columns ?? EVENT_COLUMNS, options.customerIds ? new Set(options.customerIds).size : undefined);
    return { relation: sql`${raw(this.relationText)}`, partitions: estimate.partitions, estimatedBytes: estimate.bytes };
  }

  estimateScan(range: DayRange, columns: readonly EventColumn[]): Promise<ScanEstimate> {
    return this.estimate(range, columns, undefined);
  }

  /**
   * `customers`: the scan is restricted to that many customers. A table bucketed by
   * customer (Iceberg's bucket(N, customer_id)) keeps a customer in one bucket of
   * each day, and Athena prunes the other buckets on `customer_id = ?`; so a day's
   * bytes count in the share of its buckets those customers can occupy. Sources
   * that report no bucket count (Glue partitions) are taken as unbucketed.
   */
  private async estimate(range: DayRange, columns: readonly EventColumn[], customers: number | undefined): Promise<ScanEstimate> {
    const source = this.options.statsSourceName ?? 'glue-partition-statistics';
    if (range.from > range.to) return { bytes: 0, partitions: 0, source, partitionsWithoutStats: 0 };
    const stats: DetailedDayStats[] = await this.options.stats.partitionStats(this.options.database, this.options.table, range.from, range.to);
    const complete = isComplete(this.options.stats);
    const byDay = new Map(stats.map((s) => [s.day, s]));
    let knownBytes = 0;
    let known = 0;
    let unknown = 0;
    for (const day of eachDay(range.from, range.to)) {
      const s = byDay.get(day);
      if (s === undefined && complete) continue; // no data that day
      if (s === undefined || s.hasStats === false) unknown++;
      else {
        known++;
        knownBytes += s.bytes * bucketShare(s.buckets, customers);
      }
    }
    let average = known > 0 ? knownBytes / known : undefined;
    let origin = source;
    if (average === undefined && unknown > 0) {
      average = this.options.fallbackDayBytes;
      origin = average === undefined ? 'no-statistics' : 'configured-default';
    }
    const total = knownBytes + unknown * (average ?? 0);
    return {
      bytes: Math.round(total * columnShare(columns)),
      partitions: known + unknown,
      source: origin,
      partitionsWithoutStats: unknown,
    };
  }

  async partitions(): Promise<LakePartitionInfo[]> {
    const to = today(this.options.now?.() ?? new Date());
    const from = this.options.partitionsFrom ?? '2000-01-01';
    const stats: DetailedDayStats[] = await this.options.stats.partitionStats(this.options.database, this.options.table, from, to);
    const location = this.options.tableLocation;
    return stats
      .slice()
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
      .map((s) => {
        const info: LakePartitionInfo = {
          day: s.day,
          location: s.location ?? (location ? `${location.endsWith('/') ? location : `${location}/`}day=${s.day}/` : `day=${s.day}`),
          files: s.files ?? 0,
          bytes: s.bytes,
          createdAt: s.createdAt ?? `${s.day}T00:00:00.000Z`,
        };
        if (s.rows !== undefined) info.rows = s.rows;
        return info;
      });
  }
}

/** Share of the stored bytes a scan of `columns` reads (Parquet is columnar; `day` is in the path). */
export function columnShare(columns: readonly EventColumn[]): number {
  const wanted = new Set(columns.filter((c) => c !== 'day'));
  if (wanted.size === 0) return 1 / STORED_COLUMNS.length; // COUNT(*) still reads one column's pages
  return wanted.size / STORED_COLUMNS.length;
}

/** Share of a day's bytes that `customers` customers occupy when the day is split into `buckets` customer buckets. */
function bucketShare(buckets: number | undefined, customers: number | undefined): number {
  if (customers === undefined || buckets === undefined || buckets <= 1) return 1;
  return Math.min(customers, buckets) / buckets;
}

function isComplete(source: PartitionStatsSource): boolean {
  return (source as Partial<CompletePartitionStatsSource>).listsEveryPartition === true;
}
