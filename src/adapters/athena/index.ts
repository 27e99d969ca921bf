import type { AthenaConfig } from '../../config/aws-athena';
import type { PartitionStatsSource, RecordedDaySizes } from '../../ports/lake';
import { createAthenaClient, type AthenaClientOptions } from './athena-client';
import { AthenaEngine } from './athena-engine';
import { AthenaLake } from './athena-lake';
import { IcebergPartitionStats } from './iceberg-partition-stats';

export { createAthenaClient, type AthenaClientOptions } from './athena-client';
export { AthenaEngine, defaultAthenaPricing, type AthenaEngineOptions, type AthenaEngineSettings } from './athena-engine';
export { AthenaLake, columnShare, type AthenaLakeOptions, type CompletePartitionStatsSource, type DetailedDayStats } from './athena-lake';
export { IcebergPartitionStats, type IcebergPartitionStatsOptions } from './iceberg-partition-stats';
export { migrateAthena, type AthenaMigrationOptions } from './athena-migrations';
export { renderAthenaSql, athenaLiteral, type AthenaStatement } from './athena-sql';

export interface AthenaAdapters {
  engine: AthenaEngine;
  lake: AthenaLake;
}

/**
 * The Athena engine and lake from the validated configuration. `stats` is where
 * scan estimates come from; by default the Iceberg table's own $partitions
 * (an Iceberg table has no partitions in Glue), before which the days the loads
 * recorded (`recordedDaySizes`) are taken from there. `pricing` is config.pricing's
 * Athena price (enginePricing('athena', config.pricing)).
 */
export function createAthenaAdapters(
  config: AthenaConfig,
  options: {
    pricing?: (bytesScanned: number, engineMs: number) => number;
    stats?: PartitionStatsSource;
    client?: AthenaClientOptions;
    /** When the lake's data last changed (bounds result reuse; AthenaEngineOptions.lastDataChange). */
    lastDataChange?: () => Promise<number | undefined>;
    /** Per-day sizes the loads recorded: the default statistics ask $partitions only for the other days. */
    recordedDaySizes?: RecordedDaySizes;
  } = {},
): AthenaAdapters {
  const client = createAthenaClient({ maxAttempts: config.maxAttempts, requestTimeoutMs: config.pollTimeoutMs, ...options.client });
  const engine = new AthenaEngine({
    client,
    ownsClient: true,
    settings: config,
    ...(options.pricing ? { pricing: options.pricing } : {}),
    ...(options.lastDataChange ? { lastDataChange: options.lastDataChange } : {}),
  });
  const stats = options.stats ?? new IcebergPartitionStats(engine, options.recordedDaySizes ? { recorded: options.recordedDaySizes } : {});
  const lake = new AthenaLake({
    engine,
    database: config.database,
    table: config.eventsTable,
    stats,
    statsSourceName: stats instanceof IcebergPartitionStats ? 'iceberg-partitions' : 'glue-partition-statistics',
    ...(config.lakeLocation ? { tableLocation: `${config.lakeLocation}${config.eventsTable}/` } : {}),
  });
  return { engine, lake };
}
