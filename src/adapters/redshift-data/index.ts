import type { RedshiftConfig } from '../../config/aws-redshift';
import { createRedshiftDataClient, type RedshiftDataClientOptions } from './redshift-client';
import { RedshiftDataEngine } from './redshift-engine';
import { RedshiftWarehouse } from './redshift-warehouse';

export { createRedshiftDataClient, type RedshiftDataClientOptions } from './redshift-client';
export {
  RedshiftDataEngine,
  defaultRedshiftPricing,
  type BatchSqlEngine,
  type RedshiftEngineOptions,
  type RedshiftEngineSettings,
  type RedshiftTargetSettings,
  type SqlBatch,
} from './redshift-engine';
export { RedshiftWarehouse } from './redshift-warehouse';
export { migrateRedshift, type RedshiftMigrationOptions } from './redshift-migrations';
export { renderRedshiftSql, type RedshiftStatement } from './redshift-sql';

export interface RedshiftAdapters {
  engine: RedshiftDataEngine;
  warehouse: RedshiftWarehouse;
}

/**
 * The Redshift Data engine and warehouse from the validated configuration
 * (config.target must be set). `pricing` is config.pricing's Redshift price
 * (enginePricing('redshift', config.pricing)).
 */
export function createRedshiftAdapters(
  config: RedshiftConfig,
  options: { pricing?: (bytesScanned: number, engineMs: number) => number; client?: RedshiftDataClientOptions } = {},
): RedshiftAdapters {
  if (!config.target) throw new Error('createRedshiftAdapters: no Redshift target configured (LAKEGATE_REDSHIFT_WORKGROUP_NAME or LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER)');
  const t = config.target;
  const client = createRedshiftDataClient({ maxAttempts: config.maxAttempts, requestTimeoutMs: config.pollTimeoutMs, ...options.client });
  const engine = new RedshiftDataEngine({
    client,
    ownsClient: true,
    settings: {
      target:
        t.kind === 'serverless'
          ? { workgroupName: t.workgroupName, ...(t.secretArn ? { secretArn: t.secretArn } : {}) }
          : { clusterIdentifier: t.clusterIdentifier, ...(t.secretArn ? { secretArn: t.secretArn } : { dbUser: t.dbUser }) },
      database: config.database,
      queryTimeoutMs: config.queryTimeoutMs,
      pollIntervalMs: config.pollIntervalMs,
      maxPollIntervalMs: config.maxPollIntervalMs,
    },
    ...(options.pricing ? { pricing: options.pricing } : {}),
  });
  return { engine, warehouse: new RedshiftWarehouse(engine, config.schema) };
}
