import { randomUUID } from 'node:crypto';
import { admitted } from '../../admission/admission';
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListStatementsCommand,
  type BatchExecuteStatementCommandInput,
  type ColumnMetadata,
  type DescribeStatementResponse,
  type ExecuteStatementCommandInput,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { backendUnavailable } from '../../errors/app-error';
import { accountQuery, currentSignal, trackBackendWork } from '../../observability/query-accounting';
import type { EngineCapabilities, QueryStats, SqlEngine, SqlQuery, SqlResult, SqlRow } from '../../ports/sql-engine';
import type { SqlFragment } from '../../ports/sql';
import { Deadline, PollSchedule, jitteredDelay, sleep } from '../../util/backoff';
import {
  isActiveStatementsExceeded,
  isThrottling,
  queryAborted,
  redshiftCallError,
  redshiftStatementAborted,
  redshiftStatementFailed,
  redshiftTimeout,
} from './redshift-errors';
import { renderRedshiftSql } from './redshift-sql';
import { redshiftConverter, type RedshiftCellConverter } from './redshift-values';

/**
 * SqlEngine over the Redshift Data API: ExecuteStatement -> poll DescribeStatement
 * -> page GetStatementResult. Values travel as named Parameters; every statement
 * is accounted with Redshift's own Duration as engine time.
 *
 * Cost: Redshift reports no per-statement price. The estimate is the engine time
 * at the workgroup's base capacity (base RPU x RPU-hour price) with Serverless'
 * 60-second minimum: an upper bound, since Serverless bills the workgroup's usage,
 * which concurrent statements share.
 */
export interface RedshiftTargetSettings {
  workgroupName?: string;
  clusterIdentifier?: string;
  secretArn?: string;
  dbUser?: string;
}

export interface RedshiftEngineSettings {
  target: RedshiftTargetSettings;
  database: string;
  queryTimeoutMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

export interface RedshiftEngineOptions {
  client: RedshiftDataClient;
  settings: RedshiftEngineSettings;
  /** Price of one statement; default: 8 RPU x 0.375 USD per RPU-hour, 60 s minimum (config.pricing). */
  pricing?: (bytesScanned: number, engineMs: number) => number;
  /** Retry delays after ActiveStatementsExceededException: base and cap. */
  busyBaseMs?: number;
  busyMaxMs?: number;
  ownsClient?: boolean;
  random?: () => number;
}

const POLL_GROWTH = 1.3;
const CLEANUP_TIMEOUT_MS = 5_000;

export function defaultRedshiftPricing(rpuHourUsd = 0.375, baseRpu = 8, minSeconds = 60): (bytesScanned: number, engineMs: number) => number {
  return (_bytes, engineMs) => (Math.max(engineMs / 1000, minSeconds) / 3600) * baseRpu * rpuHourUsd;
}

/**
 * Statements that BatchExecuteStatement runs in order as one transaction: all of
 * them take effect or none. The API takes no parameters: values must be written
 * into the text as checked literals (a fragment with parameters is refused).
 */
export interface SqlBatch {
  label: string;
  /** 1 to 40 statements. */
  statements: readonly SqlFragment[];
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A SqlEngine that can also run a transactional batch (RedshiftDataEngine). */
export interface BatchSqlEngine extends SqlEngine {
  batch(batch: SqlBatch): Promise<SqlResult>;
}

interface StatementContext {
  query: Pick<SqlQuery, 'label' | 'bytesHint' | 'partitions' | 'files'>;
  signal: AbortSignal | undefined;
  deadline: Deadline;
  timeoutMs: number;
  started: bigint;
}

export class RedshiftDataEngine implements BatchSqlEngine {
  readonly name = 'redshift' as const;
  private readonly client: RedshiftDataClient;
  private readonly settings: RedshiftEngineSettings;
  private readonly pricing: (bytesScanned: number, engineMs: number) => number;
  private readonly random: () => number;

  constructor(private readonly options: RedshiftEngineOptions) {
    this.client = options.client;
    this.settings = options.settings;
    this.pricing = options.pricing ?? defaultRedshiftPricing();
    this.random = options.random ?? Math.random;
    const t = options.settings.target;
    if (!!t.workgroupName === !!t.clusterIdentifier) throw new TypeError('RedshiftDataEngine: set exactly one of target.workgroupName and target.clusterIdentifier');
  }

  capabilities(): EngineCapabilities {
    return { measuresBytes: false, cancellable: true };
  }

  query(query: SqlQuery): Promise<SqlResult> {
    return trackBackendWork(() => admitted('redshift', () => this.run(query)));
  }

  /** BatchExecuteStatement, polled and accounted as one statement. */
  batch(batch: SqlBatch): Promise<SqlResult> {
    return trackBackendWork(() => admitted('redshift', () => this.runBatch(batch)));
  }

  private context(query: StatementContext['query'], signal: AbortSignal | undefined, timeout: number | undefined): StatementContext {
    const timeoutMs = timeout ?? this.settings.queryTimeoutMs;
    return { query, signal: signal ?? currentSignal(), deadline: new Deadline(timeoutMs), timeoutMs, started: process.hrtime.bigint() };
  }

  private async run(query: SqlQuery): Promise<SqlResult> {
    const ctx = this.context(query, query.signal, query.timeoutMs);
    const statement = renderRedshiftSql(query.sql);
    const input: ExecuteStatementCommandInput = { ...this.targetInput(ctx), Sql: statement.text, WithEvent: false };
    if (statement.parameters) input.Parameters = statement.parameters;
    const command = new ExecuteStatementCommand(input);
    const id = await this.submit(ctx, (abortSignal) => this.client.send(command, { abortSignal }));
    const description = await this.waitForCompletion(ctx, id);
    const { rows, columns } = description.HasResultSet ? await this.readResults(ctx, id) : { rows: [], columns: [] };
    const stats = this.stats(ctx, id, description, rows.length);
    accountQuery(stats);
    return { rows, columns, stats };
  }

  async ping(): Promise<void> {
    try {
      // Lists the caller's recent statements: proves endpoint, credentials and permissions without running SQL.
      await this.client.send(new ListStatementsCommand({ MaxResults: 1 }));
    } catch (error) {
      const reason = redshiftCallError(error, 'ListStatements');
      throw reason.code === 'BACKEND_UNAVAILABLE' ? reason : backendUnavailable('redshift', reason.message, error);
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) this.client.destroy();
  }

  private async runBatch(batch: SqlBatch): Promise<SqlResult> {
    if (batch.statements.length < 1 || batch.statements.length > 40) throw new TypeError(`RedshiftDataEngine.batch: 1 to 40 statements, got ${batch.statements.length}`);
    const sqls = batch.statements.map((fragment) => {
      const statement = renderRedshiftSql(fragment);
      if (statement.parameters) throw new TypeError(`RedshiftDataEngine.batch (${batch.label}): BatchExecuteStatement takes no parameters; write checked literals`);
      return statement.text;
    });
    const ctx = this.context({ label: batch.label }, batch.signal, batch.timeoutMs);
    const input: BatchExecuteStatementCommandInput = { ...this.targetInput(ctx), Sqls: sqls, WithEvent: false };
    const command = new BatchExecuteStatementCommand(input);
    const id = await this.submit(ctx, (abortSignal) => this.client.send(command, { abortSignal }), 'BatchExecuteStatement');
    const description = await this.waitForCompletion(ctx, id);
    const stats = this.stats(ctx, id, description, 0);
    accountQuery(stats);
    return { rows: [], columns: [], stats };
  }

  /** Target, database, statement name and a fresh ClientToken: what both submissions carry. */
  private targetInput(ctx: StatementContext): { Database: string; ClientToken: string; StatementName: string; WorkgroupName?: string; ClusterIdentifier?: string; SecretArn?: string; DbUser?: string } {
    const t = this.settings.target;
    return {
      Database: this.settings.database,
      ClientToken: randomUUID(),
      StatementName: ctx.query.label.slice(0, 500),
      ...(t.workgroupName ? { WorkgroupName: t.workgroupName } : {}),
      ...(t.clusterIdentifier ? { ClusterIdentifier: t.clusterIdentifier } : {}),
      ...(t.secretArn ? { SecretArn: t.secretArn } : {}),
      ...(t.dbUser ? { DbUser: t.dbUser } : {}),
    };
  }

  private async submit(ctx: StatementContext, send: (abortSignal: AbortSignal | undefined) => Promise<{ Id?: string }>, operation = 'ExecuteStatement'): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      if (ctx.signal?.aborted) throw queryAborted(ctx.query.label, ctx.signal.reason);
      try {
        // The same command (ClientToken) on every attempt: a retried submission never runs twice.
        const out = await send(ctx.signal);
        if (!out.Id) throw new Error(`${operation} returned no Id`);
        return out.Id;
      } catch (error) {
        if (ctx.signal?.aborted) throw queryAborted(ctx.query.label, ctx.signal.reason);
        if (!isActiveStatementsExceeded(error) && !isThrottling(error)) throw redshiftCallError(error, operation);
        const delay = jitteredDelay(attempt, this.options.busyBaseMs ?? 100, this.options.busyMaxMs ?? 5_000, this.random);
        if (ctx.deadline.remaining() <= delay) throw redshiftTimeout(ctx.query.label, ctx.timeoutMs, undefined);
        try {
          await sleep(delay, ctx.signal);
        } catch (reason) {
          throw queryAborted(ctx.query.label, reason);
        }
      }
    }
  }

  private async waitForCompletion(ctx: StatementContext, id: string): Promise<DescribeStatementResponse> {
    const schedule = new PollSchedule(this.settings.pollIntervalMs, this.settings.maxPollIntervalMs, POLL_GROWTH);
    let last: DescribeStatementResponse | undefined;
    for (;;) {
      try {
        await sleep(Math.min(schedule.next(), ctx.deadline.remaining()), ctx.signal);
      } catch (reason) {
        await this.cancelAndAccount(ctx, id, last);
        throw queryAborted(ctx.query.label, reason);
      }
      if (ctx.deadline.expired()) {
        await this.cancelAndAccount(ctx, id, last);
        throw redshiftTimeout(ctx.query.label, ctx.timeoutMs, id);
      }
      let description: DescribeStatementResponse;
      try {
        description = await this.client.send(new DescribeStatementCommand({ Id: id }), { abortSignal: ctx.signal });
      } catch (error) {
        if (ctx.signal?.aborted) {
          await this.cancelAndAccount(ctx, id, last);
          throw queryAborted(ctx.query.label, ctx.signal.reason);
        }
        if (isThrottling(error)) continue;
        await this.cancel(id);
        throw redshiftCallError(error, 'DescribeStatement');
      }
      last = description;
      switch (description.Status) {
        case 'FINISHED':
          return description;
        case 'FAILED':
          accountQuery(this.stats(ctx, id, description, 0));
          throw redshiftStatementFailed(description.Error, ctx.query.label, id);
        case 'ABORTED':
          accountQuery(this.stats(ctx, id, description, 0));
          throw redshiftStatementAborted(ctx.query.label, id);
        default:
        // SUBMITTED, PICKED, STARTED: keep polling.
      }
    }
  }

  private async readResults(ctx: StatementContext, id: string): Promise<{ rows: SqlRow[]; columns: Array<{ name: string; type: string }> }> {
    const rows: SqlRow[] = [];
    let names: string[] = [];
    let converters: RedshiftCellConverter[] = [];
    let columns: Array<{ name: string; type: string }> = [];
    let nextToken: string | undefined;
    let first = true;
    for (;;) {
      if (ctx.signal?.aborted) throw queryAborted(ctx.query.label, ctx.signal.reason);
      if (ctx.deadline.expired()) throw redshiftTimeout(ctx.query.label, ctx.timeoutMs, id);
      let page;
      try {
        page = await this.client.send(new GetStatementResultCommand({ Id: id, NextToken: nextToken }), { abortSignal: ctx.signal });
      } catch (error) {
        if (ctx.signal?.aborted) throw queryAborted(ctx.query.label, ctx.signal.reason);
        throw redshiftCallError(error, 'GetStatementResult');
      }
      if (first) {
        const metadata: ColumnMetadata[] = page.ColumnMetadata ?? [];
        names = metadata.map((c, i) => c.name ?? c.label ?? `?column?${i}`);
        converters = metadata.map((c) => redshiftConverter(c));
        columns = metadata.map((c, i) => ({ name: names[i]!, type: (c.typeName ?? 'varchar').toLowerCase() }));
        first = false;
      }
      for (const record of page.Records ?? []) {
        const row: SqlRow = {};
        for (let c = 0; c < names.length; c++) row[names[c]!] = converters[c]!(record[c]);
        rows.push(row);
      }
      nextToken = page.NextToken;
      if (!nextToken) return { rows, columns };
    }
  }

  private async cancelAndAccount(ctx: StatementContext, id: string, last: DescribeStatementResponse | undefined): Promise<void> {
    await this.cancel(id);
    let final = last;
    try {
      final = await this.client.send(new DescribeStatementCommand({ Id: id }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
    } catch {
      // Keep the last description seen.
    }
    accountQuery(this.stats(ctx, id, final, 0));
  }

  private async cancel(id: string): Promise<void> {
    try {
      await this.client.send(new CancelStatementCommand({ Id: id }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
    } catch {
      // Best effort: the statement may have finished meanwhile.
    }
  }

  private stats(ctx: StatementContext, id: string, description: DescribeStatementResponse | undefined, rows: number): QueryStats {
    const ms = Number(process.hrtime.bigint() - ctx.started) / 1e6;
    // Duration is in nanoseconds; -1 (or absent) until the statement ends.
    const duration = description?.Duration;
    const engineMs = duration !== undefined && duration >= 0 ? duration / 1e6 : ms;
    const stats: QueryStats = {
      backend: 'redshift',
      label: ctx.query.label,
      ms,
      engineMs,
      bytesScanned: ctx.query.bytesHint ?? 0,
      rows,
      costUsd: description ? this.pricing(ctx.query.bytesHint ?? 0, engineMs) : 0,
      queryId: id,
    };
    if (ctx.query.partitions !== undefined) stats.partitions = ctx.query.partitions;
    if (ctx.query.files !== undefined) stats.files = ctx.query.files;
    return stats;
  }
}
