import type { AwsConfig } from '../../config/aws';
import type { LoadStores } from '../../ports/loads';
import type { SqlEngine } from '../../ports/sql-engine';
import { quoteIdent } from '../../ports/sql';
import type { BatchSqlEngine } from '../redshift-data/redshift-engine';
import { createS3Client, type S3ClientOptions } from '../s3/s3-client';
import { S3LandingZone } from '../s3/s3-landing-zone';
import { S3Objects } from '../s3/s3-objects';
import { AthenaLakeLoad } from './athena-lake-load';
import { RedshiftWarehouseLoad } from './redshift-warehouse-load';

export { AthenaLakeLoad, type AthenaLakeLoadOptions } from './athena-lake-load';
export { RedshiftWarehouseLoad, type RedshiftWarehouseLoadOptions } from './redshift-warehouse-load';
export { MAX_LISTED_FILES, SEVERITIES } from './landing-sql';

export interface AwsLoadStores extends LoadStores {
  landing: S3LandingZone;
  lake: AthenaLakeLoad;
  warehouse: RedshiftWarehouseLoad;
  /** Destroys the S3 client (the engines belong to the caller). */
  close(): Promise<void>;
}

export interface AwsLoadEngines {
  /** The lake's Athena engine (createAthenaAdapters(...).engine). */
  athena: SqlEngine;
  /** The warehouse's Redshift Data engine (createRedshiftAdapters(...).engine). */
  redshift: BatchSqlEngine;
}

export interface AwsLoadStoresOptions {
  /** Longest run of one load statement (MERGE, UNLOAD, the Redshift batch). Default 30 minutes. */
  statementTimeoutMs?: number;
  /** S3 client settings beyond the configuration's (tests). */
  s3?: S3ClientOptions;
  /** After a load wrote rows into the lake (AthenaLakeLoadOptions.onDataChanged). */
  onDataChanged?: () => Promise<void>;
}

/**
 * The load workflow's stores on AWS (config.aws.lake = 'athena' and
 * config.aws.warehouse = 'redshift-data'): landing files on S3 under the landing
 * tables' prefixes, the lake step in Athena (MERGE INTO the Iceberg table), the
 * warehouse step as Athena UNLOAD + a Redshift BatchExecuteStatement (DELETE, COPY).
 * The tables are those of migrations/athena and migrations/redshift.
 */
export function createAwsLoadStores(config: AwsConfig, engines: AwsLoadEngines, options: AwsLoadStoresOptions = {}): AwsLoadStores {
  const { athena, loads } = config;
  if (!athena.lakeLocation) throw new TypeError('createAwsLoadStores: LAKEGATE_ATHENA_LAKE_LOCATION is not set');
  if (!loads.exportLocation || !loads.copyRoleArn) throw new TypeError('createAwsLoadStores: LAKEGATE_ATHENA_EXPORT_LOCATION and LAKEGATE_REDSHIFT_COPY_ROLE_ARN must be set');
  const client = createS3Client({
    maxAttempts: athena.maxAttempts,
    requestTimeoutMs: athena.pollTimeoutMs,
    forcePathStyle: loads.s3ForcePathStyle,
    ...options.s3,
  });
  const objects = new S3Objects(client);
  const table = (name: string) => `${quoteIdent(athena.database)}.${quoteIdent(name)}`;
  const events = athena.eventsTable;
  const landing = new S3LandingZone(objects, {
    parquet: `${athena.lakeLocation}landing/${events}/`,
    jsonl: `${athena.lakeLocation}landing/${events}_jsonl/`,
  });
  const timeouts = options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs };
  const lake = new AthenaLakeLoad({
    engine: engines.athena,
    events: table(events),
    eventsPartitions: table(`${events}$partitions`),
    quarantine: table(`${events}_quarantine`),
    landing: {
      parquet: { relation: table(`${events}_landing`), location: landing.prefixes.parquet },
      jsonl: { relation: table(`${events}_landing_jsonl`), location: landing.prefixes.jsonl },
    },
    uriOf: (file) => landing.uriOf(file),
    ...timeouts,
    ...(options.onDataChanged ? { onDataChanged: options.onDataChanged } : {}),
  });
  const warehouse = new RedshiftWarehouseLoad({
    athena: engines.athena,
    redshift: engines.redshift,
    objects,
    lakeEvents: table(events),
    table: `${quoteIdent(config.redshift.schema)}.${quoteIdent('daily_event_counts')}`,
    exportLocation: loads.exportLocation,
    copyRoleArn: loads.copyRoleArn,
    ...timeouts,
  });
  return {
    landing,
    lake,
    warehouse,
    quarantineLocation: `${athena.database}.${events}_quarantine (${athena.lakeLocation}${events}_quarantine/)`,
    async close() {
      client.destroy();
    },
  };
}
