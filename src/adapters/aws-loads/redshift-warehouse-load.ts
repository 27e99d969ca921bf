import { randomBytes } from 'node:crypto';
import type { WarehouseDayLoad, WarehouseLoadStep } from '../../ports/loads';
import type { SqlEngine } from '../../ports/sql-engine';
import { p, raw, sql, type SqlFragment } from '../../ports/sql';
import { isDay, type Day, type DayRange } from '../../util/days';
import type { BatchSqlEngine } from '../redshift-data/redshift-engine';
import type { S3Objects } from '../s3/s3-objects';

/**
 * The warehouse step of a load on AWS: Athena UNLOADs the day's aggregates of the
 * Iceberg lake as Parquet to a fresh prefix (UNLOAD refuses a prefix that holds
 * objects), then one BatchExecuteStatement runs, as one Redshift transaction,
 *
 *   DELETE FROM <schema>.daily_event_counts WHERE day = '<day>'
 *   COPY <schema>.daily_event_counts FROM '<prefix>' IAM_ROLE '<role>' FORMAT AS PARQUET
 *
 * so a reader sees the old day or the new one, and a rerun replaces the day again
 * (never counts it twice). A day without events leaves no file to COPY: then the
 * batch is the DELETE alone. COPY maps Parquet columns by position, hence the
 * UNLOAD's column order is the table's. The exports are not deleted here: give the
 * export prefix a lifecycle rule (docs/AWS.md).
 */
export interface RedshiftWarehouseLoadOptions {
  athena: SqlEngine;
  redshift: BatchSqlEngine;
  /** Lists the export prefix (is there anything to COPY?). */
  objects: S3Objects;
  /** Quoted Iceberg events table, e.g. "lake"."events". */
  lakeEvents: string;
  /** Quoted daily_event_counts, e.g. "warehouse"."daily_event_counts". */
  table: string;
  /** s3:// prefix ending in '/' (LAKEGATE_ATHENA_EXPORT_LOCATION). */
  exportLocation: string;
  /** IAM role Redshift assumes for COPY (LAKEGATE_REDSHIFT_COPY_ROLE_ARN). */
  copyRoleArn: string;
  /** Longest run of the UNLOAD and of the batch. Default 30 minutes. */
  statementTimeoutMs?: number;
  /** A fresh, sortable name per run (default: UTC time + random). */
  runId?: () => string;
}

/** Values written into statement text are checked first: these must not need any escaping. */
const SAFE_LITERAL = /^[A-Za-z0-9:/_.=+,@-]+$/;

export class RedshiftWarehouseLoad implements WarehouseLoadStep {
  private readonly timeoutMs: number;
  private readonly runId: () => string;

  constructor(private readonly options: RedshiftWarehouseLoadOptions) {
    this.timeoutMs = options.statementTimeoutMs ?? 1_800_000;
    this.runId = options.runId ?? (() => `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`);
    literal(options.exportLocation);
    literal(options.copyRoleArn);
  }

  /** Where the day's aggregates of one run are unloaded. */
  exportPrefix(day: Day, runId: string): string {
    return `${this.options.exportLocation}daily_event_counts/day=${day}/${runId}/`;
  }

  async loadDay(day: Day, signal?: AbortSignal): Promise<WarehouseDayLoad> {
    if (!isDay(day)) throw new TypeError(`not a day: ${JSON.stringify(day)}`);
    const prefix = this.exportPrefix(day, this.runId());
    const table = raw(this.options.table);
    await this.options.athena.query({
      label: 'loads.warehouse.unload',
      sql: sql`UNLOAD (SELECT day, customer_id, customer_type, event_type, COUNT(*) AS total_events FROM ${raw(this.options.lakeEvents)}
                 WHERE day = ${p.date(day)} GROUP BY day, customer_id, customer_type, event_type)
               TO ${literal(prefix)} WITH (format = 'PARQUET', compression = 'SNAPPY')`,
      signal,
      timeoutMs: this.timeoutMs,
      reuse: false,
    });
    const statements: SqlFragment[] = [sql`DELETE FROM ${table} WHERE day = ${literal(day)}`];
    if (await this.options.objects.any(prefix, signal)) {
      statements.push(sql`COPY ${table} FROM ${literal(prefix)} IAM_ROLE ${literal(this.options.copyRoleArn)} FORMAT AS PARQUET`);
    }
    await this.options.redshift.batch({ label: 'loads.warehouse.replaceDay', statements, signal, timeoutMs: this.timeoutMs });
    const { rows } = await this.options.redshift.query({
      label: 'loads.warehouse.dayTotals',
      sql: sql`SELECT COUNT(*) AS n, COALESCE(SUM(total_events), 0) AS events FROM ${table} WHERE day = ${p.date(day)}`,
      signal,
    });
    return { rows: Number(rows[0]?.n ?? 0), events: Number(rows[0]?.events ?? 0) };
  }

  async dayRows(range: DayRange, signal?: AbortSignal): Promise<Map<Day, number>> {
    const { rows } = await this.options.redshift.query({
      label: 'loads.warehouse.dayRows',
      sql: sql`SELECT day, SUM(total_events) AS n FROM ${raw(this.options.table)} WHERE day BETWEEN ${p.date(range.from)} AND ${p.date(range.to)} GROUP BY day`,
      signal,
    });
    return new Map(rows.map((r) => [String(r.day), Number(r.n)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
}

/** A quoted literal of text our configuration and code chose, refused unless it is plainly safe. */
function literal(value: string) {
  if (!SAFE_LITERAL.test(value)) throw new TypeError(`refusing to write ${JSON.stringify(value)} into a statement`);
  return raw(`'${value}'`);
}
