import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AwsJsonServer, AwsServiceError } from './aws-json-server';
import { athenaColumnInfo, athenaText, type AthenaColumnInfo } from './athena-format';
import {
  EVENT_TABLE_COLUMNS,
  connect,
  defineLakeRelation,
  firstKeyword,
  segmentSql,
  listLakeFiles,
  openDuckDb,
  type LakeColumn,
  type LakeFormat,
} from './athena-redshift-duckdb';
import { LOAD_MACROS, runInsert, runMerge, runUnload, type IcebergWriteHost } from './athena-iceberg-writes';
import { IcebergTable } from './athena-iceberg-table';
import { AsyncJobs } from './async-jobs';
import { refuseAthenaStatement } from './athena-sql-validation';
import {
  TRINO_MACROS,
  TranslationError,
  bindExecutionParameters,
  dateLiterals,
  parseAthenaDdl,
  referencedTables,
  trinoToDuckDb,
  type DdlCommand,
} from './athena-translate';

/**
 * A local Athena for tests and benchmarks: the real AWS SDK v3 client talks to it
 * over HTTP (awsJson1_1, target AmazonAthena). It implements StartQueryExecution,
 * GetQueryExecution, GetQueryResults, StopQueryExecution and GetWorkGroup with
 * Athena's request and response shapes: queries go QUEUED -> RUNNING ->
 * SUCCEEDED / FAILED / CANCELLED asynchronously, results page by NextToken (at most
 * 1000 rows a page, the header row first on the first page of a DML result), values
 * are text as Athena formats them, errors carry AthenaError (ErrorCategory,
 * Retryable) and API errors are InvalidRequestException / TooManyRequestsException.
 *
 * The SQL runs on DuckDB after binding ExecutionParameters the way Athena does.
 * Tables: `<database>.<eventsTable>` (default lake.events) reads
 * `<dataDir>/events/day=*\/*.parquet` with Hive partitioning; DDL from
 * migrations/athena (CREATE DATABASE, CREATE [EXTERNAL] TABLE ... LOCATION
 * 's3://bucket/key/') maps s3://<any bucket>/<key> to <dataDir>/<key>. Iceberg
 * tables (athena-iceberg-table.ts) have snapshots: readers see the current one,
 * with Iceberg's hidden "$path"; DELETE writes position-delete files (merge-on-read),
 * OPTIMIZE rewrites the data files with deletes as the table's thresholds say
 * (optimize_rewrite_delete_file_threshold, optimize_rewrite_data_file_threshold,
 * set by CREATE TABLE or ALTER TABLE ... SET TBLPROPERTIES), VACUUM expires
 * snapshots older than vacuum_max_snapshot_age_seconds and deletes the files no
 * snapshot references — or, with `denyS3DeleteObject`, succeeds and deletes
 * nothing, as Athena does without that permission. Metadata tables
 * `<table>$partitions` (partition {day, customer_id_bucket}, record_count,
 * file_count, total_size), `<table>$files` (content, file_path, file_format,
 * partition, record_count, file_size_in_bytes) and `<table>$snapshots`
 * (committed_at, snapshot_id, parent_id, operation) describe the current snapshot's
 * files as they are on disk. DataScannedInBytes is what the statement reads
 * (scannedBytes below): the compressed column chunks of the columns it names, in
 * the files of the days between its smallest and largest DATE literal (Athena's
 * partition pruning) and the row groups its customer_id filter can match (Iceberg's
 * and Parquet's min/max pruning), plus the delete files applying to them; a
 * metadata table's query reads the manifests, modelled as MANIFEST_ENTRY_BYTES per
 * file of the whole snapshot, whatever its WHERE (Trino plans every file of the
 * snapshot for it).
 *
 * Result reuse (ResultReuseByAgeConfiguration) answers an identical query (text,
 * parameters, workgroup) from a result younger than MaxAgeInMinutes without looking
 * at the data, as Athena does; a query that sends ResultConfiguration to a workgroup
 * enforcing its own result location is not reused.
 *
 * Writes (athena-iceberg-writes.ts): MERGE INTO ... WHEN NOT MATCHED THEN INSERT and
 * INSERT INTO on Iceberg tables add Parquet files; UNLOAD writes its result under the
 * mapped target. Hive tables (the landing tables) have Athena's hidden "$path"
 * column, and STORED AS TEXTFILE tables read one row a line (gzip by extension).
 */
export interface AthenaEmulatorOptions {
  dataDir: string;
  database?: string;
  eventsTable?: string;
  /** Minimum engine time of every query (e.g. 300 for the overhead benchmark). */
  latencyMs?: number;
  /** Time a query spends QUEUED. Default 0 (RUNNING on the next tick). */
  queueMs?: number;
  /** Queries allowed QUEUED or RUNNING at once; more get TooManyRequestsException. */
  maxConcurrentQueries?: number;
  /** Workgroups that exist (default ['primary']), with their enforced output location if any. */
  workgroups?: Record<string, { outputLocation?: string }>;
  /** s3:// prefix of the predefined events table ("$path", $files); a CREATE TABLE IF NOT EXISTS with a LOCATION sets it too. Default s3://lakegate-local-lake/. */
  lakeLocation?: string;
  /** VACUUM's snapshot age limit, overriding every table's vacuum_max_snapshot_age_seconds (tests that cannot wait a day). */
  snapshotMaxAgeMs?: number;
  /** The caller has no s3:DeleteObject on the lake: VACUUM succeeds and deletes nothing. */
  denyS3DeleteObject?: boolean;
  port?: number;
}

export interface QueryFailure {
  /** 1 = SYSTEM, 2 = USER, 3 = OTHER */
  category: 1 | 2 | 3;
  retryable: boolean;
  message?: string;
  errorType?: number;
}

type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface EmulatedExecution {
  id: string;
  query: string;
  parameters: string[] | undefined;
  statementType: 'DML' | 'DDL' | 'UTILITY';
  workgroup: string;
  database: string;
  catalog: string;
  outputLocation: string;
  state: State;
  reason?: string;
  athenaError?: { ErrorCategory: number; ErrorType: number; Retryable: boolean; ErrorMessage: string };
  submittedAt: number;
  startedAt?: number;
  completedAt?: number;
  columns: AthenaColumnInfo[];
  rows: Array<Array<string | undefined>>;
  scannedBytes: number;
  reused: boolean;
  reuse?: { enabled: boolean; maxAgeMinutes: number };
  /** Set while DuckDB runs the query (for StopQueryExecution). */
  connection?: DuckDBConnection;
  wake?: () => void;
}

interface LakeTable {
  schema: string;
  name: string;
  dir: string;
  columns: LakeColumn[];
  iceberg: boolean;
  format: LakeFormat;
  /** LOCATION of a Hive table (for "$path"); undefined for Iceberg tables. */
  location: string | undefined;
  /** Whether the relation was last defined with files (a view) or empty (a table). */
  hadFiles: boolean;
  /** Iceberg tables: snapshots, delete files, maintenance. */
  icebergTable?: IcebergTable;
  /** The snapshot the relation was last defined from. */
  definedSnapshot?: number;
  /** TBLPROPERTIES of CREATE TABLE (Iceberg: thresholds, snapshot ages). */
  properties?: Record<string, string>;
}

/** Manifest bytes per file entry that a metadata-table query reads (see the header). */
export const MANIFEST_ENTRY_BYTES = 600;

/** The predefined events table's properties: those of migrations/athena/003. */
const EVENTS_TABLE_PROPERTIES = {
  table_type: 'ICEBERG',
  format: 'parquet',
  write_compression: 'zstd',
  optimize_rewrite_delete_file_threshold: '1',
  vacuum_max_snapshot_age_seconds: '86400',
  vacuum_min_snapshots_to_keep: '1',
};

export interface AthenaEmulator {
  endpoint: string;
  server: AwsJsonServer;
  duckdb: DuckDBInstance;
  executions: Map<string, EmulatedExecution>;
  /** Query ids StopQueryExecution was called for, in order. */
  stopped: string[];
  /** The next `times` queries end FAILED with this error (after their latency). */
  failNextQueries(times: number, failure: QueryFailure): void;
  /** The next `times` queries run at least `ms` (e.g. longer than the client's timeout). */
  delayNextQueries(times: number, ms: number): void;
  setLatency(ms: number): void;
  /** Turns the missing s3:DeleteObject permission on or off (see denyS3DeleteObject). */
  denyS3DeleteObject(denied: boolean): void;
  /** The Iceberg table `schema.table` (snapshots, files), for tests. */
  icebergTable(key: string): IcebergTable | undefined;
  close(): Promise<void>;
}

const MAX_RESULTS = 1000;

export async function startAthenaEmulator(options: AthenaEmulatorOptions): Promise<AthenaEmulator> {
  const emulator = new AthenaEmulatorImpl(options);
  await emulator.init();
  return emulator;
}

class AthenaEmulatorImpl implements AthenaEmulator {
  endpoint = '';
  readonly server = new AwsJsonServer('AmazonAthena', '1.1');
  duckdb!: DuckDBInstance;
  readonly executions = new Map<string, EmulatedExecution>();
  readonly stopped: string[] = [];
  private setup!: DuckDBConnection;
  private readonly tokens = new Map<string, { id: string; fingerprint: string }>();
  private readonly tables = new Map<string, LakeTable>();
  private readonly jobs: AsyncJobs<QueryFailure>;
  private readonly footers = new Map<string, { stamp: string; groups: RowGroup[] }>();
  private closed = false;
  private catalogLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AthenaEmulatorOptions) {
    this.jobs = new AsyncJobs(options.latencyMs);
    this.deleteDenied = options.denyS3DeleteObject ?? false;
  }

  async init(): Promise<void> {
    const { instance, setup } = await openDuckDb(undefined);
    this.duckdb = instance;
    this.setup = setup;
    for (const macro of [...TRINO_MACROS, ...LOAD_MACROS]) await setup.run(macro);
    const database = this.options.database ?? 'lake';
    const table = this.options.eventsTable ?? 'events';
    await setup.run(`CREATE SCHEMA IF NOT EXISTS "${database}"`);
    const lake = this.options.lakeLocation ?? 's3://lakegate-local-lake/';
    await this.defineTable({
      schema: database,
      name: table,
      dir: path.join(this.options.dataDir, 'events'),
      columns: EVENT_TABLE_COLUMNS,
      iceberg: true,
      format: 'parquet',
      location: `${lake.endsWith('/') ? lake : `${lake}/`}${table}/`,
      hadFiles: false,
      properties: { ...EVENTS_TABLE_PROPERTIES },
    });
    this.server
      .on('StartQueryExecution', (input) => this.startQueryExecution(input))
      .on('GetQueryExecution', (input) => ({ QueryExecution: this.describe(this.find(input.QueryExecutionId)) }))
      .on('GetQueryResults', (input) => this.getQueryResults(input))
      .on('StopQueryExecution', (input) => this.stopQueryExecution(input))
      .on('GetWorkGroup', (input) => this.getWorkGroup(input));
    this.endpoint = await this.server.listen(this.options.port ?? 0);
  }

  failNextQueries(times: number, failure: QueryFailure): void {
    this.jobs.failNext(times, failure);
  }

  delayNextQueries(times: number, ms: number): void {
    this.jobs.delayNext(times, ms);
  }

  setLatency(ms: number): void {
    this.jobs.latencyMs = ms;
  }

  private deleteDenied = false;

  denyS3DeleteObject(denied: boolean): void {
    this.deleteDenied = denied;
  }

  icebergTable(key: string): IcebergTable | undefined {
    return this.tables.get(key)?.icebergTable;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.jobs.close(this.executions.values(), () => this.server.close());
    this.setup.closeSync();
    this.duckdb.closeSync();
  }

  // --- API operations -------------------------------------------------------

  private startQueryExecution(input: any): { QueryExecutionId: string } {
    const query: unknown = input.QueryString;
    if (typeof query !== 'string' || query.length < 1 || query.length > 262_144) {
      throw invalidRequest('QueryString must be between 1 and 262144 characters');
    }
    const token: unknown = input.ClientRequestToken;
    if (typeof token !== 'string' || token.length < 32 || token.length > 128) {
      throw invalidRequest('ClientRequestToken must be between 32 and 128 characters');
    }
    const parameters: string[] | undefined = input.ExecutionParameters;
    if (parameters !== undefined) {
      if (!Array.isArray(parameters) || parameters.length === 0) throw invalidRequest('ExecutionParameters must hold at least 1 item');
      for (const p of parameters) {
        if (typeof p !== 'string' || p.length < 1 || p.length > 1024) throw invalidRequest('Each execution parameter must be between 1 and 1024 characters');
      }
    }
    const workgroupName: string = input.WorkGroup ?? 'primary';
    const workgroups = this.options.workgroups ?? { primary: {} };
    const workgroup = workgroups[workgroupName];
    if (!workgroup) throw invalidRequest(`WorkGroup ${workgroupName} is not found.`);
    const outputLocation: string | undefined = workgroup.outputLocation ?? input.ResultConfiguration?.OutputLocation;
    if (!outputLocation) {
      throw invalidRequest('No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.');
    }

    const fingerprint = JSON.stringify([query, parameters, workgroupName, input.QueryExecutionContext ?? null]);
    const known = this.tokens.get(token);
    if (known) {
      if (known.fingerprint !== fingerprint) throw invalidRequest('Idempotent parameters do not match');
      return { QueryExecutionId: known.id };
    }
    const active = [...this.executions.values()].filter((e) => e.state === 'QUEUED' || e.state === 'RUNNING').length;
    if (this.options.maxConcurrentQueries !== undefined && active >= this.options.maxConcurrentQueries) {
      throw new AwsServiceError(
        'TooManyRequestsException',
        'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account.',
        400,
        { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
      );
    }

    const id = randomUUID();
    const keyword = firstKeyword(query);
    // Athena does not reuse results for a query that overrides the workgroup's (enforced) result configuration.
    const overrides = workgroup.outputLocation !== undefined && input.ResultConfiguration?.OutputLocation !== undefined;
    const reuse = overrides ? undefined : input.ResultReuseConfiguration?.ResultReuseByAgeConfiguration;
    const execution: EmulatedExecution = {
      id,
      query,
      parameters,
      statementType: ['CREATE', 'DROP', 'ALTER', 'MSCK'].includes(keyword) ? 'DDL' : ['SHOW', 'DESCRIBE', 'EXPLAIN'].includes(keyword) ? 'UTILITY' : 'DML',
      workgroup: workgroupName,
      database: (input.QueryExecutionContext?.Database ?? this.options.database ?? 'lake').toLowerCase(),
      catalog: input.QueryExecutionContext?.Catalog ?? 'AwsDataCatalog',
      outputLocation: `${outputLocation.endsWith('/') ? outputLocation : `${outputLocation}/`}${id}.csv`,
      state: 'QUEUED',
      submittedAt: Date.now(),
      columns: [],
      rows: [],
      scannedBytes: 0,
      reused: false,
      reuse: reuse?.Enabled ? { enabled: true, maxAgeMinutes: reuse.MaxAgeInMinutes ?? 60 } : undefined,
    };
    this.tokens.set(token, { id, fingerprint });
    this.executions.set(id, execution);
    this.jobs.track(this.run(execution));
    return { QueryExecutionId: id };
  }

  private getQueryResults(input: any): unknown {
    const execution = this.find(input.QueryExecutionId);
    const maxResults: number = input.MaxResults ?? MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      throw invalidRequest(`1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_RESULTS}`);
    }
    if (execution.state === 'QUEUED' || execution.state === 'RUNNING') {
      throw invalidRequest(`Query has not yet finished. Current state: ${execution.state}`);
    }
    if (execution.state !== 'SUCCEEDED') {
      throw invalidRequest(execution.reason ?? `Query did not finish successfully. Final query state: ${execution.state}`);
    }
    // The header row (DML only) is row 0 of the first page and counts toward MaxResults.
    const header = execution.statementType === 'DML' && execution.columns.length > 0 ? [execution.columns.map((c) => c.Name)] : [];
    const all = header.length + execution.rows.length;
    let offset = 0;
    if (input.NextToken !== undefined) {
      const decoded = decodeToken(input.NextToken);
      if (!decoded || decoded.id !== execution.id) throw invalidRequest('The NextToken is not valid for this query');
      offset = decoded.offset;
    }
    const end = Math.min(all, offset + maxResults);
    const rows: Array<{ Data: Array<{ VarCharValue?: string }> }> = [];
    for (let i = offset; i < end; i++) {
      const values = i < header.length ? header[i]! : execution.rows[i - header.length]!;
      rows.push({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
    }
    return {
      UpdateCount: 0,
      ResultSet: { Rows: rows, ResultSetMetadata: { ColumnInfo: execution.columns } },
      ...(end < all ? { NextToken: encodeToken(execution.id, end) } : {}),
    };
  }

  private stopQueryExecution(input: any): unknown {
    const execution = this.find(input.QueryExecutionId);
    this.stopped.push(execution.id);
    if (execution.state === 'QUEUED' || execution.state === 'RUNNING') {
      this.finish(execution, 'CANCELLED', 'Query cancelled by user');
      execution.connection?.interrupt();
      execution.wake?.();
    }
    return {};
  }

  private getWorkGroup(input: any): unknown {
    const workgroups = this.options.workgroups ?? { primary: {} };
    const workgroup = workgroups[input.WorkGroup];
    if (!workgroup) throw invalidRequest(`WorkGroup ${input.WorkGroup} is not found.`);
    return {
      WorkGroup: {
        Name: input.WorkGroup,
        State: 'ENABLED',
        Configuration: {
          ...(workgroup.outputLocation ? { ResultConfiguration: { OutputLocation: workgroup.outputLocation } } : {}),
          EnforceWorkGroupConfiguration: !!workgroup.outputLocation,
          EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
        },
        CreationTime: 1_700_000_000,
      },
    };
  }

  private find(id: unknown): EmulatedExecution {
    const execution = typeof id === 'string' ? this.executions.get(id) : undefined;
    if (!execution) throw invalidRequest(`QueryExecution ${String(id)} was not found`);
    return execution;
  }

  private describe(e: EmulatedExecution): unknown {
    const done = e.completedAt !== undefined;
    const engineMs = e.startedAt === undefined ? 0 : (e.completedAt ?? Date.now()) - e.startedAt;
    return {
      QueryExecutionId: e.id,
      Query: e.query,
      StatementType: e.statementType,
      ResultConfiguration: { OutputLocation: e.outputLocation },
      ...(e.reuse ? { ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: e.reuse.maxAgeMinutes } } } : {}),
      QueryExecutionContext: { Database: e.database, Catalog: e.catalog },
      Status: {
        State: e.state,
        ...(e.reason ? { StateChangeReason: e.reason } : {}),
        SubmissionDateTime: e.submittedAt / 1000,
        ...(done ? { CompletionDateTime: e.completedAt! / 1000 } : {}),
        ...(e.athenaError ? { AthenaError: e.athenaError } : {}),
      },
      Statistics: {
        EngineExecutionTimeInMillis: engineMs,
        DataScannedInBytes: e.scannedBytes,
        TotalExecutionTimeInMillis: (e.completedAt ?? Date.now()) - e.submittedAt,
        QueryQueueTimeInMillis: (e.startedAt ?? Date.now()) - e.submittedAt,
        ServicePreProcessingTimeInMillis: 0,
        QueryPlanningTimeInMillis: 0,
        ServiceProcessingTimeInMillis: 0,
        ResultReuseInformation: { ReusedPreviousResult: e.reused },
      },
      WorkGroup: e.workgroup,
      EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      ...(e.parameters ? { ExecutionParameters: e.parameters } : {}),
      SubstatementType: e.statementType === 'DML' ? 'SELECT' : e.statementType === 'DDL' ? 'CREATE_TABLE' : 'SHOW',
    };
  }

  // --- execution ------------------------------------------------------------

  private async run(e: EmulatedExecution): Promise<void> {
    await this.jobs.wait(e, this.options.queueMs ?? 0);
    if (e.state !== 'QUEUED' || this.closed) return;
    e.state = 'RUNNING';
    e.startedAt = Date.now();
    const fault = this.jobs.takeFault();
    const minimumEnd = e.startedAt + (fault?.delayMs ?? this.jobs.latencyMs);
    try {
      // What Athena refuses (its grammars, a few of Trino's semantic checks) fails as Athena fails it.
      const failure = refuseAthenaStatement(e.query, e.parameters) ?? fault?.failure;
      if (failure) {
        await this.jobs.wait(e, minimumEnd - Date.now());
        if (e.state === 'RUNNING') this.fail(e, failure);
        return;
      }
      const reused = e.reuse && e.statementType === 'DML' ? this.reusable(e) : undefined;
      if (reused) {
        e.columns = reused.columns;
        e.rows = reused.rows;
        e.reused = true;
      } else if (e.statementType === 'DML') {
        await this.runDml(e);
      } else {
        await this.runDdl(e);
      }
      await this.jobs.wait(e, minimumEnd - Date.now());
      if (e.state === 'RUNNING') this.finish(e, 'SUCCEEDED');
    } catch (error) {
      if (e.state === 'RUNNING') this.fail(e, classify(error));
    } finally {
      e.connection?.closeSync();
      e.connection = undefined;
    }
  }

  private async runDml(e: EmulatedExecution): Promise<void> {
    const bound = bindExecutionParameters(e.query, e.parameters);
    const keyword = firstKeyword(bound);
    if (keyword === 'DELETE') return this.runDelete(e, bound);
    if (keyword === 'OPTIMIZE') return this.runOptimize(e, bound);
    if (keyword === 'VACUUM') return this.runVacuum(e, bound);
    if (keyword === 'MERGE') return runMerge(this.writeHost(), e, bound);
    if (keyword === 'INSERT') return runInsert(this.writeHost(), e, bound);
    if (keyword === 'UNLOAD') return runUnload(this.writeHost(), e, bound);
    const tables = referencedTables(bound, e.database);
    await this.exclusive(() => this.refreshTables(tables));
    e.scannedBytes = await this.scannedBytes(tables, bound);
    e.connection = await connect(this.duckdb);
    await e.connection.run(`USE "${e.database.replace(/"/g, '""')}"`);
    const reader = await e.connection.runAndReadAll(trinoToDuckDb(bound));
    const names = reader.columnNames();
    const types = reader.columnTypes();
    e.columns = names.map((name, i) => athenaColumnInfo(name, types[i]!));
    e.rows = reader.getRows().map((row) => row.map((value, i) => athenaText(value, types[i]!)));
  }

  /** The Iceberg table a (possibly qualified, quoted or backticked) name refers to, brought up to date. */
  private async icebergTarget(name: string, database: string, statement: string): Promise<{ key: string; table: LakeTable; iceberg: IcebergTable }> {
    const parts = name.replace(/["`]/g, '').split('.').map((x) => x.trim().toLowerCase());
    const key = parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${database}.${parts[0]}`;
    const table = this.tables.get(key);
    if (!table) throw new TranslationError(`line 1:1: Table '${key}' does not exist`, 'TABLE_NOT_FOUND');
    if (!table.iceberg || !table.icebergTable) throw new TranslationError(`NOT_SUPPORTED: ${statement} is only supported for Iceberg tables`, 'NOT_SUPPORTED');
    await this.exclusive(() => this.refreshTables(new Set([key])));
    return { key, table, iceberg: table.icebergTable };
  }

  /** DELETE FROM <iceberg table> WHERE <predicate>: position-delete files (merge-on-read), see athena-iceberg-table.ts. */
  private async runDelete(e: EmulatedExecution, bound: string): Promise<void> {
    const match = /^\s*DELETE\s+FROM\s+("?[\w$]+"?(?:\s*\.\s*"?[\w$]+"?)?)\s+WHERE\s+([\s\S]+)$/i.exec(bound);
    if (!match) throw new TranslationError('line 1:1: only DELETE FROM <table> WHERE <condition> is emulated', 'NOT_SUPPORTED');
    const parts = match[1]!.replace(/"/g, '').split('.').map((x) => x.trim().toLowerCase());
    const key = parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${e.database}.${parts[0]}`;
    const found = this.tables.get(key);
    if (found && !found.iceberg) throw new TranslationError('NOT_SUPPORTED: Modifying Hive table rows is only supported for transactional tables', 'NOT_SUPPORTED');
    const { iceberg } = await this.icebergTarget(match[1]!, e.database, 'DELETE');
    e.connection = await connect(this.duckdb);
    const predicate = trinoToDuckDb(match[2]!.replace(/;\s*$/, ''));
    await this.exclusive(async () => {
      e.scannedBytes += await iceberg.delete(e.connection!, predicate);
      await this.refreshTables(new Set([key]));
    });
  }

  /** OPTIMIZE <table> REWRITE DATA USING BIN_PACK [WHERE <partition predicate>] (the grammar check ran first). */
  private async runOptimize(e: EmulatedExecution, bound: string): Promise<void> {
    const match = /^\s*OPTIMIZE\s+((?:`[^`]+`|"[^"]+"|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|"[^"]+"|[\w$]+))?)\s+REWRITE\s+DATA\s+USING\s+BIN_PACK\b(?:\s+WHERE\s+([\s\S]+?))?\s*;?\s*$/i.exec(bound);
    if (!match) throw new TranslationError('line 1:1: only OPTIMIZE <table> REWRITE DATA USING BIN_PACK [WHERE ...] is emulated', 'NOT_SUPPORTED');
    const { key, iceberg } = await this.icebergTarget(match[1]!, e.database, 'OPTIMIZE');
    e.connection = await connect(this.duckdb);
    const where = match[2] ? trinoToDuckDb(match[2]) : undefined;
    const connection = e.connection;
    const dayMatches = async (day: string) =>
      where === undefined || (await connection.runAndReadAll(`SELECT (${where}) IS TRUE FROM (SELECT DATE '${day}' AS day)`)).getRows()[0]?.[0] === true;
    await this.exclusive(async () => {
      e.scannedBytes += await iceberg.optimize(connection, dayMatches);
      await this.refreshTables(new Set([key]));
    });
  }

  /** VACUUM <table>: expires snapshots, deletes unreferenced files unless s3:DeleteObject is denied. */
  private async runVacuum(e: EmulatedExecution, bound: string): Promise<void> {
    const match = /^\s*VACUUM\s+((?:`[^`]+`|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|[\w$]+))?)\s*;?\s*$/i.exec(bound);
    if (!match) throw new TranslationError('line 1:1: only VACUUM [db.]table is emulated', 'NOT_SUPPORTED');
    const { key, iceberg } = await this.icebergTarget(match[1]!, e.database, 'VACUUM');
    await this.exclusive(async () => {
      iceberg.vacuum(!this.deleteDenied, this.options.snapshotMaxAgeMs);
      await this.refreshTables(new Set([key]));
    });
  }

  /** What the writing statements (athena-iceberg-writes.ts) need from the emulator. */
  private writeHost(): IcebergWriteHost {
    return {
      duckdb: this.duckdb,
      table: (name, database) => {
        const parts = name.replace(/"/g, '').split('.').map((x) => x.trim().toLowerCase());
        const key = parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${database}.${parts[0]}`;
        const table = this.tables.get(key);
        return table ? { key, table } : undefined;
      },
      refresh: (keys) => this.exclusive(() => this.refreshTables(keys)),
      scannedBytes: (keys, statement) => this.scannedBytes(keys, statement),
      localDir: (location) => this.localDir(location),
    };
  }

  private async runDdl(e: EmulatedExecution): Promise<void> {
    if (e.parameters) throw new TranslationError('Execution parameters are only supported for DML statements', 'INVALID_PARAMETER_USAGE');
    const command = parseAthenaDdl(e.query);
    if (!command) throw new TranslationError(`line 1:1: statement not emulated: ${e.query.slice(0, 60)}`, 'NOT_SUPPORTED');
    await this.exclusive(() => this.applyDdl(command, e.database));
  }

  /** Catalog changes (DDL, view and metadata refreshes) run one at a time on the setup connection. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.catalogLock.then(fn, fn);
    this.catalogLock = run.catch(() => undefined);
    return run;
  }

  private async applyDdl(command: DdlCommand, defaultDatabase: string): Promise<void> {
    const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
    switch (command.kind) {
      case 'create-database': {
        const exists = (await this.setup.runAndReadAll(`SELECT 1 FROM duckdb_schemas() WHERE schema_name = '${command.name.replace(/'/g, "''")}'`)).getRows().length > 0;
        if (exists && !command.ifNotExists) throw new TranslationError(`FAILED: AlreadyExistsException: Database ${command.name} already exists`, 'ALREADY_EXISTS');
        await this.setup.run(`CREATE SCHEMA IF NOT EXISTS ${q(command.name)}`);
        return;
      }
      case 'drop-database':
        await this.setup.run(`DROP SCHEMA ${command.ifExists ? 'IF EXISTS ' : ''}${q(command.name)} CASCADE`);
        return;
      case 'drop-table': {
        const key = `${command.schema ?? defaultDatabase}.${command.name}`;
        if (!this.tables.has(key) && !command.ifExists) throw new TranslationError(`FAILED: Table ${key} not found`, 'TABLE_NOT_FOUND');
        this.tables.delete(key);
        await this.setup.run(`DROP VIEW IF EXISTS ${q(command.schema ?? defaultDatabase)}.${q(command.name)}`);
        await this.setup.run(`DROP TABLE IF EXISTS ${q(command.schema ?? defaultDatabase)}.${q(command.name)}`);
        return;
      }
      case 'create-table': {
        const schema = command.schema ?? defaultDatabase;
        const key = `${schema}.${command.name}`;
        const existing = this.tables.get(key);
        if (existing) {
          if (!command.ifNotExists) throw new TranslationError(`FAILED: AlreadyExistsException: Table ${key} already exists`, 'ALREADY_EXISTS');
          // The predefined events table takes the location the migrations give it ("$path", $files), if it maps to its files.
          if (existing.icebergTable && command.iceberg && this.localDir(command.location) === existing.dir) existing.icebergTable.location = withSlash(command.location);
          return;
        }
        const schemaExists = (await this.setup.runAndReadAll(`SELECT 1 FROM duckdb_schemas() WHERE schema_name = '${schema.replace(/'/g, "''")}'`)).getRows().length > 0;
        if (!schemaExists) throw new TranslationError(`FAILED: SemanticException [Error 10072]: Database does not exist: ${schema}`, 'SCHEMA_NOT_FOUND');
        await this.defineTable({
          schema,
          name: command.name,
          dir: this.localDir(command.location),
          columns: command.columns,
          iceberg: command.iceberg,
          format: command.storedAs === 'text' ? 'text' : 'parquet',
          location: withSlash(command.location),
          hadFiles: false,
          properties: command.properties,
        });
        return;
      }
      case 'alter-table-properties': {
        const key = `${command.schema ?? defaultDatabase}.${command.name}`;
        const table = this.tables.get(key);
        if (!table) throw new TranslationError(`FAILED: SemanticException [Error 10001]: Table not found ${key}`, 'TABLE_NOT_FOUND');
        table.properties = { ...(table.properties ?? {}), ...command.properties };
        if (table.icebergTable) Object.assign(table.icebergTable.properties, command.properties);
        return;
      }
    }
  }

  /** s3://bucket/key/ -> <dataDir>/key */
  private localDir(location: string): string {
    const match = /^s3:\/\/[^/]+\/?(.*)$/.exec(location);
    if (!match) throw new TranslationError(`line 1:1: LOCATION must be an s3:// URI, got ${location}`, 'SYNTAX_ERROR');
    return path.join(this.options.dataDir, ...match[1]!.split('/').filter(Boolean));
  }

  private async defineTable(table: LakeTable): Promise<void> {
    const key = `${table.schema}.${table.name}`;
    if (table.iceberg) {
      table.icebergTable ??= new IcebergTable(table.dir, table.columns, table.location ?? `s3://lakegate-local-lake/${table.name}/`, table.properties ?? {});
      table.icebergTable.sync();
      await this.defineIcebergRelation(table);
    } else {
      await defineLakeRelation(this.setup, table.schema, table.name, table.dir, table.columns, { format: table.format, location: table.location });
      table.hadFiles = listLakeFiles(table.dir, table.format).length > 0;
    }
    this.tables.set(key, table);
  }

  /** The relation readers of an Iceberg table see: its current snapshot (an empty table when it holds no file). */
  private async defineIcebergRelation(table: LakeTable): Promise<void> {
    const iceberg = table.icebergTable!;
    const target = `"${table.schema.replace(/"/g, '""')}"."${table.name.replace(/"/g, '""')}"`;
    await this.setup.run(`CREATE SCHEMA IF NOT EXISTS "${table.schema.replace(/"/g, '""')}"`);
    const existing = await this.setup.runAndReadAll(`SELECT table_type FROM information_schema.tables WHERE table_schema = '${table.schema.replace(/'/g, "''")}' AND table_name = '${table.name.replace(/'/g, "''")}'`);
    const kind = existing.getRows()[0]?.[0];
    if (kind !== undefined) await this.setup.run(`DROP ${kind === 'VIEW' ? 'VIEW' : 'TABLE'} ${target}`);
    const select = iceberg.relationSql();
    if (select === undefined) {
      await this.setup.run(`CREATE TABLE ${target} (${table.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')}, "$path" VARCHAR)`);
    } else {
      await this.setup.run(`CREATE VIEW ${target} AS ${select}`);
    }
    table.definedSnapshot = iceberg.snapshotId;
    table.hadFiles = select !== undefined;
  }

  /** Files may have appeared or gone since the relation was defined (Iceberg: a new snapshot); metadata tables are rebuilt. */
  private async refreshTables(referenced: Set<string>): Promise<void> {
    for (const key of referenced) {
      const metadata = /^(.*)\$(partitions|files|snapshots)$/.exec(key);
      const owner = metadata ? this.tables.get(metadata[1]!) : undefined;
      if (owner?.icebergTable) {
        owner.icebergTable.sync();
        if (owner.definedSnapshot !== owner.icebergTable.snapshotId) await this.defineIcebergRelation(owner);
        await this.defineMetadataTable(owner, metadata![2] as 'partitions' | 'files' | 'snapshots');
        continue;
      }
      const table = this.tables.get(key);
      if (!table) continue;
      if (table.icebergTable) {
        table.icebergTable.sync();
        if (table.definedSnapshot !== table.icebergTable.snapshotId) await this.defineIcebergRelation(table);
      } else if (table.hadFiles !== listLakeFiles(table.dir, table.format).length > 0) {
        await this.defineTable(table);
      }
    }
  }

  /**
   * Iceberg's metadata tables over the current snapshot: `$partitions` (one row per
   * (day, bucket): record and file counts, sizes of the data files), `$files` (every
   * data and delete file) and `$snapshots`.
   */
  private async defineMetadataTable(table: LakeTable, kind: 'partitions' | 'files' | 'snapshots'): Promise<void> {
    const iceberg = table.icebergTable!;
    const target = `"${table.schema}"."${table.name}$${kind}"`;
    const partition = (day: string, bucket: number | undefined) => `{'day': DATE '${day}', 'customer_id_bucket': ${bucket ?? 0}}`;
    if (kind === 'snapshots') {
      await this.setup.run(`CREATE OR REPLACE TABLE ${target} (committed_at TIMESTAMP, snapshot_id BIGINT, parent_id BIGINT, operation VARCHAR)`);
      const rows = iceberg.allSnapshots().map((s) => `(make_timestamp(${s.committedAt * 1000}), ${s.id}, ${s.parent ?? 'NULL'}, '${s.operation}')`);
      if (rows.length > 0) await this.setup.run(`INSERT INTO ${target} VALUES ${rows.join(', ')}`);
      return;
    }
    const files = await iceberg.dataFiles(this.setup);
    if (kind === 'files') {
      await this.setup.run(
        `CREATE OR REPLACE TABLE ${target} (content INTEGER, file_path VARCHAR, file_format VARCHAR, "partition" STRUCT(day DATE, customer_id_bucket INTEGER), record_count BIGINT, file_size_in_bytes BIGINT)`,
      );
      const byPath = new Map(files.map((f) => [f.path, f]));
      const rows = files.map((f) => `(0, '${iceberg.uriOf(f.path)}', 'PARQUET', ${partition(f.day, f.bucket)}, ${f.rows}, ${f.bytes})`);
      for (const [file, target_] of iceberg.deleteFiles()) {
        const owner = byPath.get(target_);
        if (!owner) continue;
        rows.push(`(1, '${iceberg.uriOf(file)}', 'PARQUET', ${partition(owner.day, owner.bucket)}, NULL, ${fileSize(file)})`);
      }
      if (rows.length > 0) await this.setup.run(`INSERT INTO ${target} VALUES ${rows.join(', ')}`);
      return;
    }
    const groups = new Map<string, { day: string; bucket: number; rows: number; files: number; bytes: number }>();
    for (const f of files) {
      const key = `${f.day}/${f.bucket ?? 0}`;
      const g = groups.get(key) ?? { day: f.day, bucket: f.bucket ?? 0, rows: 0, files: 0, bytes: 0 };
      g.rows += f.rows;
      g.files += 1;
      g.bytes += f.bytes;
      groups.set(key, g);
    }
    await this.setup.run(
      `CREATE OR REPLACE TABLE ${target} ("partition" STRUCT(day DATE, customer_id_bucket INTEGER), record_count BIGINT, file_count BIGINT, total_size BIGINT)`,
    );
    const values = [...groups.values()].map((g) => `(${partition(g.day, g.bucket)}, ${g.rows}, ${g.files}, ${g.bytes})`);
    if (values.length > 0) await this.setup.run(`INSERT INTO ${target} VALUES ${values.join(', ')}`);
  }

  /**
   * DataScannedInBytes of a statement, from what it reads: of the referenced
   * tables' files between the smallest and the largest DATE literal (all files when
   * there is none; Iceberg: the current snapshot's data files and their delete
   * files), the compressed column chunks of the columns the statement names (all of
   * them for `SELECT *`; the smallest one when it names none, as COUNT(*) reads one
   * column), in the row groups whose customer_id statistics can hold the literals of
   * a `customer_id = '...'` / `IN (...)` filter (when the statement has no OR) — the
   * file pruning Iceberg and Parquet give Trino. Text files are read whole. A
   * metadata table's query reads the manifests: MANIFEST_ENTRY_BYTES per file of
   * the whole snapshot, whatever its WHERE.
   */
  private async scannedBytes(referenced: Set<string>, statement: string): Promise<number> {
    const days = dateLiterals(statement);
    const from = days.length > 0 ? days.reduce((a, b) => (a < b ? a : b)) : undefined;
    const to = days.length > 0 ? days.reduce((a, b) => (a > b ? a : b)) : undefined;
    const inRange = (day: string) => from === undefined || (day >= from && day <= to!);
    const reading = readColumns(statement);
    const customers = customerLiterals(statement);
    let bytes = 0;
    let connection: DuckDBConnection | undefined;
    try {
      for (const key of referenced) {
        const metadata = /^(.*)\$(partitions|files|snapshots)$/.exec(key);
        const owner = metadata ? this.tables.get(metadata[1]!)?.icebergTable : undefined;
        if (owner) {
          const current = owner.current();
          bytes += (current.data.size + current.deletes.size) * MANIFEST_ENTRY_BYTES;
          continue;
        }
        const table = this.tables.get(key);
        if (!table) continue;
        if (table.format === 'text') {
          for (const file of listLakeFiles(table.dir, table.format)) if (inRange(file.day)) bytes += file.bytes;
          continue;
        }
        const columns = table.columns.map((c) => c.name).filter((c) => c !== 'day');
        const wanted = reading === 'all' ? columns : columns.filter((c) => reading.has(c));
        let data: string[];
        let deleteFiles: string[] = [];
        if (table.icebergTable) {
          const { data: current, deletes } = table.icebergTable.current();
          data = [...current].filter((f) => inRange(/day=(\d{4}-\d{2}-\d{2})/.exec(f)?.[1] ?? ''));
          const included = new Set(data);
          deleteFiles = [...deletes].filter(([, target]) => included.has(target)).map(([d]) => d);
        } else {
          data = listLakeFiles(table.dir, table.format).filter((f) => inRange(f.day)).map((f) => f.path);
        }
        for (const file of data) {
          connection ??= await connect(this.duckdb);
          for (const group of await this.rowGroups(connection, file)) {
            if (customers && group.customerMin !== undefined && group.customerMax !== undefined && !customers.some((c) => c >= group.customerMin! && c <= group.customerMax!)) continue;
            const sizes = wanted.map((c) => group.columns.get(c) ?? 0);
            bytes += wanted.length > 0 ? sizes.reduce((a, b) => a + b, 0) : group.columns.size > 0 ? Math.min(...group.columns.values()) : 0;
          }
        }
        for (const file of deleteFiles) bytes += fileSize(file);
      }
    } finally {
      connection?.closeSync();
    }
    return bytes;
  }

  /** A Parquet file's row groups: compressed bytes per column and customer_id's min/max (cached; Iceberg files do not change). */
  private async rowGroups(connection: DuckDBConnection, file: string): Promise<RowGroup[]> {
    const s = statSync(file, { throwIfNoEntry: false });
    if (!s) return [];
    const stamp = `${s.size}:${s.mtimeMs}`;
    const known = this.footers.get(file);
    if (known?.stamp === stamp) return known.groups;
    const rows = (
      await connection.runAndReadAll(
        `SELECT row_group_id, lower(path_in_schema), total_compressed_size, stats_min_value, stats_max_value FROM parquet_metadata('${file.replace(/'/g, "''")}')`,
      )
    ).getRows();
    const groups = new Map<number, RowGroup>();
    for (const [id, column, size, min, max] of rows) {
      const group = groups.get(Number(id)) ?? { columns: new Map<string, number>() };
      group.columns.set(String(column), (group.columns.get(String(column)) ?? 0) + Number(size ?? 0));
      if (String(column) === 'customer_id' && min !== null && max !== null) {
        group.customerMin = String(min);
        group.customerMax = String(max);
      }
      groups.set(Number(id), group);
    }
    const list = [...groups.values()];
    this.footers.set(file, { stamp, groups: list });
    return list;
  }

  private reusable(e: EmulatedExecution): EmulatedExecution | undefined {
    const maxAgeMs = e.reuse!.maxAgeMinutes * 60_000;
    for (const other of this.executions.values()) {
      if (other === e || other.state !== 'SUCCEEDED' || other.statementType !== 'DML') continue;
      if (other.query !== e.query || JSON.stringify(other.parameters) !== JSON.stringify(e.parameters) || other.workgroup !== e.workgroup) continue;
      if (Date.now() - other.completedAt! <= maxAgeMs) return other;
    }
    return undefined;
  }

  private fail(e: EmulatedExecution, failure: QueryFailure): void {
    const message = failure.message ?? (failure.retryable ? 'GENERIC_INTERNAL_ERROR: Internal error, please retry' : 'GENERIC_USER_ERROR: query failed');
    e.athenaError = { ErrorCategory: failure.category, ErrorType: failure.errorType ?? (failure.category === 2 ? 1006 : 401), Retryable: failure.retryable, ErrorMessage: message };
    this.finish(e, 'FAILED', message);
  }

  private finish(e: EmulatedExecution, state: State, reason?: string): void {
    e.state = state;
    if (reason) e.reason = reason;
    e.completedAt = Date.now();
  }
}

const withSlash = (location: string) => (location.endsWith('/') ? location : `${location}/`);

interface RowGroup {
  columns: Map<string, number>;
  customerMin?: string;
  customerMax?: string;
}

/** The columns a statement names (identifiers outside strings and comments), or 'all' for SELECT * / t.*. */
function readColumns(statement: string): Set<string> | 'all' {
  const code = segmentSql(statement)
    .filter((s) => s.kind === 'code' || s.kind === 'ident')
    .map((s) => (s.kind === 'ident' ? ` ${s.text.slice(1, -1)} ` : s.text))
    .join(' ');
  if (/\bSELECT\s+(?:DISTINCT\s+)?\*|\.\s*\*/i.test(code)) return 'all';
  return new Set((code.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []).map((w) => w.toLowerCase()));
}

/** The customer ids of a `customer_id = '...'` or `customer_id IN (...)` filter, when the statement has no OR (else no pruning). */
function customerLiterals(statement: string): string[] | undefined {
  const code = segmentSql(statement)
    .filter((s) => s.kind !== 'comment')
    .map((s) => s.text)
    .join('');
  if (/\bOR\b/i.test(segmentSql(statement).filter((s) => s.kind === 'code').map((s) => s.text).join(' '))) return undefined;
  const strings = (text: string) => [...text.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
  const equal = /(?<!\w)customer_id\s*=\s*\(?\s*('(?:[^']|'')*')\s*\)?/i.exec(code);
  if (equal) return strings(equal[1]!);
  const list = /(?<!NOT\s)(?<!\w)customer_id\s+IN\s*\(((?:\s*\(?\s*'(?:[^']|'')*'\s*\)?\s*,?)+)\)/i.exec(code);
  return list ? strings(list[1]!) : undefined;
}

function fileSize(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

function invalidRequest(message: string): AwsServiceError {
  return new AwsServiceError('InvalidRequestException', message, 400, { AthenaErrorCode: 'INVALID_INPUT' });
}

/** DuckDB and translation errors as Athena reports them: user errors vs system errors. */
function classify(error: unknown): QueryFailure {
  if (error instanceof TranslationError) return { category: 2, retryable: false, message: `${error.errorName}: ${error.message}`, errorType: 1006 };
  const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
  const kind = /^(\w[\w ]*?) Error:/.exec(message)?.[1] ?? '';
  const named: Record<string, string> = {
    Parser: 'SYNTAX_ERROR',
    Binder: /column/i.test(message) ? 'COLUMN_NOT_FOUND' : 'SEMANTIC_ERROR',
    Catalog: 'TABLE_NOT_FOUND',
    Conversion: 'INVALID_CAST_ARGUMENT',
    'Invalid Input': 'INVALID_FUNCTION_ARGUMENT',
    'Out of Range': 'NUMERIC_VALUE_OUT_OF_RANGE',
  };
  const name = named[kind];
  if (name) return { category: 2, retryable: false, message: `${name}: line 1:1: ${message.replace(/^[\w ]+ Error:\s*/, '')}`, errorType: 1006 };
  return { category: 1, retryable: false, message: `GENERIC_INTERNAL_ERROR: ${message}`, errorType: 401 };
}

function encodeToken(id: string, offset: number): string {
  return Buffer.from(JSON.stringify({ id, offset }), 'utf8').toString('base64');
}

function decodeToken(token: unknown): { id: string; offset: number } | undefined {
  try {
    const value = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8'));
    return typeof value?.id === 'string' && Number.isInteger(value.offset) ? value : undefined;
  } catch {
    return undefined;
  }
}
