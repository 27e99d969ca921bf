import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AwsJsonServer, AwsServiceError, RawJson } from './aws-json-server';
import { AsyncJobs } from './async-jobs';
import { connect, firstKeyword, openDuckDb } from './athena-redshift-duckdb';
import { REDSHIFT_MACROS, jsonWithExactIntegers, redshiftColumnMetadata, redshiftField, redshiftToDuckDb, type Field, type RedshiftColumnMetadata } from './redshift-format';

/**
 * A local Redshift Data API for tests and benchmarks: the real AWS SDK v3 client
 * talks to it over HTTP (awsJson1_1, target RedshiftData). It implements
 * ExecuteStatement, DescribeStatement, GetStatementResult, CancelStatement and
 * ListStatements with the API's shapes: statements go SUBMITTED -> PICKED ->
 * STARTED -> FINISHED / FAILED / ABORTED asynchronously, Duration in nanoseconds,
 * results as Records of Field unions with ColumnMetadata (Redshift type names),
 * TotalNumRows and NextToken pages; ActiveStatementsExceededException past the
 * concurrency limit, ValidationException / ResourceNotFoundException for bad
 * requests.
 *
 * The SQL runs on DuckDB (a database file, e.g. the embedded warehouse.duckdb, or
 * in memory) with `:name` parameters bound as text, as Redshift receives them.
 */
export interface RedshiftDataEmulatorOptions {
  /** DuckDB database file to run on (not open elsewhere). */
  duckdbPath?: string;
  /** When duckdbPath is not given: <dataDir>/warehouse.duckdb if it exists, else in memory. */
  dataDir?: string;
  /** Minimum engine time of every statement. */
  latencyMs?: number;
  /** Statements allowed SUBMITTED/PICKED/STARTED at once; more get ActiveStatementsExceededException. */
  maxActiveStatements?: number;
  /** Records per GetStatementResult page. Default 1000. */
  pageRows?: number;
  port?: number;
}

type Status = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

export interface EmulatedStatement {
  id: string;
  sql: string;
  parameters: Array<{ name: string; value: string }> | undefined;
  database: string;
  workgroupName?: string;
  clusterIdentifier?: string;
  secretArn?: string;
  dbUser?: string;
  statementName?: string;
  status: Status;
  error?: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  completedAt?: number;
  hasResultSet: boolean;
  columns: RedshiftColumnMetadata[];
  records: Field[][];
  resultSize: number;
  queryId: number;
  connection?: DuckDBConnection;
  wake?: () => void;
}

export interface StatementFailure {
  /** Redshift's error text, e.g. 'ERROR: could not serialize access due to concurrent update'. */
  message: string;
}

export interface RedshiftDataEmulator {
  endpoint: string;
  server: AwsJsonServer;
  duckdb: DuckDBInstance;
  statements: Map<string, EmulatedStatement>;
  /** Statement ids CancelStatement was called for, in order. */
  cancelled: string[];
  failNextStatements(times: number, failure: StatementFailure): void;
  delayNextStatements(times: number, ms: number): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export async function startRedshiftDataEmulator(options: RedshiftDataEmulatorOptions = {}): Promise<RedshiftDataEmulator> {
  const emulator = new RedshiftDataEmulatorImpl(options);
  await emulator.init();
  return emulator;
}

/** Catalog name of an attached database file (Redshift's default database name). */
const ATTACHED = 'dev';
const ID = /^[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}(:\d+)?$/;

class RedshiftDataEmulatorImpl implements RedshiftDataEmulator {
  endpoint = '';
  readonly server = new AwsJsonServer('RedshiftData', '1.1');
  duckdb!: DuckDBInstance;
  readonly statements = new Map<string, EmulatedStatement>();
  readonly cancelled: string[] = [];
  private setup!: DuckDBConnection;
  private readonly tokens = new Map<string, { id: string; fingerprint: string }>();
  private readonly jobs: AsyncJobs<StatementFailure>;
  private nextQueryId = 1000;
  private closed = false;
  private attached = false;

  constructor(private readonly options: RedshiftDataEmulatorOptions) {
    this.jobs = new AsyncJobs(options.latencyMs);
  }

  async init(): Promise<void> {
    let file = this.options.duckdbPath;
    if (!file && this.options.dataDir && existsSync(path.join(this.options.dataDir, 'warehouse.duckdb'))) file = path.join(this.options.dataDir, 'warehouse.duckdb');
    // The file is attached under a name of its own: opened directly, DuckDB names its
    // catalog after the file (warehouse.duckdb -> "warehouse"), which makes the
    // schema-qualified names Redshift SQL uses ("warehouse"."customers") ambiguous.
    const { instance, setup } = await openDuckDb(undefined);
    this.duckdb = instance;
    this.setup = setup;
    if (file) {
      await setup.run(`ATTACH '${file.replace(/'/g, "''")}' AS ${ATTACHED}`);
      await setup.run(`USE ${ATTACHED}`);
      this.attached = true;
    }
    for (const macro of REDSHIFT_MACROS) await setup.run(macro);
    this.server
      .on('ExecuteStatement', (input) => this.executeStatement(input))
      .on('DescribeStatement', (input) => this.describe(this.find(input.Id)))
      .on('GetStatementResult', (input) => this.getStatementResult(input))
      .on('CancelStatement', (input) => this.cancelStatement(input))
      .on('ListStatements', (input) => this.listStatements(input));
    this.endpoint = await this.server.listen(this.options.port ?? 0);
  }

  failNextStatements(times: number, failure: StatementFailure): void {
    this.jobs.failNext(times, failure);
  }

  delayNextStatements(times: number, ms: number): void {
    this.jobs.delayNext(times, ms);
  }

  setLatency(ms: number): void {
    this.jobs.latencyMs = ms;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.jobs.close(this.statements.values(), () => this.server.close());
    this.setup.closeSync();
    this.duckdb.closeSync();
  }

  // --- API operations -------------------------------------------------------

  private executeStatement(input: any): unknown {
    if (typeof input.Sql !== 'string' || input.Sql.trim() === '') throw validation('Sql is required and must not be empty');
    if (input.WorkgroupName && input.ClusterIdentifier) throw validation('Specify either ClusterIdentifier or WorkgroupName, not both');
    if (!input.WorkgroupName && !input.ClusterIdentifier) throw validation('Either ClusterIdentifier or WorkgroupName is required');
    if (input.ClusterIdentifier && !input.SecretArn && !input.DbUser) throw validation('Either SecretArn or DbUser is required when ClusterIdentifier is specified');
    if (input.WorkgroupName && input.DbUser) throw validation('DbUser is not supported with WorkgroupName');
    if (typeof input.Database !== 'string' || input.Database === '') throw validation('Database is required');
    const parameters: Array<{ name: string; value: string }> | undefined = input.Parameters;
    if (parameters !== undefined) {
      if (!Array.isArray(parameters) || parameters.length === 0) throw validation('Parameters must contain at least 1 item');
      for (const p of parameters) {
        if (typeof p?.name !== 'string' || !/^[0-9a-zA-Z_]+$/.test(p.name)) throw validation(`Parameter name ${JSON.stringify(p?.name)} is not valid`);
        if (typeof p.value !== 'string' || p.value.length < 1) throw validation(`Parameter ${p.name} must have a value of at least 1 character`);
      }
    }
    const fingerprint = JSON.stringify([input.Sql, parameters, input.Database, input.WorkgroupName, input.ClusterIdentifier]);
    if (input.ClientToken) {
      const known = this.tokens.get(input.ClientToken);
      if (known) {
        if (known.fingerprint !== fingerprint) throw validation('The ClientToken was used with a different request');
        return this.executeOutput(this.find(known.id));
      }
    }
    const active = [...this.statements.values()].filter((s) => s.status === 'SUBMITTED' || s.status === 'PICKED' || s.status === 'STARTED').length;
    if (this.options.maxActiveStatements !== undefined && active >= this.options.maxActiveStatements) {
      throw new AwsServiceError('ActiveStatementsExceededException', 'Active statements exceeded the allowed quota.', 400);
    }
    const now = Date.now();
    const statement: EmulatedStatement = {
      id: randomUUID(),
      sql: input.Sql,
      parameters,
      database: input.Database,
      workgroupName: input.WorkgroupName,
      clusterIdentifier: input.ClusterIdentifier,
      secretArn: input.SecretArn,
      dbUser: input.DbUser,
      statementName: input.StatementName,
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      hasResultSet: false,
      columns: [],
      records: [],
      resultSize: 0,
      queryId: this.nextQueryId++,
    };
    if (input.ClientToken) this.tokens.set(input.ClientToken, { id: statement.id, fingerprint });
    this.statements.set(statement.id, statement);
    this.jobs.track(this.run(statement));
    return this.executeOutput(statement);
  }

  private executeOutput(s: EmulatedStatement): unknown {
    return {
      Id: s.id,
      CreatedAt: s.createdAt / 1000,
      Database: s.database,
      ...(s.workgroupName ? { WorkgroupName: s.workgroupName } : {}),
      ...(s.clusterIdentifier ? { ClusterIdentifier: s.clusterIdentifier } : {}),
      ...(s.secretArn ? { SecretArn: s.secretArn } : {}),
      ...(s.dbUser ? { DbUser: s.dbUser } : {}),
    };
  }

  private getStatementResult(input: any): unknown {
    const s = this.find(input.Id);
    if (s.status !== 'FINISHED' || !s.hasResultSet) throw new AwsServiceError('ResourceNotFoundException', 'Query does not have result. Please check query status.', 400, { ResourceId: s.id });
    const pageRows = this.options.pageRows ?? 1000;
    let offset = 0;
    if (input.NextToken !== undefined) {
      const decoded = decodeToken(input.NextToken);
      if (!decoded || decoded.id !== s.id) throw validation('NextToken is not valid');
      offset = decoded.offset;
    }
    const end = Math.min(s.records.length, offset + pageRows);
    return new RawJson(
      jsonWithExactIntegers({
        Records: s.records.slice(offset, end),
        ColumnMetadata: s.columns,
        TotalNumRows: s.records.length,
        ...(end < s.records.length ? { NextToken: encodeToken(s.id, end) } : {}),
      }),
    );
  }

  private cancelStatement(input: any): unknown {
    const s = this.find(input.Id);
    this.cancelled.push(s.id);
    if (s.status === 'FINISHED' || s.status === 'FAILED' || s.status === 'ABORTED') {
      throw validation(`Could not cancel a query that is already in ${s.status} state with ID: ${s.id}`);
    }
    this.finish(s, 'ABORTED');
    s.connection?.interrupt();
    s.wake?.();
    return { Status: true };
  }

  private listStatements(input: any): unknown {
    const max = input.MaxResults ?? 100;
    const all = [...this.statements.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, max);
    return {
      Statements: all.map((s) => ({
        Id: s.id,
        QueryString: s.sql,
        Status: s.status,
        CreatedAt: s.createdAt / 1000,
        UpdatedAt: s.updatedAt / 1000,
        ...(s.statementName ? { StatementName: s.statementName } : {}),
      })),
    };
  }

  private find(id: unknown): EmulatedStatement {
    if (typeof id !== 'string' || !ID.test(id)) throw validation(`Id ${JSON.stringify(id)} is not a valid statement id`);
    const s = this.statements.get(id.replace(/:\d+$/, ''));
    if (!s) throw new AwsServiceError('ResourceNotFoundException', 'Query does not exist.', 400, { ResourceId: id });
    return s;
  }

  private describe(s: EmulatedStatement): unknown {
    const done = s.completedAt !== undefined;
    return {
      Id: s.id,
      QueryString: s.sql,
      Status: s.status,
      Duration: done && s.startedAt !== undefined ? (s.completedAt! - s.startedAt) * 1_000_000 : -1,
      ...(s.error ? { Error: s.error } : {}),
      HasResultSet: s.hasResultSet,
      ResultRows: s.hasResultSet ? s.records.length : -1,
      ResultSize: s.hasResultSet ? s.resultSize : -1,
      CreatedAt: s.createdAt / 1000,
      UpdatedAt: s.updatedAt / 1000,
      Database: s.database,
      ...(s.workgroupName ? { WorkgroupName: s.workgroupName } : {}),
      ...(s.clusterIdentifier ? { ClusterIdentifier: s.clusterIdentifier } : {}),
      ...(s.secretArn ? { SecretArn: s.secretArn } : {}),
      ...(s.dbUser ? { DbUser: s.dbUser } : {}),
      RedshiftPid: 1073815778,
      RedshiftQueryId: s.queryId,
      ...(s.parameters ? { QueryParameters: s.parameters } : {}),
    };
  }

  // --- execution ------------------------------------------------------------

  private async run(s: EmulatedStatement): Promise<void> {
    await this.jobs.wait(s, 0);
    if (s.status !== 'SUBMITTED' || this.closed) return;
    this.setStatus(s, 'PICKED');
    await this.jobs.wait(s, 0);
    if ((s.status as Status) !== 'PICKED' || this.closed) return;
    this.setStatus(s, 'STARTED');
    s.startedAt = Date.now();
    const fault = this.jobs.takeFault();
    const minimumEnd = s.startedAt + (fault?.delayMs ?? this.jobs.latencyMs);
    try {
      if (fault?.failure) {
        await this.jobs.wait(s, minimumEnd - Date.now());
        if (this.isRunning(s)) this.finish(s, 'FAILED', fault.failure.message);
        return;
      }
      await this.execute(s);
      await this.jobs.wait(s, minimumEnd - Date.now());
      if (this.isRunning(s)) this.finish(s, 'FINISHED');
    } catch (error) {
      if (this.isRunning(s)) this.finish(s, 'FAILED', redshiftError(error));
    } finally {
      s.connection?.closeSync();
      s.connection = undefined;
    }
  }

  private async execute(s: EmulatedStatement): Promise<void> {
    const { sql, names } = redshiftToDuckDb(s.sql);
    const values: Record<string, string> = {};
    for (const p of s.parameters ?? []) values[p.name] = p.value;
    for (const name of names) {
      if (values[name] === undefined) throw new Error(`ERROR: syntax error at or near ":" (parameter "${name}" has no value)`);
    }
    s.connection = await connect(this.duckdb);
    if (this.attached) await s.connection.run(`USE ${ATTACHED}`);
    const keyword = firstKeyword(s.sql);
    const reader = names.length > 0 ? await s.connection.runAndReadAll(sql, values) : await s.connection.runAndReadAll(sql);
    const returnsRows = ['SELECT', 'WITH', 'VALUES', 'SHOW'].includes(keyword);
    if (!returnsRows) return;
    const columnNames = reader.columnNames();
    const types = reader.columnTypes();
    s.hasResultSet = true;
    s.columns = columnNames.map((name, i) => redshiftColumnMetadata(name, types[i]!));
    s.records = reader.getRows().map((row) => row.map((value, i) => redshiftField(value, types[i]!)));
    s.resultSize = jsonWithExactIntegers(s.records).length;
  }

  /** Re-read through a method: the status changes while we await. */
  private isRunning(s: EmulatedStatement): boolean {
    return s.status === 'STARTED';
  }

  private setStatus(s: EmulatedStatement, status: Status): void {
    s.status = status;
    s.updatedAt = Date.now();
  }

  private finish(s: EmulatedStatement, status: Status, error?: string): void {
    this.setStatus(s, status);
    if (error) s.error = error;
    s.completedAt = Date.now();
    s.startedAt ??= s.completedAt;
  }
}

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message, 400);
}

/** DuckDB errors in Redshift's words ('ERROR: relation "x" does not exist'). */
function redshiftError(error: unknown): string {
  const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
  if (message.startsWith('ERROR:')) return message;
  const missingTable = /Table with name (\S+) does not exist/i.exec(message);
  if (missingTable) return `ERROR: relation "${missingTable[1]}" does not exist`;
  const missingColumn = /Referenced column "?([^"\s]+)"? not found/i.exec(message);
  if (missingColumn) return `ERROR: column "${missingColumn[1]}" does not exist`;
  if (/^Parser Error/.test(message)) return `ERROR: syntax error (${message.replace(/^Parser Error:\s*/, '')})`;
  return `ERROR: ${message.replace(/^[\w ]+ Error:\s*/, '')}`;
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
