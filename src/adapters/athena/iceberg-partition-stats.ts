import { LRUCache } from 'lru-cache';
import type { RecordedDaySizes } from '../../ports/lake';
import type { SqlEngine } from '../../ports/sql-engine';
import { p, quoteIdent, raw, sql } from '../../ports/sql';
import { addDays, eachDay, today, type Day } from '../../util/days';
import type { CompletePartitionStatsSource, DetailedDayStats } from './athena-lake';

/**
 * Partition statistics of an Iceberg table, read from its `$partitions` metadata
 * table through Athena (record_count, file_count, total_size per partition, summed
 * per day). An Iceberg table has no partitions in Glue, so this is where its sizes
 * are; the query reads only Iceberg metadata (billed at Athena's 10 MB minimum).
 * Every partition is listed: a day that is absent holds no data. The partitions
 * of a day are its customer buckets (bucket(N, customer_id)); their count lets
 * AthenaLake estimate a scan restricted to a few customers.
 *
 * Every lake query asks for an estimate first, so answers are cached per day (a
 * day without data too): a request whose days are all known runs no extra Athena
 * query, and a new range queries only the span of its unknown days. Concurrent
 * requests for the same days share one query. Recent days (today and yesterday,
 * UTC) still receive data and are kept `cacheTtlMs`; older days change only on a
 * reload or an erasure and are kept `settledTtlMs`.
 *
 * Trino plans every file of the snapshot to answer `$partitions`, whatever its
 * WHERE clause: on a large table each cold estimate is a full manifest scan before
 * the real query. With `recorded` (the load ledger's per-day sizes, written once
 * per load), the days it knows cost one ledger read and no Athena query; only the
 * days it has not seen are asked of `$partitions`.
 */
export interface IcebergPartitionStatsOptions {
  /** How long the statistics of today and yesterday are reused. Default 60 s; 0 disables caching. */
  cacheTtlMs?: number;
  /** How long the statistics of older days are reused. Default 10 minutes. */
  settledTtlMs?: number;
  /** Days kept (each a few dozen bytes). Default 200,000. */
  maxCachedDays?: number;
  /** Per-day sizes recorded by the loads, used before `$partitions` (see above). */
  recorded?: RecordedDaySizes;
  now?: () => Date;
}

/** A cached day: its statistics, or null for a day without data. */
type DayEntry = { stats: DetailedDayStats | null };
type DayMap = Map<Day, DetailedDayStats | null>;

export class IcebergPartitionStats implements CompletePartitionStatsSource {
  readonly listsEveryPartition = true as const;
  private readonly days: LRUCache<string, DayEntry> | undefined;
  private readonly inflight = new Map<string, Promise<DayMap>>();
  private readonly recentTtl: number;
  private readonly settledTtl: number;
  private readonly now: () => Date;
  private readonly recorded: RecordedDaySizes | undefined;

  constructor(
    private readonly engine: SqlEngine,
    options: IcebergPartitionStatsOptions = {},
  ) {
    this.recorded = options.recorded;
    this.recentTtl = options.cacheTtlMs ?? 60_000;
    this.settledTtl = Math.max(options.settledTtlMs ?? 600_000, this.recentTtl);
    this.now = options.now ?? (() => new Date());
    this.days = this.recentTtl > 0 ? new LRUCache({ max: options.maxCachedDays ?? 200_000, ttl: this.settledTtl }) : undefined;
  }

  async partitionStats(database: string, table: string, fromDay: Day, toDay: Day): Promise<DetailedDayStats[]> {
    if (fromDay > toDay) return [];
    const prefix = `${JSON.stringify([database, table])}/`;
    const days = eachDay(fromDay, toDay);
    const found: DayMap = new Map();
    const waits = new Set<Promise<DayMap>>();
    const missing: Day[] = [];
    for (const day of days) {
      const cached = this.days?.get(prefix + day);
      if (cached) {
        found.set(day, cached.stats);
        continue;
      }
      const pending = this.inflight.get(prefix + day);
      if (pending) waits.add(pending);
      else missing.push(day);
    }
    if (missing.length > 0) waits.add(this.load(prefix, database, table, missing));
    for (const loaded of await Promise.all(waits)) {
      for (const [day, stats] of loaded) if (day >= fromDay && day <= toDay) found.set(day, stats);
    }
    return days.flatMap((day) => {
      const stats = found.get(day);
      return stats ? [stats] : [];
    });
  }

  /**
   * The missing days: those the loads recorded from the ledger, the others with one
   * $partitions query over their span; every day of the span is cached, with or
   * without data.
   */
  private load(prefix: string, database: string, table: string, missing: readonly Day[]): Promise<DayMap> {
    const promise = (async () => {
      const out: DayMap = new Map();
      const recentFrom = addDays(today(this.now()), -1);
      const keep = (day: Day, stats: DetailedDayStats | null) => {
        out.set(day, stats);
        this.days?.set(prefix + day, { stats }, { ttl: day >= recentFrom ? this.recentTtl : this.settledTtl });
      };
      const recorded = this.recorded ? await this.recorded.daySizes(database, table, missing) : new Map<Day, never>();
      for (const [day, size] of recorded) {
        keep(day, size.rows === 0 && size.files === 0 ? null : { day, bytes: size.bytes, rows: size.rows, files: size.files, buckets: Math.max(1, size.partitions), hasStats: true });
      }
      const unknown = missing.filter((day) => !recorded.has(day));
      if (unknown.length === 0) return out;
      const from = unknown[0]!;
      const to = unknown[unknown.length - 1]!;
      const relation = raw(`${quoteIdent(database)}.${quoteIdent(`${table}$partitions`)}`);
      const result = await this.engine.query({
        label: 'lake.partitionStats',
        sql: sql`SELECT "partition".day AS day, COUNT(*) AS partitions, SUM(record_count) AS record_count, SUM(file_count) AS file_count, SUM(total_size) AS total_size FROM ${relation} WHERE "partition".day BETWEEN ${p.date(from)} AND ${p.date(to)} GROUP BY 1 ORDER BY 1`,
      });
      const byDay = new Map<Day, DetailedDayStats>();
      for (const row of result.rows) {
        const day = String(row.day);
        byDay.set(day, {
          day,
          bytes: Number(row.total_size ?? 0),
          rows: Number(row.record_count ?? 0),
          files: Number(row.file_count ?? 0),
          // Partitions of the day: its customer buckets holding data (1 for a table partitioned by day only).
          buckets: Number(row.partitions ?? 1),
          hasStats: true,
        });
      }
      // Every day of the queried span not recorded is known now, with or without data.
      for (const day of eachDay(from, to)) if (!recorded.has(day)) keep(day, byDay.get(day) ?? null);
      return out;
    })();
    for (const day of missing) this.inflight.set(prefix + day, promise);
    const settle = () => {
      for (const day of missing) if (this.inflight.get(prefix + day) === promise) this.inflight.delete(prefix + day);
    };
    promise.then(settle, settle);
    return promise;
  }
}
