import { randomUUID } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AwsJsonServer, AwsServiceError } from './aws-json-server';
import { athenaColumnInfo, athenaText, type AthenaColumnInfo } from './athena-format';
import {
  EVENT_TABLE_COLUMNS,
  connect,
  defineLakeRelation,
  firstKeyword,
  listLakeFiles,
  openDuckDb,
  type LakeColumn,
} from './athena-redshift-duckdb';
import { AsyncJobs } from './async-jobs';
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
 * tables also get a `<table>$partitions` metadata table (day, bucket, record_count,
 * file_count, total_size). DataScannedInBytes is the size of the referenced tables'
 * files between the smallest and the largest DATE literal of the query (all files
 * when there is none) — a stand-in for Athena's partition pruning.
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
  /** Whether the relation was last defined with files (a view) or empty (a table). */
  hadFiles: boolean;
}

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
  private closed = false;
  private catalogLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AthenaEmulatorOptions) {
    this.jobs = new AsyncJobs(options.latencyMs);
  }

  async init(): Promise<void> {
    const { instance, setup } = await openDuckDb(undefined);
    this.duckdb = instance;
    this.setup = setup;
    for (const macro of TRINO_MACROS) await setup.run(macro);
    const database = this.options.database ?? 'lake';
    const table = this.options.eventsTable ?? 'events';
    await setup.run(`CREATE SCHEMA IF NOT EXISTS "${database}"`);
    await this.defineTable({ schema: database, name: table, dir: path.join(this.options.dataDir, 'events'), columns: EVENT_TABLE_COLUMNS, iceberg: true, hadFiles: false });
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
    const reuse = input.ResultReuseConfiguration?.ResultReuseByAgeConfiguration;
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
      if (fault?.failure) {
        await this.jobs.wait(e, minimumEnd - Date.now());
        if (e.state === 'RUNNING') this.fail(e, fault.failure);
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
    if (keyword === 'OPTIMIZE' || keyword === 'VACUUM') return; // DELETE already rewrote the files
    const tables = referencedTables(bound, e.database);
    await this.exclusive(() => this.refreshTables(tables));
    e.scannedBytes = this.scannedBytes(tables, dateLiterals(bound));
    e.connection = await connect(this.duckdb);
    await e.connection.run(`USE "${e.database.replace(/"/g, '""')}"`);
    const reader = await e.connection.runAndReadAll(trinoToDuckDb(bound));
    const names = reader.columnNames();
    const types = reader.columnTypes();
    e.columns = names.map((name, i) => athenaColumnInfo(name, types[i]!));
    e.rows = reader.getRows().map((row) => row.map((value, i) => athenaText(value, types[i]!)));
  }

  /**
   * DELETE FROM <iceberg table> WHERE <predicate>: the emulator rewrites each Parquet
   * file holding matching rows without them (deleting a file left empty), which is
   * what DELETE followed by OPTIMIZE ... REWRITE DATA and VACUUM leave on S3.
   */
  private async runDelete(e: EmulatedExecution, bound: string): Promise<void> {
    const match = /^\s*DELETE\s+FROM\s+("?[\w$]+"?(?:\s*\.\s*"?[\w$]+"?)?)\s+WHERE\s+([\s\S]+)$/i.exec(bound);
    if (!match) throw new TranslationError('line 1:1: only DELETE FROM <table> WHERE <condition> is emulated', 'NOT_SUPPORTED');
    const parts = match[1]!.replace(/"/g, '').split('.').map((x) => x.trim().toLowerCase());
    const key = parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${e.database}.${parts[0]}`;
    const table = this.tables.get(key);
    if (!table) throw new TranslationError(`line 1:13: Table '${key}' does not exist`, 'TABLE_NOT_FOUND');
    if (!table.iceberg) throw new TranslationError('NOT_SUPPORTED: Modifying Hive table rows is only supported for transactional tables', 'NOT_SUPPORTED');
    const predicate = trinoToDuckDb(match[2]!.replace(/;\s*$/, ''));
    const stored = table.columns.filter((c) => c.name !== 'day').map((c) => `"${c.name}"`);
    const order = ['customer_id', 'occurred_at'].every((n) => table.columns.some((c) => c.name === n)) ? ' ORDER BY customer_id, occurred_at' : '';
    e.connection = await connect(this.duckdb);
    for (const file of listLakeFiles(table.dir)) {
      const source = `read_parquet('${file.path.replace(/'/g, "''")}', hive_partitioning = true, hive_types = {'day': DATE})`;
      e.scannedBytes += file.bytes;
      const hits = Number((await e.connection.runAndReadAll(`SELECT COUNT(*) FROM ${source} WHERE ${predicate}`)).getRows()[0]![0]);
      if (hits === 0) continue;
      const kept = Number((await e.connection.runAndReadAll(`SELECT COUNT(*) FROM ${source} WHERE (${predicate}) IS NOT TRUE`)).getRows()[0]![0]);
      if (kept === 0) {
        rmSync(file.path);
        continue;
      }
      const temp = `${file.path}.rewrite`;
      await e.connection.run(`COPY (SELECT ${stored.join(', ')} FROM ${source} WHERE (${predicate}) IS NOT TRUE${order}) TO '${temp.replace(/'/g, "''")}' (FORMAT parquet)`);
      renameSync(temp, file.path);
    }
    await this.exclusive(() => this.refreshTables(new Set([key])));
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
        if (this.tables.has(key)) {
          if (!command.ifNotExists) throw new TranslationError(`FAILED: AlreadyExistsException: Table ${key} already exists`, 'ALREADY_EXISTS');
          return;
        }
        const schemaExists = (await this.setup.runAndReadAll(`SELECT 1 FROM duckdb_schemas() WHERE schema_name = '${schema.replace(/'/g, "''")}'`)).getRows().length > 0;
        if (!schemaExists) throw new TranslationError(`FAILED: SemanticException [Error 10072]: Database does not exist: ${schema}`, 'SCHEMA_NOT_FOUND');
        await this.defineTable({ schema, name: command.name, dir: this.localDir(command.location), columns: command.columns, iceberg: command.iceberg, hadFiles: false });
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
    await defineLakeRelation(this.setup, table.schema, table.name, table.dir, table.columns);
    table.hadFiles = listLakeFiles(table.dir).length > 0;
    this.tables.set(`${table.schema}.${table.name}`, table);
  }

  /** Files may have appeared or gone since the relation was defined; metadata tables are rebuilt. */
  private async refreshTables(referenced: Set<string>): Promise<void> {
    for (const key of referenced) {
      const partitionsOf = key.endsWith('$partitions') ? this.tables.get(key.slice(0, -'$partitions'.length)) : undefined;
      if (partitionsOf?.iceberg) {
        await this.definePartitionsTable(partitionsOf);
        continue;
      }
      const table = this.tables.get(key);
      if (table && table.hadFiles !== listLakeFiles(table.dir).length > 0) await this.defineTable(table);
    }
  }

  /** Iceberg's `<table>$partitions`: one row per (day, bucket) with record and file counts and sizes. */
  private async definePartitionsTable(table: LakeTable): Promise<void> {
    const files = listLakeFiles(table.dir);
    const rowsByFile = new Map<string, number>();
    if (files.length > 0) {
      const glob = path.join(table.dir, 'day=*', '*.parquet').replace(/'/g, "''");
      const reader = await this.setup.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata('${glob}')`);
      for (const [name, rows] of reader.getRows()) rowsByFile.set(String(name), Number(rows));
    }
    const groups = new Map<string, { day: string; bucket: number; rows: number; files: number; bytes: number }>();
    for (const f of files) {
      const key = `${f.day}/${f.bucket ?? 0}`;
      const g = groups.get(key) ?? { day: f.day, bucket: f.bucket ?? 0, rows: 0, files: 0, bytes: 0 };
      g.rows += rowsByFile.get(f.path) ?? 0;
      g.files += 1;
      g.bytes += f.bytes;
      groups.set(key, g);
    }
    const target = `"${table.schema}"."${table.name}$partitions"`;
    await this.setup.run(
      `CREATE OR REPLACE TABLE ${target} ("partition" STRUCT(day DATE, customer_id_bucket INTEGER), record_count BIGINT, file_count BIGINT, total_size BIGINT)`,
    );
    const values = [...groups.values()].map((g) => `({'day': DATE '${g.day}', 'customer_id_bucket': ${g.bucket}}, ${g.rows}, ${g.files}, ${g.bytes})`);
    if (values.length > 0) await this.setup.run(`INSERT INTO ${target} VALUES ${values.join(', ')}`);
  }

  private scannedBytes(referenced: Set<string>, days: string[]): number {
    const from = days.length > 0 ? days.reduce((a, b) => (a < b ? a : b)) : undefined;
    const to = days.length > 0 ? days.reduce((a, b) => (a > b ? a : b)) : undefined;
    let bytes = 0;
    for (const key of referenced) {
      const table = this.tables.get(key);
      if (!table) continue;
      for (const file of listLakeFiles(table.dir)) {
        if (from !== undefined && (file.day < from || file.day > to!)) continue;
        bytes += file.bytes;
      }
    }
    return bytes;
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
