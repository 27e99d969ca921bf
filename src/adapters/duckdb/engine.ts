import { AppError, ErrorCode, backendUnavailable } from '../../errors/app-error';
import { admitted } from '../../admission/admission';
import { accountQuery, currentSignal, elapsedMs, trackBackendWork } from '../../observability/query-accounting';
import type { EngineCapabilities, QueryStats, SqlEngine, SqlQuery, SqlResult } from '../../ports/sql-engine';
import { sql } from '../../ports/sql';
import type { DuckDbDatabase } from './database';
import { cancelledError, mapDuckDbError } from './errors';
import { renderDuckDbSql } from './session';
import { ParamError } from './values';

/** Prices a query from its stats (DuckDB is free; a deployment may charge compute time). */
export type DuckDbPricing = (stats: Omit<QueryStats, 'costUsd'>) => number;

export interface DuckDbEngineOptions {
  /** Applies when the query sets no timeoutMs (default 30 s). */
  defaultTimeoutMs?: number;
  /** The admission-control engine its queries count against (the lake and the warehouse each have one over the same database). */
  admission?: 'duckdb-lake' | 'duckdb-warehouse';
  pricing?: DuckDbPricing;
}

/**
 * SqlEngine over the embedded DuckDB: `$n` placeholders with typed bindings,
 * normalized values, cancellation through the connection's interrupt, and one
 * accountQuery() per query (failed ones included).
 */
export class DuckDbEngine implements SqlEngine {
  readonly name = 'duckdb' as const;
  private readonly defaultTimeoutMs: number;
  private readonly pricing: DuckDbPricing;
  private readonly admission: DuckDbEngineOptions['admission'];

  constructor(
    readonly database: DuckDbDatabase,
    options: DuckDbEngineOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.pricing = options.pricing ?? (() => 0);
    this.admission = options.admission;
  }

  capabilities(): EngineCapabilities {
    return { measuresBytes: false, cancellable: true };
  }

  query(query: SqlQuery): Promise<SqlResult> {
    const admission = this.admission;
    return trackBackendWork(() => (admission ? admitted(admission, () => this.run(query)) : this.run(query)));
  }

  private async run(query: SqlQuery): Promise<SqlResult> {
    const signal = query.signal ?? currentSignal();
    const timeoutMs = query.timeoutMs ?? this.defaultTimeoutMs;
    const started = process.hrtime.bigint();
    let rows = 0;
    let timedOut = false;
    const stats = (): QueryStats => {
      const base: Omit<QueryStats, 'costUsd'> = {
        backend: 'duckdb',
        label: query.label,
        ms: elapsedMs(started),
        bytesScanned: query.bytesHint ?? 0,
        rows,
        ...(query.partitions !== undefined ? { partitions: query.partitions } : {}),
        ...(query.files !== undefined ? { files: query.files } : {}),
      };
      return { ...base, costUsd: this.pricing(base) };
    };

    if (signal?.aborted) throw cancelledError(query.label, signal);
    const { text, params } = renderDuckDbSql(query.sql);
    // The timeout covers waiting for a connection and running; either way the
    // statement is interrupted (DuckDB then fails it with an INTERRUPT error).
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, timeoutMs);
    const stop = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      const output = await this.database.withSession(async (session) => {
        const onAbort = () => session.interrupt();
        stop.addEventListener('abort', onAbort, { once: true });
        try {
          if (stop.aborted) throw stop.reason;
          return await session.queryText(text, params);
        } finally {
          stop.removeEventListener('abort', onAbort);
        }
      }, stop);
      rows = output.rows.length;
      const result: SqlResult = { rows: output.rows, columns: output.columns, stats: stats() };
      accountQuery(result.stats);
      return result;
    } catch (error) {
      accountQuery(stats());
      if (error instanceof ParamError) {
        throw new AppError(ErrorCode.BACKEND_QUERY_FAILED, `query "${query.label}": ${error.message}`, { details: { backend: 'duckdb', label: query.label }, cause: error });
      }
      throw mapDuckDbError(error, { label: query.label, timedOut, timeoutMs, abortedBy: signal });
    } finally {
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    // Health checks are not lakegate's queries: not accounted.
    try {
      await this.database.query(sql`SELECT 1 AS ok`);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.BACKEND_UNAVAILABLE) throw error;
      throw backendUnavailable('duckdb', 'the embedded database does not answer', error);
    }
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
