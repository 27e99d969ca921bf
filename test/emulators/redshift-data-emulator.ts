import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AwsJsonServer, AwsServiceError, RawJson } from './aws-json-server';
import { AsyncJobs } from './async-jobs';
import { connect, firstKeyword, openDuckDb } from './athena-redshift-duckdb';
import { redshiftCopyToDuckDb } from './redshift-copy';
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
 * BatchExecuteStatement runs its statements in one DuckDB transaction (a failed one
 * rolls them all back; DescribeStatement lists SubStatements `<id>:1`, `<id>:2`, ...
 * as the API does), and `COPY ... FROM 's3://...' IAM_ROLE ... FORMAT AS PARQUET`
 * reads the Parquet files S3 keys map to under `s3Root` (redshift-copy.ts).
 *
 * Database users and VACUUM (what Redshift does without telling): statements run as
 * `databaseUser` (a Serverless workgroup's IAM identity, e.g. "IAMR:lakegate"); every
 * table has an owner (`tableOwners`, else `defaultTableOwner`). The catalog views
 * lakegate checks answer from that model: `pg_tables` (schemaname, tablename,
 * tableowner), `pg_user` (usename, usesuper), `current_user`, and
 * `SYS_VACUUM_HISTORY`, where a VACUUM of a table its user may vacuum (the owner or
 * a superuser) records a row (vacuum_type, is_automatic false, status 'Complete',
 * start_time, end_time, ...; regular users see only their own rows). A VACUUM by
 * anyone else completes successfully and does nothing, as Redshift documents: no
 * vacuum runs and none is recorded.
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
  /** Where s3://<any bucket>/<key> maps to (<s3Root>/<key>) for COPY; the Athena emulator's dataDir. */
  s3Root?: string;
  /** The database user statements run as. Default 'IAMR:lakegate' (a Serverless IAM role identity). */
  databaseUser?: string;
  /** Whether that user is a superuser. Default false. */
  superuser?: boolean;
  /** Owner of every table not in tableOwners. Default: databaseUser. */
  defaultTableOwner?: string;
  /** Owners by table, 'schema.table' (lower case). */
  tableOwners?: Record<string, string>;
  port?: number;
}

type Status = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

/** What one statement returned (a statement of its own, or one of a batch). */
interface StatementResult {
  hasResultSet: boolean;
  columns: RedshiftColumnMetadata[];
  records: Field[][];
  resultSize: number;
}

export interface EmulatedSubStatement extends StatementResult {
  /** `<batch id>:<n>`, n from 1. */
  id: string;
  sql: string;
  status: Status;
  error?: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  completedAt?: number;
  queryId: number;
}

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
  /** Set for BatchExecuteStatement. */
  subStatements?: EmulatedSubStatement[];
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
  /** Makes `owner` the owner of 'schema.table' (as ALTER TABLE ... OWNER TO would). */
  setTableOwner(table: string, owner: string): Promise<void>;
  /** The vacuums that ran (owner or superuser), oldest first. */
  vacuums(): Promise<Array<{ schema: string; table: string; user: string; type: string; status: string }>>;
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
    await this.createUserModel();
    this.server
      .on('ExecuteStatement', (input) => this.executeStatement(input))
      .on('BatchExecuteStatement', (input) => this.batchExecuteStatement(input))
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

  async setTableOwner(table: string, owner: string): Promise<void> {
    const [schema, name] = splitTable(table);
    await this.setup.run(`DELETE FROM ${USERS}.owners WHERE schemaname = ${literal(schema)} AND tablename = ${literal(name)}`);
    await this.setup.run(`INSERT INTO ${USERS}.owners VALUES (${literal(schema)}, ${literal(name)}, ${literal(owner)})`);
  }

  async vacuums(): Promise<Array<{ schema: string; table: string; user: string; type: string; status: string }>> {
    const reader = await this.setup.runAndReadAll(`SELECT schema_name, table_name, user_name, vacuum_type, status FROM ${USERS}.vacuum_history ORDER BY start_time, query_id`);
    return reader.getRows().map(([schema, table, user, type, status]) => ({ schema: String(schema), table: String(table), user: String(user), type: String(type), status: String(status) }));
  }

  /**
   * The database users, table owners and vacuum history (in-memory tables, never in
   * the attached warehouse file) behind pg_tables, pg_user, current_user and
   * SYS_VACUUM_HISTORY (redshift-format.ts maps those names here).
   */
  private async createUserModel(): Promise<void> {
    const user = this.options.databaseUser ?? 'IAMR:lakegate';
    const catalog = this.attached ? ATTACHED : 'memory';
    const run = (text: string) => this.setup.run(text);
    await run(`CREATE SCHEMA IF NOT EXISTS ${USERS}`);
    await run(`CREATE TABLE ${USERS}.session (user_name VARCHAR, superuser BOOLEAN, default_owner VARCHAR)`);
    await run(`INSERT INTO ${USERS}.session VALUES (${literal(user)}, ${this.options.superuser ? 'true' : 'false'}, ${literal(this.options.defaultTableOwner ?? user)})`);
    await run(`CREATE TABLE ${USERS}.owners (schemaname VARCHAR, tablename VARCHAR, owner VARCHAR)`);
    for (const [table, owner] of Object.entries(this.options.tableOwners ?? {})) await this.setTableOwner(table, owner);
    await run(`CREATE TABLE ${USERS}.vacuum_history (user_name VARCHAR, user_id INTEGER, transaction_id BIGINT, query_id BIGINT, database_name VARCHAR, schema_name VARCHAR,
      table_name VARCHAR, table_id INTEGER, vacuum_type VARCHAR, is_automatic BOOLEAN, status VARCHAR, start_time TIMESTAMP, end_time TIMESTAMP, record_time TIMESTAMP,
      duration BIGINT, rows_before_vacuum BIGINT, reclaimed_rows BIGINT)`);
    await run(`CREATE VIEW ${USERS}.pg_tables AS SELECT t.table_schema AS schemaname, t.table_name AS tablename, COALESCE(o.owner, s.default_owner) AS tableowner
      FROM information_schema.tables t CROSS JOIN ${USERS}.session s LEFT JOIN ${USERS}.owners o ON o.schemaname = t.table_schema AND o.tablename = t.table_name
      WHERE t.table_type = 'BASE TABLE' AND t.table_catalog = ${literal(catalog)}`);
    await run(`CREATE VIEW ${USERS}.pg_user AS SELECT user_name AS usename, superuser AS usesuper FROM ${USERS}.session
      UNION ALL SELECT DISTINCT owner, false FROM ${USERS}.owners WHERE owner <> (SELECT user_name FROM ${USERS}.session)`);
    // Regular users see their own rows only; superusers see every row (Redshift's visibility rule).
    await run(`CREATE VIEW ${USERS}.sys_vacuum_history AS SELECT v.* EXCLUDE (user_name) FROM ${USERS}.vacuum_history v CROSS JOIN ${USERS}.session s
      WHERE v.user_name = s.user_name OR s.superuser`);
  }

  /**
   * VACUUM [option] <table> [TO n PERCENT] [BOOST]: runs (DuckDB's VACUUM stands in)
   * and is recorded when the user owns the table or is a superuser; otherwise it
   * completes without doing anything, as on Redshift.
   */
  private async vacuum(connection: DuckDBConnection, sqlText: string, duckSql: string, queryId: number): Promise<void> {
    const code = sqlText.trim();
    const m = /^VACUUM\s+(FULL|DELETE\s+ONLY|SORT\s+ONLY|REINDEX|RECLUSTER)?\s*((?:"[^"]+"|\w+)(?:\s*\.\s*(?:"[^"]+"|\w+))?)?/i.exec(code);
    const option = (m?.[1] ?? 'FULL').toUpperCase().replace(/\s+/g, ' ');
    if (!m?.[2]) throw new Error('ERROR: the emulator runs VACUUM of one table only (VACUUM [option] <schema>.<table>)');
    const [schema, table] = splitTable(m[2]);
    const allowed = (
      await connection.runAndReadAll(
        `SELECT s.superuser OR COALESCE(o.owner, s.default_owner) = s.user_name, s.user_name FROM ${USERS}.session s LEFT JOIN ${USERS}.owners o ON o.schemaname = ${literal(schema)} AND o.tablename = ${literal(table)}`,
      )
    ).getRows()[0]!;
    if (allowed[0] !== true) return; // "the operation completes successfully but has no effect"
    const started = new Date();
    await connection.run(duckSql);
    const type = option === 'DELETE ONLY' ? 'Delete' : option === 'SORT ONLY' ? 'Sort' : option === 'REINDEX' ? 'Reindex' : option === 'RECLUSTER' ? 'Recluster' : 'Full';
    const ts = (d: Date) => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
    const ended = new Date();
    await connection.run(
      `INSERT INTO ${USERS}.vacuum_history VALUES (${literal(String(allowed[1]))}, 100, ${queryId}, ${queryId}, 'dev', ${literal(schema)}, ${literal(table)}, 0, ${literal(type)}, false, 'Complete',
        ${ts(started)}, ${ts(ended)}, ${ts(ended)}, ${(ended.getTime() - started.getTime()) * 1000}, 0, 0)`,
    );
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
    checkTarget(input);
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
    this.checkActive();
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

  /** Like ExecuteStatement, with Sqls (1 to 40 statements, no Parameters): one transaction. */
  private batchExecuteStatement(input: any): unknown {
    const sqls: unknown = input.Sqls;
    if (!Array.isArray(sqls) || sqls.length < 1 || sqls.length > 40) throw validation('Sqls must contain between 1 and 40 statements');
    if (sqls.some((q) => typeof q !== 'string' || q.trim() === '')) throw validation('Each statement of Sqls must be a non-empty string');
    if (input.Parameters !== undefined) throw validation('BatchExecuteStatement does not take Parameters');
    checkTarget(input);
    const fingerprint = JSON.stringify([sqls, input.Database, input.WorkgroupName, input.ClusterIdentifier]);
    if (input.ClientToken) {
      const known = this.tokens.get(input.ClientToken);
      if (known) {
        if (known.fingerprint !== fingerprint) throw validation('The ClientToken was used with a different request');
        return this.executeOutput(this.find(known.id));
      }
    }
    this.checkActive();
    const now = Date.now();
    const id = randomUUID();
    const statement: EmulatedStatement = {
      id,
      sql: (sqls as string[]).join(';\n'),
      parameters: undefined,
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
      subStatements: (sqls as string[]).map((sql, i) => ({
        id: `${id}:${i + 1}`,
        sql,
        status: 'SUBMITTED' as Status,
        createdAt: now,
        updatedAt: now,
        hasResultSet: false,
        columns: [],
        records: [],
        resultSize: 0,
        queryId: this.nextQueryId++,
      })),
    };
    if (input.ClientToken) this.tokens.set(input.ClientToken, { id, fingerprint });
    this.statements.set(id, statement);
    this.jobs.track(this.run(statement));
    return this.executeOutput(statement);
  }

  private checkActive(): void {
    const active = [...this.statements.values()].filter((s) => s.status === 'SUBMITTED' || s.status === 'PICKED' || s.status === 'STARTED').length;
    if (this.options.maxActiveStatements !== undefined && active >= this.options.maxActiveStatements) {
      throw new AwsServiceError('ActiveStatementsExceededException', 'Active statements exceeded the allowed quota.', 400);
    }
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
    const parent = this.find(input.Id);
    const s = parent.subStatements?.find((sub) => sub.id === input.Id) ?? parent;
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
    for (const sub of s.subStatements ?? []) if (sub.status !== 'FINISHED' && sub.status !== 'FAILED') this.endSub(sub, 'ABORTED');
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
        ...(s.subStatements ? { IsBatchStatement: true, QueryStrings: s.subStatements.map((sub) => sub.sql) } : { IsBatchStatement: false, QueryString: s.sql }),
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
      ...(s.subStatements ? {} : { QueryString: s.sql }),
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
      ...(s.subStatements ? { SubStatements: s.subStatements.map((sub) => describeSub(sub)) } : {}),
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
    s.connection = await connect(this.duckdb);
    if (this.attached) await s.connection.run(`USE ${ATTACHED}`);
    if (s.subStatements) return this.executeBatch(s, s.connection, s.subStatements);
    Object.assign(s, await this.runSql(s.connection, s.sql, s.parameters, s.queryId));
  }

  /** The batch's statements in order, in one transaction; the first failure rolls back and aborts the rest. */
  private async executeBatch(s: EmulatedStatement, connection: DuckDBConnection, subs: EmulatedSubStatement[]): Promise<void> {
    await connection.run('BEGIN TRANSACTION');
    for (const [i, sub] of subs.entries()) {
      if (!this.isRunning(s)) break;
      sub.status = 'STARTED';
      sub.startedAt = sub.updatedAt = Date.now();
      try {
        Object.assign(sub, await this.runSql(connection, sub.sql, undefined, sub.queryId));
        this.endSub(sub, 'FINISHED');
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        this.endSub(sub, 'FAILED', redshiftError(error));
        for (const rest of subs.slice(i + 1)) this.endSub(rest, 'ABORTED');
        throw error;
      }
    }
    if (!this.isRunning(s)) {
      await connection.run('ROLLBACK').catch(() => undefined);
      return;
    }
    await connection.run('COMMIT');
    s.hasResultSet = subs.some((sub) => sub.hasResultSet);
  }

  private async runSql(connection: DuckDBConnection, sqlText: string, parameters: Array<{ name: string; value: string }> | undefined, queryId = 0): Promise<StatementResult> {
    const none: StatementResult = { hasResultSet: false, columns: [], records: [], resultSize: 0 };
    const copy = redshiftCopyToDuckDb(sqlText, this.options.s3Root);
    if (copy !== undefined) {
      await connection.run(copy);
      return none;
    }
    const { sql, names } = redshiftToDuckDb(sqlText);
    if (firstKeyword(sqlText) === 'VACUUM') {
      await this.vacuum(connection, sqlText, sql, queryId);
      return none;
    }
    const values: Record<string, string> = {};
    for (const p of parameters ?? []) values[p.name] = p.value;
    for (const name of names) {
      if (values[name] === undefined) throw new Error(`ERROR: syntax error at or near ":" (parameter "${name}" has no value)`);
    }
    const reader = names.length > 0 ? await connection.runAndReadAll(sql, values) : await connection.runAndReadAll(sql);
    if (!['SELECT', 'WITH', 'VALUES', 'SHOW'].includes(firstKeyword(sqlText))) return none;
    const types = reader.columnTypes();
    const records = reader.getRows().map((row) => row.map((value, i) => redshiftField(value, types[i]!)));
    return {
      hasResultSet: true,
      columns: reader.columnNames().map((name, i) => redshiftColumnMetadata(name, types[i]!)),
      records,
      resultSize: jsonWithExactIntegers(records).length,
    };
  }

  private endSub(sub: EmulatedSubStatement, status: Status, error?: string): void {
    sub.status = status;
    if (error) sub.error = error;
    sub.completedAt = sub.updatedAt = Date.now();
    sub.startedAt ??= sub.completedAt;
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

/** The in-memory schema of the user model (see createUserModel). */
const USERS = 'memory.rs_users';
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** '"schema"."table"' / 'schema.table' -> [schema, table], lower case, quotes removed. */
function splitTable(name: string): [string, string] {
  const parts = name.split('.').map((p) => p.trim().replace(/^"|"$/g, '').toLowerCase());
  return parts.length === 2 ? [parts[0]!, parts[1]!] : ['public', parts[0]!];
}

/** The target rules ExecuteStatement and BatchExecuteStatement share. */
function checkTarget(input: any): void {
  if (input.WorkgroupName && input.ClusterIdentifier) throw validation('Specify either ClusterIdentifier or WorkgroupName, not both');
  if (!input.WorkgroupName && !input.ClusterIdentifier) throw validation('Either ClusterIdentifier or WorkgroupName is required');
  if (input.ClusterIdentifier && !input.SecretArn && !input.DbUser) throw validation('Either SecretArn or DbUser is required when ClusterIdentifier is specified');
  if (input.WorkgroupName && input.DbUser) throw validation('DbUser is not supported with WorkgroupName');
  if (typeof input.Database !== 'string' || input.Database === '') throw validation('Database is required');
}

/** A sub-statement in DescribeStatement's SubStatements. */
function describeSub(sub: EmulatedSubStatement): unknown {
  const done = sub.completedAt !== undefined;
  return {
    Id: sub.id,
    QueryString: sub.sql,
    Status: sub.status,
    Duration: done && sub.startedAt !== undefined ? (sub.completedAt! - sub.startedAt) * 1_000_000 : -1,
    ...(sub.error ? { Error: sub.error } : {}),
    HasResultSet: sub.hasResultSet,
    ResultRows: sub.hasResultSet ? sub.records.length : -1,
    ResultSize: sub.hasResultSet ? sub.resultSize : -1,
    CreatedAt: sub.createdAt / 1000,
    UpdatedAt: sub.updatedAt / 1000,
    RedshiftQueryId: sub.queryId,
  };
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
