import type { GlueConfig } from '../../config/aws-glue';
import { createGlueClient, type GlueClientOptions } from './client';
import { GlueCatalog } from './glue-catalog';
import { GlueJobRuns } from './glue-job-runs';
import { GluePartitionStats } from './glue-partition-stats';

export { createGlueClient, type GlueClientOptions } from './client';
export { GlueCatalog, type GlueCatalogOptions } from './glue-catalog';
export { GlueJobRuns, type GlueJobRunsOptions } from './glue-job-runs';
export { GluePartitionStats, type GlueDayStats, type GluePartitionStatsOptions } from './glue-partition-stats';
export { detectTableFormat, type TableFormat } from './table-format';
export { decodeViewText, encodePrestoView } from './view-text';

export interface GlueAdapters {
  catalog: GlueCatalog;
  jobRuns: GlueJobRuns;
  /** Partition statistics of the lake tables in `catalogId` (default: the first catalog; day key 'day'). */
  partitionStats(options?: { catalogId?: string; dayKey?: string; listsEveryPartition?: boolean }): GluePartitionStats;
  destroy(): void;
}

/** Builds the Glue adapters from the validated configuration (config.catalogIds must be non-empty). */
export function createGlueAdapters(config: GlueConfig, clientOptions: GlueClientOptions = {}): GlueAdapters {
  const client = createGlueClient({ maxAttempts: config.maxAttempts, requestTimeoutMs: config.requestTimeoutMs, ...clientOptions });
  const catalog = new GlueCatalog({
    client,
    catalogIds: config.catalogIds,
    databaseAllowList: config.databaseAllowList,
    pageSize: config.pageSize,
    partitionPageSize: config.partitionPageSize,
    maxListedPartitions: config.maxListedPartitions,
    cacheTtlMs: config.cacheTtlMs,
  });
  const jobRuns = new GlueJobRuns({
    client,
    accountId: config.jobsAccountId ?? config.catalogIds[0]!,
    lookbackDays: config.jobRunsLookbackDays,
    jobsPageSize: config.jobsPageSize,
    jobRunsPageSize: config.jobRunsPageSize,
    cacheTtlMs: config.cacheTtlMs,
  });
  return {
    catalog,
    jobRuns,
    partitionStats: (options = {}) =>
      new GluePartitionStats({
        client,
        catalogId: options.catalogId ?? config.catalogIds[0]!,
        dayKey: options.dayKey ?? 'day',
        listsEveryPartition: options.listsEveryPartition ?? false,
        partitionPageSize: config.partitionPageSize,
        cacheTtlMs: config.cacheTtlMs,
      }),
    destroy: () => client.destroy(),
  };
}
