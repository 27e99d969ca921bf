import { LRUCache } from 'lru-cache';
import type { SqlEngine } from '../../ports/sql-engine';
import { p, quoteIdent, raw, sql } from '../../ports/sql';
import type { Day } from '../../util/days';
import type { CompletePartitionStatsSource, DetailedDayStats } from './athena-lake';

/**
 * Partition statistics of an Iceberg table, read from its `$partitions` metadata
 * table through Athena (record_count, file_count, total_size per partition, summed
 * per day). An Iceberg table has no partitions in Glue, so this is where its sizes
 * are; the query reads only Iceberg metadata (billed at Athena's 10 MB minimum).
 * Every partition is listed: a day that is absent holds no data.
 */
export interface IcebergPartitionStatsOptions {
  /** How long an answer is reused. Default 60 s. */
  cacheTtlMs?: number;
}

export class IcebergPartitionStats implements CompletePartitionStatsSource {
  readonly listsEveryPartition = true as const;
  private readonly cache: LRUCache<string, DetailedDayStats[]> | undefined;

  constructor(
    private readonly engine: SqlEngine,
    options: IcebergPartitionStatsOptions = {},
  ) {
    const ttl = options.cacheTtlMs ?? 60_000;
    this.cache = ttl > 0 ? new LRUCache({ max: 1_000, ttl }) : undefined;
  }

  async partitionStats(database: string, table: string, fromDay: Day, toDay: Day): Promise<DetailedDayStats[]> {
    const key = JSON.stringify([database, table, fromDay, toDay]);
    const cached = this.cache?.get(key);
    if (cached) return cached;
    const relation = raw(`${quoteIdent(database)}.${quoteIdent(`${table}$partitions`)}`);
    const result = await this.engine.query({
      label: 'lake.partitionStats',
      sql: sql`SELECT "partition".day AS day, SUM(record_count) AS record_count, SUM(file_count) AS file_count, SUM(total_size) AS total_size FROM ${relation} WHERE "partition".day BETWEEN ${p.date(fromDay)} AND ${p.date(toDay)} GROUP BY 1 ORDER BY 1`,
    });
    const stats = result.rows.map((row) => ({
      day: String(row.day),
      bytes: Number(row.total_size ?? 0),
      rows: Number(row.record_count ?? 0),
      files: Number(row.file_count ?? 0),
      hasStats: true,
    }));
    this.cache?.set(key, stats);
    return stats;
  }
}
