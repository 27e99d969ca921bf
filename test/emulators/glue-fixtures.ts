import { encodePrestoView } from '../../src/adapters/glue/view-text';
import { storageFor } from './glue-content';
import type { GlueEmulatorContent, GlueJobRunSeed, GlueJobSeed, GluePartitionSeed, GlueTableSeed } from './glue-model';

/**
 * Glue content as it is found in the field, for the Glue adapter tests:
 *  - the replicated-Glue-table export of DESIGN.md (a Hudi table in `default`);
 *  - an Athena view stored as a Presto View blob;
 *  - an Iceberg table as Athena creates it;
 *  - one table per file format, the lake's events table partitioned by day with
 *    partition statistics, and a second (cross-account) catalog.
 */
export const CATALOG_A = '111122223333';
export const CATALOG_B = '444455556666';
export const REGION = 'us-east-1';

/** A table as catalog replication tooling exports it (DESIGN.md, "Data shapes"). */
export interface ExportedGlueTable {
  database: string;
  type: 'table';
  item: {
    name: string;
    tableType: string;
    owner?: string;
    createTime?: string | number;
    parameters?: Record<string, string>;
    partitionKeys?: Array<{ name: string; type: string; comment?: string }>;
    storageDescriptor?: {
      location?: string;
      inputFormat?: string;
      outputFormat?: string;
      columns?: Array<{ name: string; type: string; comment?: string }>;
      serdeInfo?: { name?: string; serializationLibrary?: string; parameters?: Record<string, string> };
    };
  };
}

export const REPLICATED_HUDI_EXPORT: ExportedGlueTable = {
  database: 'default',
  type: 'table',
  item: {
    name: 'hudi_trips',
    tableType: 'EXTERNAL_TABLE',
    owner: 'hadoop',
    createTime: '2023-03-14T09:26:53.000Z',
    parameters: {
      'spark.sql.sources.provider': 'hudi',
      'spark.sql.sources.schema.numParts': '1',
      last_commit_time_sync: '20230314092650123',
      'hoodie.query.as.ro.table': 'false',
      EXTERNAL: 'TRUE',
      'transient_lastDdlTime': '1678786013',
    },
    partitionKeys: [],
    storageDescriptor: {
      location: 's3://replicated-lake/default/hudi_trips',
      inputFormat: 'org.apache.hudi.hadoop.HoodieParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      columns: [
        { name: '_hoodie_commit_time', type: 'string' },
        { name: '_hoodie_record_key', type: 'string' },
        { name: 'trip_id', type: 'bigint' },
        { name: 'fare', type: 'double', comment: 'in USD' },
        { name: 'ts', type: 'timestamp' },
      ],
      serdeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        parameters: { hoodie_path: 's3://replicated-lake/default/hudi_trips', path: 's3://replicated-lake/default/hudi_trips', 'serialization.format': '1' },
      },
    },
  },
};

/** The exported camelCase shape -> the Glue API's PascalCase table. */
export function glueTableFromExport(exported: ExportedGlueTable): GlueTableSeed {
  const { item } = exported;
  const sd = item.storageDescriptor;
  const col = (c: { name: string; type: string; comment?: string }) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) });
  return {
    DatabaseName: exported.database,
    Name: item.name,
    TableType: item.tableType,
    ...(item.owner ? { Owner: item.owner } : {}),
    ...(item.createTime !== undefined
      ? { CreateTime: typeof item.createTime === 'number' ? new Date(item.createTime * (item.createTime < 1e11 ? 1000 : 1)) : new Date(item.createTime) }
      : {}),
    Parameters: { ...(item.parameters ?? {}) },
    PartitionKeys: (item.partitionKeys ?? []).map(col),
    ...(sd
      ? {
          StorageDescriptor: {
            ...(sd.location ? { Location: sd.location } : {}),
            ...(sd.inputFormat ? { InputFormat: sd.inputFormat } : {}),
            ...(sd.outputFormat ? { OutputFormat: sd.outputFormat } : {}),
            Columns: (sd.columns ?? []).map(col),
            ...(sd.serdeInfo
              ? { SerdeInfo: { Name: sd.serdeInfo.name, SerializationLibrary: sd.serdeInfo.serializationLibrary, Parameters: sd.serdeInfo.parameters } }
              : {}),
          },
        }
      : {}),
  };
}

export const WEEKLY_VIEW_SQL =
  "SELECT DATE_ADD('day', -DAY_OF_WEEK(day) + 1, day) AS first_day_of_week, customer_type, event_type, COUNT(*) AS total_events\nFROM events INNER JOIN customers USING (customer_id)\nWHERE customer_type NOT IN ('Reseller')\nGROUP BY 1, 2, 3";

const created = new Date('2026-01-05T08:00:00.000Z');
const updated = new Date('2026-01-20T12:30:00.500Z');

const eventColumns = [
  { Name: 'event_id', Type: 'string' },
  { Name: 'occurred_at', Type: 'timestamp' },
  { Name: 'customer_id', Type: 'string' },
  { Name: 'customer_type', Type: 'string' },
  { Name: 'event_type', Type: 'string', Comment: 'login, payment, ...' },
  { Name: 'attributes', Type: 'string' },
];

function fileTable(name: string, format: string, extra: Partial<GlueTableSeed> = {}): GlueTableSeed {
  return {
    DatabaseName: 'lake',
    Name: name,
    TableType: 'EXTERNAL_TABLE',
    Owner: 'lakegate',
    CreateTime: created,
    UpdateTime: updated,
    Parameters: { EXTERNAL: 'TRUE' },
    PartitionKeys: [],
    StorageDescriptor: { Columns: eventColumns.slice(0, 3), Location: `s3://lake-bucket/${name}/`, ...storageFor(format) },
    ...extra,
  };
}

export const EVENTS_TABLE: GlueTableSeed = {
  DatabaseName: 'lake',
  Name: 'events',
  Description: 'Customer and security events, one partition per day',
  TableType: 'EXTERNAL_TABLE',
  Owner: 'lakegate',
  CreateTime: created,
  UpdateTime: updated,
  Parameters: { EXTERNAL: 'TRUE', 'parquet.compression': 'ZSTD' },
  PartitionKeys: [{ Name: 'day', Type: 'string' }],
  StorageDescriptor: { Columns: eventColumns, Location: 's3://lake-bucket/events/', ...storageFor('parquet') },
};

/** Day partitions of lake.events: 2026-01-01 .. 2026-01-10 without 01-04 (no data that day); 01-09 has no statistics. */
export const EVENT_DAYS = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10'];

export function eventPartition(day: string, index: number): GluePartitionSeed {
  const bytes = 1_000_000 * (index + 1);
  // Our loader writes Hive's keys; a crawler writes sizeKey / recordCount (used on odd days).
  const stats: Record<string, string> =
    day === '2026-01-09' ? {} : index % 2 === 0 ? { totalSize: String(bytes), numRows: String(1000 * (index + 1)), rawDataSize: String(bytes * 4), numFiles: '16' } : { sizeKey: String(bytes), recordCount: String(1000 * (index + 1)) };
  return {
    DatabaseName: 'lake',
    TableName: 'events',
    Values: [day],
    CreationTime: new Date(`${day}T02:00:00.000Z`),
    Parameters: stats,
    StorageDescriptor: { Columns: eventColumns, Location: `s3://lake-bucket/events/day=${day}/`, ...storageFor('parquet') },
  };
}

export function glueCatalogFixture(): GlueEmulatorContent {
  const tables: GlueTableSeed[] = [
    glueTableFromExport(REPLICATED_HUDI_EXPORT),
    EVENTS_TABLE,
    {
      DatabaseName: 'lake',
      Name: 'weekly_events_v',
      TableType: 'VIRTUAL_VIEW',
      Owner: 'analyst',
      CreateTime: created,
      Parameters: { presto_view: 'true', comment: 'Presto View' },
      PartitionKeys: [],
      StorageDescriptor: {
        Columns: [
          { Name: 'first_day_of_week', Type: 'date' },
          { Name: 'customer_type', Type: 'string' },
          { Name: 'event_type', Type: 'string' },
          { Name: 'total_events', Type: 'bigint' },
        ],
        SerdeInfo: {},
      },
      ViewOriginalText: encodePrestoView({
        originalSql: WEEKLY_VIEW_SQL,
        schema: 'lake',
        columns: [
          { name: 'first_day_of_week', type: 'date' },
          { name: 'customer_type', type: 'varchar' },
          { name: 'event_type', type: 'varchar' },
          { name: 'total_events', type: 'bigint' },
        ],
        owner: 'analyst',
      }),
      ViewExpandedText: '/* Presto View */',
    },
    {
      DatabaseName: 'lake',
      Name: 'events_iceberg',
      TableType: 'EXTERNAL_TABLE',
      Owner: 'lakegate',
      CreateTime: created,
      Parameters: {
        table_type: 'ICEBERG',
        metadata_location: 's3://lake-bucket/events_iceberg/metadata/00003-6f1c2a.metadata.json',
        previous_metadata_location: 's3://lake-bucket/events_iceberg/metadata/00002-1b2c3d.metadata.json',
      },
      PartitionKeys: [],
      StorageDescriptor: {
        Columns: eventColumns.map((c) => ({ ...c, Parameters: { 'iceberg.field.current': 'true' } })),
        Location: 's3://lake-bucket/events_iceberg',
      },
    },
    fileTable('events_orc', 'orc'),
    fileTable('events_avro', 'avro'),
    fileTable('events_json', 'json', { Parameters: { EXTERNAL: 'TRUE' } }),
    fileTable('events_csv', 'csv'),
    fileTable('events_delta', 'parquet', { Parameters: { 'spark.sql.sources.provider': 'delta', EXTERNAL: 'TRUE' } }),
    fileTable('crawled_json', 'none', {
      // A crawler's table: the classification says json, the SerDe alone would not.
      Parameters: { classification: 'json', compressionType: 'gzip', recordCount: '12', sizeKey: '4096', typeOfData: 'file' },
      StorageDescriptor: { Columns: eventColumns.slice(0, 2), Location: 's3://lake-bucket/crawled/', InputFormat: 'org.apache.hadoop.mapred.TextInputFormat' },
    }),
    fileTable('unknown_format', 'none', { StorageDescriptor: { Columns: [], Location: 's3://lake-bucket/unknown/' } }),
    {
      DatabaseName: 'lake',
      Name: 'hive_view',
      TableType: 'VIRTUAL_VIEW',
      CreateTime: created,
      PartitionKeys: [],
      StorageDescriptor: { Columns: [{ Name: 'n', Type: 'bigint' }] },
      ViewOriginalText: 'SELECT count(*) AS n FROM events',
      ViewExpandedText: 'SELECT count(*) AS `n` FROM `lake`.`events`',
    },
  ];
  return {
    region: REGION,
    accountId: CATALOG_A,
    catalogs: {
      [CATALOG_A]: {
        databases: [
          { Name: 'default', Description: 'Replicated from the data platform account', LocationUri: 's3://replicated-lake/default', CreateTime: new Date('2023-03-01T00:00:00.000Z') },
          { Name: 'lake', Description: 'The raw event lake', LocationUri: 's3://lake-bucket/', CreateTime: created, Parameters: { owner: 'data-platform' } },
          { Name: 'scratch', CreateTime: created },
        ],
        tables,
        partitions: EVENT_DAYS.map(eventPartition),
      },
      [CATALOG_B]: {
        databases: [{ Name: 'shared_sales', Description: 'Shared from the sales account', CreateTime: created }],
        tables: [
          {
            DatabaseName: 'shared_sales',
            Name: 'orders',
            TableType: 'EXTERNAL_TABLE',
            CreateTime: created,
            Parameters: { classification: 'parquet' },
            PartitionKeys: [
              { Name: 'year', Type: 'int' },
              { Name: 'hour', Type: 'int' },
            ],
            StorageDescriptor: { Columns: [{ Name: 'order_id', Type: 'string' }], Location: 's3://sales/orders/', ...storageFor('parquet') },
          },
        ],
        // Integer keys: partition-value order is numeric (hour 9 before hour 10).
        partitions: [2, 10, 9, 1].map((hour) => ({ DatabaseName: 'shared_sales', TableName: 'orders', Values: ['2025', String(hour)], CreationTime: created, Parameters: {} })),
      },
    },
  };
}

/** Jobs of every worker type and runs in every state, around 2026-01-10. */
export function glueJobsFixture(): { jobs: GlueJobSeed[]; runs: GlueJobRunSeed[] } {
  const jobs: GlueJobSeed[] = [
    { Name: 'events_compaction', WorkerType: 'G.1X', NumberOfWorkers: 10, Timeout: 480, GlueVersion: '4.0', Tags: { team: 'platform' } },
    { Name: 'big_backfill', WorkerType: 'G.8X', NumberOfWorkers: 40, Timeout: 2880, Tags: { team: 'analytics', remediate: 'false' } },
    { Name: 'python_shell', MaxCapacity: 0.0625, Timeout: 60, Command: { Name: 'pythonshell' } },
    { Name: 'ray_job', WorkerType: 'Z.2X', NumberOfWorkers: 5, Tags: {} },
    { Name: 'flex_job', WorkerType: 'G.2X', NumberOfWorkers: 4 },
    { Name: 'tiny_stream', WorkerType: 'G.025X', NumberOfWorkers: 2 },
    { Name: 'legacy_job', WorkerType: 'Standard', MaxCapacity: 10 },
    { Name: 'huge_job', WorkerType: 'G.4X', NumberOfWorkers: 20 },
    { Name: 'future_worker', WorkerType: 'G.12X', NumberOfWorkers: 2 },
  ];
  const at = (iso: string) => new Date(iso);
  const runs: GlueJobRunSeed[] = [];
  // events_compaction: one run a day for 30 days, newest 2026-01-10; pages of 5 force paging.
  for (let i = 0; i < 30; i++) {
    const started = new Date(Date.UTC(2026, 0, 10 - i, 1, 0, 0));
    runs.push({
      Id: `jr_compaction_${String(i).padStart(2, '0')}`,
      JobName: 'events_compaction',
      Attempt: 0,
      JobRunState: i === 3 ? 'FAILED' : 'SUCCEEDED',
      StartedOn: started,
      CompletedOn: new Date(started.getTime() + 1800_000),
      ExecutionTime: 1800,
      WorkerType: 'G.1X',
      NumberOfWorkers: 10,
      MaxCapacity: 10,
      ...(i === 3 ? { ErrorMessage: 'An error occurred while calling o123.pyWriteDynamicFrame' } : {}),
    });
  }
  runs.push(
    { Id: 'jr_backfill_1', JobName: 'big_backfill', Attempt: 0, JobRunState: 'TIMEOUT', StartedOn: at('2026-01-08T00:00:00Z'), CompletedOn: at('2026-01-10T00:00:00Z'), ExecutionTime: 172800, WorkerType: 'G.8X', NumberOfWorkers: 40, MaxCapacity: 320, ErrorMessage: 'Job run timed out' },
    { Id: 'jr_backfill_2', JobName: 'big_backfill', Attempt: 1, PreviousRunId: 'jr_backfill_1', JobRunState: 'RUNNING', StartedOn: at('2026-01-10T06:00:00Z'), ExecutionTime: 0, WorkerType: 'G.8X', NumberOfWorkers: 40, MaxCapacity: 320 },
    { Id: 'jr_shell_1', JobName: 'python_shell', Attempt: 0, JobRunState: 'STOPPED', StartedOn: at('2026-01-09T10:00:00Z'), CompletedOn: at('2026-01-09T10:05:00Z'), ExecutionTime: 300, MaxCapacity: 0.0625 },
    { Id: 'jr_ray_1', JobName: 'ray_job', Attempt: 0, JobRunState: 'ERROR', StartedOn: at('2026-01-09T11:00:00Z'), CompletedOn: at('2026-01-09T11:00:30Z'), ExecutionTime: 30, WorkerType: 'Z.2X', NumberOfWorkers: 5, DPUSeconds: 300, ErrorMessage: 'Ray cluster failed to start' },
    { Id: 'jr_flex_1', JobName: 'flex_job', Attempt: 0, JobRunState: 'SUCCEEDED', ExecutionClass: 'FLEX', StartedOn: at('2026-01-09T12:00:00Z'), CompletedOn: at('2026-01-09T12:20:00Z'), ExecutionTime: 1200, WorkerType: 'G.2X', NumberOfWorkers: 4, DPUSeconds: 7200.5 },
    { Id: 'jr_tiny_1', JobName: 'tiny_stream', Attempt: 0, JobRunState: 'STARTING', StartedOn: at('2026-01-10T07:00:00Z'), ExecutionTime: 0, WorkerType: 'G.025X', NumberOfWorkers: 2 },
    { Id: 'jr_tiny_2', JobName: 'tiny_stream', Attempt: 0, JobRunState: 'STOPPING', StartedOn: at('2026-01-10T06:59:00Z'), ExecutionTime: 0, WorkerType: 'G.025X', NumberOfWorkers: 2 },
    { Id: 'jr_tiny_3', JobName: 'tiny_stream', Attempt: 0, JobRunState: 'WAITING', StartedOn: at('2026-01-10T06:58:00Z'), ExecutionTime: 0, WorkerType: 'G.025X', NumberOfWorkers: 2 },
    { Id: 'jr_tiny_4', JobName: 'tiny_stream', Attempt: 0, JobRunState: 'EXPIRED', StartedOn: at('2026-01-10T06:57:00Z'), ExecutionTime: 0, WorkerType: 'G.025X', NumberOfWorkers: 2 },
    { Id: 'jr_legacy_1', JobName: 'legacy_job', Attempt: 0, JobRunState: 'SUCCEEDED', StartedOn: at('2026-01-09T13:00:00Z'), CompletedOn: at('2026-01-09T13:10:00Z'), ExecutionTime: 600, WorkerType: 'Standard', MaxCapacity: 10 },
    { Id: 'jr_huge_1', JobName: 'huge_job', Attempt: 2, JobRunState: 'SUCCEEDED', StartedOn: at('2026-01-09T14:00:00Z'), CompletedOn: at('2026-01-09T23:00:00Z'), ExecutionTime: 32400, WorkerType: 'G.4X', NumberOfWorkers: 20, MaxCapacity: 80 },
    { Id: 'jr_future_1', JobName: 'future_worker', Attempt: 0, JobRunState: 'SUCCEEDED', StartedOn: at('2026-01-09T15:00:00Z'), CompletedOn: at('2026-01-09T15:10:00Z'), ExecutionTime: 600, WorkerType: 'G.12X', NumberOfWorkers: 2 },
  );
  return { jobs, runs };
}
