import { encodePrestoView } from '../../src/adapters/glue/view-text';
import type { Catalog, CatalogDatabaseRecord, CatalogPartitionRecord, CatalogTableRecord } from '../../src/ports/catalog';
import type { GlueJobRecord, GlueJobRunRecord, JobRunWindow, JobRuns } from '../../src/ports/job-runs';
import type { GlueCatalogSeed, GlueColumnSeed, GlueEmulatorContent, GlueJobRunSeed, GlueJobSeed, GluePartitionSeed, GlueStorageDescriptorSeed, GlueTableSeed } from './glue-model';

/**
 * Builds the Glue emulator's content from the ports' records, written the way Glue
 * writers store them (file formats as input format + SerDe, views as Athena's
 * Presto View blob), so that the Glue adapters read back exactly the same records.
 * With it the AWS mode's catalog and job runs can be served the same data as the
 * embedded mode (same data in both modes -> identical GraphQL answers).
 */
export interface PortRecords {
  databases: CatalogDatabaseRecord[];
  tables: CatalogTableRecord[];
  partitions?: Array<{ catalogId: string; database: string; table: string; partitions: CatalogPartitionRecord[] }>;
  jobs?: GlueJobRecord[];
  runs?: GlueJobRunRecord[];
}

const HIVE = 'org.apache.hadoop.hive';
const TEXT_IN = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUT = `${HIVE}.ql.io.HiveIgnoreKeyTextOutputFormat`;
const PARQUET_IN = `${HIVE}.ql.io.parquet.MapredParquetInputFormat`;
const PARQUET_OUT = `${HIVE}.ql.io.parquet.MapredParquetOutputFormat`;
const PARQUET_SERDE = `${HIVE}.ql.io.parquet.serde.ParquetHiveSerDe`;

/** Storage descriptor members that say `format` the way each writer does. */
export function storageFor(format: string | null): Pick<GlueStorageDescriptorSeed, 'InputFormat' | 'OutputFormat' | 'SerdeInfo' | 'Parameters'> {
  switch (format) {
    case 'parquet':
      return { InputFormat: PARQUET_IN, OutputFormat: PARQUET_OUT, SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } } };
    case 'hudi':
      return { InputFormat: 'org.apache.hudi.hadoop.HoodieParquetInputFormat', OutputFormat: PARQUET_OUT, SerdeInfo: { SerializationLibrary: PARQUET_SERDE } };
    case 'orc':
      return { InputFormat: `${HIVE}.ql.io.orc.OrcInputFormat`, OutputFormat: `${HIVE}.ql.io.orc.OrcOutputFormat`, SerdeInfo: { SerializationLibrary: `${HIVE}.ql.io.orc.OrcSerde` } };
    case 'avro':
      return {
        InputFormat: `${HIVE}.ql.io.avro.AvroContainerInputFormat`,
        OutputFormat: `${HIVE}.ql.io.avro.AvroContainerOutputFormat`,
        SerdeInfo: { SerializationLibrary: `${HIVE}.serde2.avro.AvroSerDe` },
      };
    case 'json':
      return { InputFormat: TEXT_IN, OutputFormat: TEXT_OUT, SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' } };
    case 'csv':
      return { InputFormat: TEXT_IN, OutputFormat: TEXT_OUT, SerdeInfo: { SerializationLibrary: `${HIVE}.serde2.lazy.LazySimpleSerDe`, Parameters: { 'field.delim': ',' } } };
    case 'iceberg':
    case 'delta':
      // Athena's Iceberg and Delta tables carry no Hive formats; the classification says it.
      return { Parameters: { classification: format } };
    default:
      return {};
  }
}

const column = (c: { name: string; type: string; comment: string | null }): GlueColumnSeed => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) });
const date = (iso: string | null): Date | undefined => (iso ? new Date(iso) : undefined);

export function glueTableFromRecord(record: CatalogTableRecord): GlueTableSeed {
  const view = record.tableType === 'VIRTUAL_VIEW';
  const storage: GlueStorageDescriptorSeed = {
    Columns: record.columns.map(column),
    ...(record.location ? { Location: record.location } : {}),
    ...(view ? { SerdeInfo: {} } : storageFor(record.format)),
  };
  return {
    DatabaseName: record.database,
    Name: record.name,
    ...(record.description ? { Description: record.description } : {}),
    ...(record.owner ? { Owner: record.owner } : {}),
    CreateTime: date(record.createTime),
    UpdateTime: date(record.updateTime),
    TableType: record.tableType,
    Parameters: { ...record.parameters },
    PartitionKeys: record.partitionKeys.map(column),
    StorageDescriptor: storage,
    ...(view && record.viewText !== null
      ? {
          ViewOriginalText: encodePrestoView({
            originalSql: record.viewText,
            schema: record.database,
            columns: record.columns.map((c) => ({ name: c.name, type: c.type })),
            ...(record.owner ? { owner: record.owner } : {}),
          }),
          ViewExpandedText: '/* Presto View */',
        }
      : {}),
  };
}

export function gluePartitionFromRecord(database: string, table: string, record: CatalogPartitionRecord): GluePartitionSeed {
  return {
    DatabaseName: database,
    TableName: table,
    Values: [...record.values],
    CreationTime: date(record.createTime),
    Parameters: { ...record.parameters },
    ...(record.location ? { StorageDescriptor: { Location: record.location } } : {}),
  };
}

export function glueJobFromRecord(record: GlueJobRecord): GlueJobSeed {
  return {
    Name: record.name,
    ...(record.workerType ? { WorkerType: record.workerType } : {}),
    ...(record.numberOfWorkers !== null ? { NumberOfWorkers: record.numberOfWorkers } : {}),
    ...(record.maxCapacity !== null ? { MaxCapacity: record.maxCapacity } : {}),
    ...(record.timeoutMinutes !== null ? { Timeout: record.timeoutMinutes } : {}),
    Tags: { ...record.tags },
  };
}

export function glueJobRunFromRecord(record: GlueJobRunRecord): GlueJobRunSeed {
  return {
    Id: record.id,
    JobName: record.jobName,
    Attempt: record.attempt,
    JobRunState: record.state,
    StartedOn: new Date(record.startedOn),
    ...(record.completedOn ? { CompletedOn: new Date(record.completedOn) } : {}),
    ExecutionTime: record.executionTimeSeconds,
    ...(record.workerType ? { WorkerType: record.workerType } : {}),
    ...(record.numberOfWorkers !== null ? { NumberOfWorkers: record.numberOfWorkers } : {}),
    ...(record.maxCapacity !== null ? { MaxCapacity: record.maxCapacity } : {}),
    ...(record.dpuSeconds !== null ? { DPUSeconds: record.dpuSeconds } : {}),
    ...(record.errorMessage ? { ErrorMessage: record.errorMessage } : {}),
  };
}

export function glueContentFromRecords(records: PortRecords, options: { pageSize?: number; region?: string; accountId?: string } = {}): GlueEmulatorContent {
  const catalogs: Record<string, GlueCatalogSeed> = {};
  const catalogOf = (id: string) => (catalogs[id] ??= { databases: [], tables: [], partitions: [] });
  for (const db of records.databases) {
    catalogOf(db.catalogId).databases.push({
      Name: db.name,
      ...(db.description ? { Description: db.description } : {}),
      ...(db.locationUri ? { LocationUri: db.locationUri } : {}),
      CreateTime: date(db.createTime),
    });
  }
  for (const table of records.tables) catalogOf(table.catalogId).tables.push(glueTableFromRecord(table));
  for (const group of records.partitions ?? []) {
    catalogOf(group.catalogId).partitions!.push(...group.partitions.map((p) => gluePartitionFromRecord(group.database, group.table, p)));
  }
  return {
    catalogs,
    jobs: (records.jobs ?? []).map(glueJobFromRecord),
    runs: (records.runs ?? []).map(glueJobRunFromRecord),
    ...options,
  };
}

/**
 * Reads everything an adapter pair serves (e.g. the embedded catalog and the
 * seeded job runs) into emulator content. `window` bounds the job runs read.
 */
export async function glueContentFromPorts(catalog: Catalog, jobRuns?: JobRuns, window?: JobRunWindow, options: { pageSize?: number; region?: string; accountId?: string } = {}): Promise<GlueEmulatorContent> {
  const records: Required<PortRecords> = { databases: [], tables: [], partitions: [], jobs: [], runs: [] };
  for (const catalogId of catalog.catalogIds()) {
    for (const db of await catalog.listDatabases(catalogId)) {
      records.databases.push(db);
      let token: string | undefined;
      do {
        const page = await catalog.listTables(catalogId, db.name, { limit: 500, nextToken: token });
        for (const table of page.items) {
          records.tables.push(table);
          if (table.partitionKeys.length === 0) continue;
          const partitions: CatalogPartitionRecord[] = [];
          let partitionToken: string | undefined;
          do {
            const p = await catalog.listPartitions(catalogId, db.name, table.name, { limit: 1000, nextToken: partitionToken });
            partitions.push(...p.items);
            partitionToken = p.nextToken;
          } while (partitionToken);
          records.partitions.push({ catalogId, database: db.name, table: table.name, partitions });
        }
        token = page.nextToken;
      } while (token);
    }
  }
  if (jobRuns) {
    records.jobs = await jobRuns.listJobs();
    if (window) records.runs = await jobRuns.listRuns(window);
  }
  return glueContentFromRecords(records, options);
}
