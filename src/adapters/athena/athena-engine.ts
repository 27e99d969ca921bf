import { randomUUID } from 'node:crypto';
import { admitted } from '../../admission/admission';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { backendUnavailable, isAppError } from '../../errors/app-error';
import { accountQuery, currentSignal, trackBackendWork } from '../../observability/query-accounting';
import type { EngineCapabilities, QueryStats, SqlEngine, SqlQuery, SqlResult, SqlRow } from '../../ports/sql-engine';
import { Deadline, PollSchedule, jitteredDelay, sleep } from '../../util/backoff';
import {
  athenaCallError,
  athenaQueryCancelled,
  athenaQueryFailed,
  athenaTimeout,
  isThrottling,
  queryAborted,
} from './athena-errors';
import { renderAthenaSql, type AthenaStatement } from './athena-sql';
import { athenaConverter, type AthenaCellConverter } from './athena-values';

/**
 * SqlEngine over Athena: StartQueryExecution -> poll GetQueryExecution -> page
 * GetQueryResults. Values travel as ExecutionParameters (never in the SQL text);
 * every execution is accounted with the bytes Athena scanned and its engine time.
 */
export interface AthenaEngineSettings {
  workgroup: string;
  outputLocation: string | undefined;
  catalog: string;
  database: string;
  resultReuse: boolean;
  resultReuseMaxAgeMinutes: number;
  queryTimeoutMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  maxQueryRetries: number;
  pageSize: number;
}

export interface AthenaEngineOptions {
  client: AthenaClient;
  settings: AthenaEngineSettings;
  /**
   * When the data lakegate's queries read last changed (epoch ms: a load's commit,
   * an erasure's DELETE), undefined when no change is known. With result reuse on,
   * Athena would answer from a result older than the change (it does not check the
   * data): MaxAgeInMinutes is bounded by the time since, and reuse is off for a
   * minute after a change. A failure to tell turns reuse off for that query.
   */
  lastDataChange?: () => Promise<number | undefined>;
  /** Clock of the reuse bound (tests). */
  now?: () => number;
  /** Price of one execution; default: 5 USD per TB scanned, at least 10 MB (config.pricing). */
  pricing?: (bytesScanned: number, engineMs: number) => number;
  /** Retry delays after throttling (TooManyRequestsException): base and cap. */
  throttleBaseMs?: number;
  throttleMaxMs?: number;
  /** Destroy the client on close() (when this engine created it). */
  ownsClient?: boolean;
  random?: () => number;
}

/** Growth of the polling interval: ~15% of a query's run is the most it waits past its end. */
const POLL_GROWTH = 1.3;
/** Bound on the best-effort StopQueryExecution / final status calls after a timeout. */
const CLEANUP_TIMEOUT_MS = 5_000;

export function defaultAthenaPricing(usdPerTb = 5, minBytes = 10 * 1024 * 1024): (bytesScanned: number) => number {
  return (bytes) => (Math.max(bytes, minBytes) / 1e12) * usdPerTb;
}

interface ExecutionContext {
  query: SqlQuery;
  statement: AthenaStatement;
  signal: AbortSignal | undefined;
  deadline: Deadline;
  timeoutMs: number;
}

export class AthenaEngine implements SqlEngine {
  readonly name = 'athena' as const;
  private readonly client: AthenaClient;
  private readonly settings: AthenaEngineSettings;
  private readonly pricing: (bytesScanned: number, engineMs: number) => number;
  private readonly throttleBaseMs: number;
  private readonly throttleMaxMs: number;
  private readonly random: () => number;
  /** Whether the workgroup enforces its own result location (GetWorkGroup, once it answered). */
  private enforcedLocation: Promise<boolean> | undefined;

  constructor(private readonly options: AthenaEngineOptions) {
    this.client = options.client;
    this.settings = options.settings;
    this.pricing = options.pricing ?? defaultAthenaPricing();
    this.throttleBaseMs = options.throttleBaseMs ?? 100;
    this.throttleMaxMs = options.throttleMaxMs ?? 5_000;
    this.random = options.random ?? Math.random;
  }

  capabilities(): EngineCapabilities {
    return { measuresBytes: true, cancellable: true };
  }

  query(query: SqlQuery): Promise<SqlResult> {
    return trackBackendWork(() => admitted('athena', () => this.run(query)));
  }

  private async run(query: SqlQuery): Promise<SqlResult> {
    const timeoutMs = query.timeoutMs ?? this.settings.queryTimeoutMs;
    const ctx: ExecutionContext = {
      query,
      statement: renderAthenaSql(query.sql),
      signal: query.signal ?? currentSignal(),
      deadline: new Deadline(timeoutMs),
      timeoutMs,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.execute(ctx);
      } catch (error) {
        // A FAILED query that Athena marks Retryable is submitted again (new token).
        const retry =
          isAppError(error) && error.retryable && error.details.queryId && error.code === 'BACKEND_UNAVAILABLE' && attempt < this.settings.maxQueryRetries;
        if (!retry) throw error;
        const delay = jitteredDelay(attempt, this.throttleBaseMs, this.throttleMaxMs, this.random);
        if (ctx.deadline.remaining() <= delay) throw error;
        await this.pause(delay, ctx, undefined);
      }
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new GetWorkGroupCommand({ WorkGroup: this.settings.workgroup }));
    } catch (error) {
      const reason = athenaCallError(error, 'GetWorkGroup');
      throw reason.code === 'BACKEND_UNAVAILABLE' ? reason : backendUnavailable('athena', reason.message, error);
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) this.client.destroy();
  }

  /** One execution: start, wait, read. */
  private async execute(ctx: ExecutionContext): Promise<SqlResult> {
    const started = process.hrtime.bigint();
    const queryId = await this.start(ctx);
    const execution = await this.waitForCompletion(ctx, queryId, started);
    const { rows, columns } = await this.readResults(ctx, queryId, execution.StatementType);
    const stats = this.stats(ctx, started, queryId, execution, rows.length, false);
    accountQuery(stats);
    return { rows, columns, stats };
  }

  /**
   * Result reuse for this query: the configured age, bounded by the last change of
   * the data (see lastDataChange); undefined when reuse is off or may not apply.
   */
  private async reuseMaxAgeMinutes(query: SqlQuery): Promise<number | undefined> {
    if (!this.settings.resultReuse || query.reuse === false) return undefined;
    let changedAt: number | undefined;
    try {
      changedAt = await this.options.lastDataChange?.();
    } catch {
      return undefined; // the last change is unknown: a reused result could predate it
    }
    if (changedAt === undefined) return this.settings.resultReuseMaxAgeMinutes;
    const minutes = Math.floor(((this.options.now ?? Date.now)() - changedAt) / 60_000);
    return minutes >= 1 ? Math.min(this.settings.resultReuseMaxAgeMinutes, minutes) : undefined;
  }

  /**
   * Whether to send OutputLocation. Athena does not reuse results for a query that
   * overrides the workgroup's result configuration, so with reuse on the location
   * is sent only when the workgroup does not enforce its own (GetWorkGroup, asked
   * once; asked again after a failure, sending the location meanwhile).
   */
  private async sendsOutputLocation(): Promise<boolean> {
    if (!this.settings.outputLocation) return false;
    if (!this.settings.resultReuse) return true;
    this.enforcedLocation ??= this.client.send(new GetWorkGroupCommand({ WorkGroup: this.settings.workgroup })).then((out) => {
      const configuration = out.WorkGroup?.Configuration;
      return configuration?.EnforceWorkGroupConfiguration === true && !!configuration.ResultConfiguration?.OutputLocation;
    });
    try {
      return !(await this.enforcedLocation);
    } catch {
      this.enforcedLocation = undefined;
      return true;
    }
  }

  private async start(ctx: ExecutionContext): Promise<string> {
    const input: StartQueryExecutionCommandInput = {
      QueryString: ctx.statement.text,
      ClientRequestToken: randomUUID(),
      WorkGroup: this.settings.workgroup,
      QueryExecutionContext: { Catalog: this.settings.catalog, Database: this.settings.database },
    };
    if (ctx.statement.executionParameters) input.ExecutionParameters = ctx.statement.executionParameters;
    if (await this.sendsOutputLocation()) input.ResultConfiguration = { OutputLocation: this.settings.outputLocation };
    const maxAge = await this.reuseMaxAgeMinutes(ctx.query);
    if (maxAge !== undefined) {
      input.ResultReuseConfiguration = { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: maxAge } };
    }
    const command = new StartQueryExecutionCommand(input);
    for (let attempt = 0; ; attempt++) {
      this.throwIfStopped(ctx, undefined);
      try {
        // The same ClientRequestToken on every attempt: a retried start never runs twice.
        const out = await this.client.send(command, { abortSignal: ctx.signal });
        if (!out.QueryExecutionId) throw new Error('StartQueryExecution returned no QueryExecutionId');
        return out.QueryExecutionId;
      } catch (error) {
        if (ctx.signal?.aborted) throw queryAborted('Athena', ctx.query.label, ctx.signal.reason);
        if (!isThrottling(error)) throw athenaCallError(error, 'StartQueryExecution');
        // Throttled past the SDK's own retries (the concurrent-query limit): wait with jitter.
        const delay = jitteredDelay(attempt, this.throttleBaseMs, this.throttleMaxMs, this.random);
        if (ctx.deadline.remaining() <= delay) throw athenaTimeout(ctx.query.label, ctx.timeoutMs, undefined);
        await this.pause(delay, ctx, undefined);
      }
    }
  }

  private async waitForCompletion(ctx: ExecutionContext, queryId: string, started: bigint): Promise<QueryExecution> {
    const schedule = new PollSchedule(this.settings.pollIntervalMs, this.settings.maxPollIntervalMs, POLL_GROWTH);
    let last: QueryExecution | undefined;
    for (;;) {
      await this.pause(Math.min(schedule.next(), ctx.deadline.remaining()), ctx, queryId, started, () => last);
      if (ctx.deadline.expired()) {
        await this.stopAndAccount(ctx, queryId, started, last);
        throw athenaTimeout(ctx.query.label, ctx.timeoutMs, queryId);
      }
      let execution: QueryExecution | undefined;
      try {
        execution = (await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }), { abortSignal: ctx.signal })).QueryExecution;
      } catch (error) {
        if (ctx.signal?.aborted) {
          await this.stopAndAccount(ctx, queryId, started, last);
          throw queryAborted('Athena', ctx.query.label, ctx.signal.reason);
        }
        if (isThrottling(error)) continue; // the next poll comes later anyway
        // Athena unreachable mid-query: try to stop it so it does not run on unobserved.
        await this.stop(queryId);
        throw athenaCallError(error, 'GetQueryExecution');
      }
      last = execution;
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return execution!;
      if (state === 'FAILED') {
        accountQuery(this.stats(ctx, started, queryId, execution, 0, true));
        throw athenaQueryFailed(execution?.Status?.AthenaError, execution?.Status?.StateChangeReason, ctx.query.label, queryId);
      }
      if (state === 'CANCELLED') {
        accountQuery(this.stats(ctx, started, queryId, execution, 0, false));
        throw athenaQueryCancelled(execution?.Status?.StateChangeReason, ctx.query.label, queryId);
      }
    }
  }

  private async readResults(
    ctx: ExecutionContext,
    queryId: string,
    statementType: string | undefined,
  ): Promise<{ rows: SqlRow[]; columns: Array<{ name: string; type: string }> }> {
    const rows: SqlRow[] = [];
    let names: string[] = [];
    let converters: AthenaCellConverter[] = [];
    let columns: Array<{ name: string; type: string }> = [];
    let nextToken: string | undefined;
    let first = true;
    for (;;) {
      this.throwIfStopped(ctx, undefined);
      let page;
      try {
        page = await this.client.send(
          new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: this.settings.pageSize, NextToken: nextToken }),
          { abortSignal: ctx.signal },
        );
      } catch (error) {
        if (ctx.signal?.aborted) throw queryAborted('Athena', ctx.query.label, ctx.signal.reason);
        if (isThrottling(error)) {
          await this.pause(jitteredDelay(0, this.throttleBaseMs, this.throttleMaxMs, this.random), ctx, undefined);
          continue;
        }
        throw athenaCallError(error, 'GetQueryResults');
      }
      if (first) {
        const info: ColumnInfo[] = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        names = info.map((c, i) => c.Name ?? c.Label ?? `_col${i}`);
        converters = info.map((c) => athenaConverter(c));
        columns = info.map((c, i) => ({ name: names[i]!, type: columnType(c) }));
      }
      const data = page.ResultSet?.Rows ?? [];
      // DML results repeat the column names as their first row (first page only);
      // DDL and utility statements (SHOW, DESCRIBE) have no header row.
      const from = first && (statementType ?? 'DML') === 'DML' && data.length > 0 ? 1 : 0;
      for (let r = from; r < data.length; r++) {
        const cells = data[r]!.Data ?? [];
        const row: SqlRow = {};
        for (let c = 0; c < names.length; c++) {
          row[names[c]!] = converters[c]!(cells[c]?.VarCharValue);
        }
        rows.push(row);
      }
      nextToken = page.NextToken;
      first = false;
      if (!nextToken) return { rows, columns };
    }
  }

  /**
   * Waits `ms`; when the caller aborts meanwhile, stops the running query (if any)
   * and throws. The deadline is checked by the caller.
   */
  private async pause(ms: number, ctx: ExecutionContext, queryId: string | undefined, started?: bigint, last?: () => QueryExecution | undefined): Promise<void> {
    try {
      await sleep(ms, ctx.signal);
    } catch (reason) {
      if (queryId && started !== undefined) await this.stopAndAccount(ctx, queryId, started, last?.());
      throw queryAborted('Athena', ctx.query.label, reason);
    }
  }

  private throwIfStopped(ctx: ExecutionContext, queryId: string | undefined): void {
    if (ctx.signal?.aborted) throw queryAborted('Athena', ctx.query.label, ctx.signal.reason);
    if (ctx.deadline.expired()) throw athenaTimeout(ctx.query.label, ctx.timeoutMs, queryId);
  }

  /** Stops the query, then accounts what it scanned until then (Athena bills cancelled queries). */
  private async stopAndAccount(ctx: ExecutionContext, queryId: string, started: bigint, last: QueryExecution | undefined): Promise<void> {
    await this.stop(queryId);
    let final = last;
    try {
      final = (await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) }))
        .QueryExecution;
    } catch {
      // Keep the last status seen.
    }
    accountQuery(this.stats(ctx, started, queryId, final, 0, false));
  }

  private async stop(queryId: string): Promise<void> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
    } catch {
      // Best effort: the workgroup's own query timeout is the backstop.
    }
  }

  private stats(ctx: ExecutionContext, started: bigint, queryId: string, execution: QueryExecution | undefined, rows: number, failed: boolean): QueryStats {
    const statistics = execution?.Statistics;
    const bytesScanned = statistics?.DataScannedInBytes ?? 0;
    const engineMs = statistics?.EngineExecutionTimeInMillis ?? 0;
    const reused = statistics?.ResultReuseInformation?.ReusedPreviousResult === true;
    // Athena bills neither failed queries nor reused results.
    const costUsd = failed || reused || execution === undefined ? 0 : this.pricing(bytesScanned, engineMs);
    const stats: QueryStats = {
      backend: 'athena',
      label: ctx.query.label,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
      engineMs,
      bytesScanned,
      rows,
      costUsd,
      queryId,
    };
    if (ctx.query.partitions !== undefined) stats.partitions = ctx.query.partitions;
    if (ctx.query.files !== undefined) stats.files = ctx.query.files;
    return stats;
  }
}

function columnType(column: ColumnInfo): string {
  const type = (column.Type ?? 'varchar').toLowerCase();
  return type === 'decimal' && column.Precision ? `decimal(${column.Precision},${column.Scale ?? 0})` : type;
}
