import { AthenaLake, columnShare } from '../../../src/adapters/athena/athena-lake';
import type { PartitionDayStats, PartitionStatsSource } from '../../../src/ports/lake';
import { EVENT_COLUMNS } from '../../../src/ports/lake';
import type { SqlEngine } from '../../../src/ports/sql-engine';
import { renderSql } from '../../../src/ports/sql';

/** A port implementation: partition statistics held in memory. */
class MemoryPartitionStats implements PartitionStatsSource {
  readonly calls: Array<[string, string, string, string]> = [];
  constructor(private readonly days: PartitionDayStats[]) {}
  async partitionStats(database: string, table: string, fromDay: string, toDay: string): Promise<PartitionDayStats[]> {
    this.calls.push([database, table, fromDay, toDay]);
    return this.days.filter((d) => d.day >= fromDay && d.day <= toDay);
  }
}

const engine = { name: 'athena' } as unknown as SqlEngine;
const GB = 1e9;

describe('AthenaLake', () => {
  test('the relation is the table; pruning is left to the day predicate', async () => {
    const lake = new AthenaLake({ engine, database: 'lake', table: 'events', stats: new MemoryPartitionStats([]) });
    const scan = await lake.scanEvents({ from: '2026-01-01', to: '2026-01-03' });
    expect(renderSql(scan.relation, () => '?').text).toBe('"lake"."events"');
    expect(scan.partitions).toBe(3);
  });

  test('estimate: known days summed, days without statistics estimated from the average', async () => {
    const stats = new MemoryPartitionStats([
      { day: '2026-01-01', bytes: 1 * GB },
      { day: '2026-01-02', bytes: 3 * GB },
      { day: '2026-01-03', bytes: 0, hasStats: false },
      // 2026-01-04 absent from the catalog (e.g. partition projection): estimated too
    ]);
    const lake = new AthenaLake({ engine, database: 'lake', table: 'events', stats });
    const estimate = await lake.estimateScan({ from: '2026-01-01', to: '2026-01-04' }, EVENT_COLUMNS);
    expect(estimate).toEqual({ bytes: 8 * GB, partitions: 4, source: 'glue-partition-statistics', partitionsWithoutStats: 2 });
    expect(stats.calls).toEqual([['lake', 'events', '2026-01-01', '2026-01-04']]);
  });

  test('estimate: only the requested columns are read (Parquet), day is free', async () => {
    const lake = new AthenaLake({ engine, database: 'lake', table: 'events', stats: new MemoryPartitionStats([{ day: '2026-01-01', bytes: 9 * GB }]) });
    expect((await lake.estimateScan({ from: '2026-01-01', to: '2026-01-01' }, ['customer_type', 'event_type', 'day'])).bytes).toBe(2 * GB);
    expect(columnShare(EVENT_COLUMNS)).toBe(1);
    expect(columnShare(['day'])).toBeCloseTo(1 / 9);
  });

  test('a complete source (Iceberg $partitions): absent days hold no data', async () => {
    const stats = Object.assign(new MemoryPartitionStats([{ day: '2026-01-02', bytes: 5 * GB }]), { listsEveryPartition: true as const });
    const lake = new AthenaLake({ engine, database: 'lake', table: 'events', stats, statsSourceName: 'iceberg-partitions' });
    expect(await lake.estimateScan({ from: '2026-01-01', to: '2026-01-10' }, EVENT_COLUMNS)).toEqual({
      bytes: 5 * GB,
      partitions: 1,
      source: 'iceberg-partitions',
      partitionsWithoutStats: 0,
    });
  });

  test('no statistics at all: a configured default per day, or an explicit zero', async () => {
    const none = new MemoryPartitionStats([]);
    const withDefault = new AthenaLake({ engine, database: 'lake', table: 'events', stats: none, fallbackDayBytes: 2 * GB });
    expect(await withDefault.estimateScan({ from: '2026-01-01', to: '2026-01-05' }, EVENT_COLUMNS)).toEqual({
      bytes: 10 * GB,
      partitions: 5,
      source: 'configured-default',
      partitionsWithoutStats: 5,
    });
    const without = new AthenaLake({ engine, database: 'lake', table: 'events', stats: none });
    expect(await without.estimateScan({ from: '2026-01-01', to: '2026-01-05' }, EVENT_COLUMNS)).toMatchObject({ bytes: 0, source: 'no-statistics', partitionsWithoutStats: 5 });
  });

  test('partitions(): days with statistics, oldest first, with locations', async () => {
    const stats = new MemoryPartitionStats([
      { day: '2026-01-02', bytes: 20, rows: 2 },
      { day: '2026-01-01', bytes: 10, rows: 1 },
    ]);
    const lake = new AthenaLake({ engine, database: 'lake', table: 'events', stats, tableLocation: 's3://lake/events', now: () => new Date('2026-01-05T00:00:00Z') });
    expect(await lake.partitions()).toEqual([
      { day: '2026-01-01', location: 's3://lake/events/day=2026-01-01/', files: 0, bytes: 10, rows: 1, createdAt: '2026-01-01T00:00:00.000Z' },
      { day: '2026-01-02', location: 's3://lake/events/day=2026-01-02/', files: 0, bytes: 20, rows: 2, createdAt: '2026-01-02T00:00:00.000Z' },
    ]);
    expect(stats.calls[0]).toEqual(['lake', 'events', '2000-01-01', '2026-01-05']);
  });
});
