import { GetPartitionsCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode, badInput } from '../../errors/app-error';
import type { PartitionDayStats, PartitionStatsSource } from '../../ports/lake';
import { eachDay, isDay, type Day } from '../../util/days';
import { glueCall } from './glue-call';
import { fetchGlueTable } from './glue-table-read';
import { parsePartitionStats } from './partition-stats-parameters';
import { iso } from './catalog-mapper';

export interface GluePartitionStatsOptions {
  client: GlueClient;
  /** The catalog holding the lake tables. */
  catalogId: string;
  /** Name of the day partition key. Default 'day'. */
  dayKey?: string;
  /** MaxResults of GetPartitions (1..1000). Default 1000. */
  partitionPageSize?: number;
  /** How long a day's statistics (or its absence) are reused. Default 60 s. */
  cacheTtlMs?: number;
  /**
   * True when every day with data has a partition registered in Glue (our loader
   * registers them), so an absent day holds no data. False (default) when Athena
   * may read days Glue does not list (partition projection): estimators then treat
   * absent days as days without statistics.
   */
  listsEveryPartition?: boolean;
}

/** A day's statistics, with the partition's location, creation time and file count where known. */
export type GlueDayStats = PartitionDayStats & { files?: number; location?: string; createdAt?: string };

interface DayEntry {
  exists: boolean;
  bytes: number;
  rows: number | undefined;
  hasStats: boolean;
  partitions: number;
  files: number | undefined;
  location: string | undefined;
  createdAt: string | undefined;
}

const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ABSENT: DayEntry = { exists: false, bytes: 0, rows: undefined, hasStats: false, partitions: 0, files: undefined, location: undefined, createdAt: undefined };

function countParameter(parameters: Record<string, string> | undefined, key: string): number | null {
  const text = parameters?.[key];
  const n = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * Partition statistics from the Glue catalog, for cost-aware admission of Athena
 * queries: one GetPartitions call with an Expression on the day range (pages
 * followed), each day's size from its partitions' Parameters. Days with several
 * partitions (further partition keys) are summed. Answers are kept per day for a
 * short while, so repeated admissions over overlapping ranges read only new days.
 */
export class GluePartitionStats implements PartitionStatsSource {
  /** Read by AthenaLake (see CompletePartitionStatsSource there). */
  readonly listsEveryPartition: boolean;
  private readonly client: GlueClient;
  private readonly catalogId: string;
  private readonly dayKey: string;
  private readonly pageSize: number;
  private readonly days: LRUCache<string, DayEntry> | undefined;
  private readonly tables: LRUCache<string, Table> | undefined;

  constructor(options: GluePartitionStatsOptions) {
    this.client = options.client;
    this.catalogId = options.catalogId;
    this.dayKey = options.dayKey ?? 'day';
    if (!KEY_NAME.test(this.dayKey)) throw new Error(`GluePartitionStats: invalid day key ${JSON.stringify(this.dayKey)}`);
    this.pageSize = options.partitionPageSize ?? 1000;
    this.listsEveryPartition = options.listsEveryPartition ?? false;
    const ttl = options.cacheTtlMs ?? 60_000;
    this.days = ttl > 0 ? new LRUCache({ max: 100_000, ttl }) : undefined;
    this.tables = ttl > 0 ? new LRUCache({ max: 64, ttl }) : undefined;
  }

  async partitionStats(database: string, table: string, fromDay: Day, toDay: Day): Promise<GlueDayStats[]> {
    if (!isDay(fromDay)) throw badInput('from', `expected a day YYYY-MM-DD, got ${JSON.stringify(fromDay)}`);
    if (!isDay(toDay)) throw badInput('to', `expected a day YYYY-MM-DD, got ${JSON.stringify(toDay)}`);
    if (fromDay > toDay) return [];
    const range = eachDay(fromDay, toDay);
    const prefix = `${database.toLowerCase()}.${table.toLowerCase()}:`;
    const missing = range.filter((day) => !this.days?.has(prefix + day));
    const fresh = new Map<Day, DayEntry>();
    if (missing.length > 0) {
      const first = missing[0]!;
      const last = missing[missing.length - 1]!;
      const read = await this.readDays(database, table, first, last);
      for (const day of eachDay(first, last)) {
        const entry = read.get(day) ?? ABSENT;
        fresh.set(day, entry);
        this.days?.set(prefix + day, entry);
      }
    }
    const out: GlueDayStats[] = [];
    for (const day of range) {
      const entry = fresh.get(day) ?? this.days?.get(prefix + day);
      if (!entry || !entry.exists) continue;
      const stats: GlueDayStats = { day, bytes: entry.bytes };
      if (entry.rows !== undefined) stats.rows = entry.rows;
      if (!entry.hasStats) stats.hasStats = false;
      if (entry.files !== undefined) stats.files = entry.files;
      if (entry.location !== undefined) stats.location = entry.location;
      if (entry.createdAt !== undefined) stats.createdAt = entry.createdAt;
      out.push(stats);
    }
    return out;
  }

  private async readDays(database: string, tableName: string, from: Day, to: Day): Promise<Map<Day, DayEntry>> {
    const table = await this.table(database, tableName);
    const keyIndex = (table.PartitionKeys ?? []).findIndex((k) => (k.Name ?? '').toLowerCase() === this.dayKey.toLowerCase());
    if (keyIndex < 0) {
      throw new AppError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `${database}.${tableName} in Glue catalog ${this.catalogId} has no partition key "${this.dayKey}"; partition statistics need the lake's day partitions`,
        { details: { backend: 'glue', database, table: tableName } },
      );
    }
    const expression = from === to ? `${this.dayKey} = '${from}'` : `${this.dayKey} >= '${from}' AND ${this.dayKey} <= '${to}'`;
    const days = new Map<Day, DayEntry>();
    let token: string | undefined;
    do {
      const page = await glueCall(
        'GetPartitions',
        { catalogId: this.catalogId, onNotFound: () => ({ Partitions: [] }) },
        (abortSignal) =>
          this.client.send(
            new GetPartitionsCommand({
              CatalogId: this.catalogId,
              DatabaseName: database,
              TableName: tableName,
              Expression: expression,
              MaxResults: this.pageSize,
              NextToken: token,
              ExcludeColumnSchema: true,
            }),
            { abortSignal },
          ),
        (o) => o.Partitions?.length ?? 0,
      );
      for (const partition of page.Partitions ?? []) {
        const day = partition.Values?.[keyIndex];
        if (!day || day < from || day > to) continue;
        const stats = parsePartitionStats(partition.Parameters);
        const files = countParameter(partition.Parameters, 'numFiles') ?? countParameter(partition.Parameters, 'objectCount');
        const createdAt = iso(partition.CreationTime) ?? undefined;
        const previous = days.get(day);
        const entry: DayEntry = previous ?? { exists: true, bytes: 0, rows: 0, hasStats: true, partitions: 0, files: 0, location: undefined, createdAt };
        entry.partitions += 1;
        entry.bytes += stats.bytes ?? 0;
        entry.rows = entry.rows !== undefined && stats.rows !== null ? entry.rows + stats.rows : undefined;
        entry.hasStats &&= stats.bytes !== null;
        entry.files = entry.files !== undefined && files !== null ? entry.files + files : undefined;
        // One partition per day: its location is the day's; several (further keys): none.
        entry.location = entry.partitions === 1 ? partition.StorageDescriptor?.Location || undefined : undefined;
        if (createdAt && (!entry.createdAt || createdAt < entry.createdAt)) entry.createdAt = createdAt;
        days.set(day, entry);
      }
      token = page.NextToken || undefined;
    } while (token);
    return days;
  }

  private async table(database: string, tableName: string): Promise<Table> {
    const key = `${database.toLowerCase()}.${tableName.toLowerCase()}`;
    const cached = this.tables?.get(key);
    if (cached) return cached;
    const table = await fetchGlueTable(this.client, this.catalogId, database, tableName);
    if (!table) {
      throw new AppError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `${database}.${tableName} is not in Glue catalog ${this.catalogId}; create the lake tables (npm run migrate -- --target aws) before querying`,
        { details: { backend: 'glue', database, table: tableName } },
      );
    }
    this.tables?.set(key, table);
    return table;
  }
}
