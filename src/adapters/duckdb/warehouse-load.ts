import { accountQuery, elapsedMs } from '../../observability/query-accounting';
import type { WarehouseDayLoad, WarehouseLoadStep } from '../../ports/loads';
import { p, raw, sql } from '../../ports/sql';
import type { Day, DayRange } from '../../util/days';
import type { DuckDbDatabase } from './database';
import type { DuckDbLake } from './lake';
import { fileListLiteral } from './sql-literals';

/**
 * The warehouse step of a load in the embedded mode: the day's rows of
 * warehouse.daily_event_counts are deleted and inserted again from the lake's files
 * of the day, in one transaction (a reader sees the old day or the new one; a crash
 * rolls back). Run again, it gives the same rows.
 */
export class DuckDbWarehouseLoad implements WarehouseLoadStep {
  constructor(
    private readonly lake: DuckDbLake,
    private readonly database: DuckDbDatabase,
    /** Waits while queries run (see DuckDbLakeLoadOptions.giveWay). */
    private readonly giveWay?: (signal: AbortSignal | undefined) => Promise<void>,
  ) {}

  async loadDay(day: Day, signal?: AbortSignal): Promise<WarehouseDayLoad> {
    const started = process.hrtime.bigint();
    const files = await this.lake.files({ from: day, to: day });
    let result: WarehouseDayLoad = { rows: 0, events: 0 };
    await this.giveWay?.(signal);
    try {
      result = await this.database.transaction(async (session) => {
        signal?.throwIfAborted();
        await session.query(sql`DELETE FROM warehouse.daily_event_counts WHERE day = ${p.date(day)}`);
        if (files.length > 0) {
          await session.exec(`INSERT INTO warehouse.daily_event_counts (day, customer_id, customer_type, event_type, total_events)
            SELECT DATE '${day}', customer_id, customer_type, event_type, COUNT(*)
            FROM read_parquet(${fileListLiteral(files.map((f) => f.path))}, hive_partitioning = false)
            GROUP BY 2, 3, 4 ORDER BY 2, 4`);
        }
        signal?.throwIfAborted();
        const { rows } = await session.query(
          sql`SELECT COUNT(*) AS n, COALESCE(SUM(total_events), 0) AS events FROM warehouse.daily_event_counts WHERE day = ${p.date(day)}`,
        );
        return { rows: Number(rows[0]?.n ?? 0), events: Number(rows[0]?.events ?? 0) };
      });
      return result;
    } finally {
      accountQuery({ backend: 'duckdb', label: 'loads.warehouse.day', ms: elapsedMs(started), bytesScanned: files.reduce((s, f) => s + f.bytes, 0), rows: result.rows, costUsd: 0, files: files.length });
    }
  }

  async dayRows(range: DayRange, signal?: AbortSignal): Promise<Map<Day, number>> {
    const { rows } = await this.database.query(
      sql`SELECT CAST(day AS VARCHAR) AS day, SUM(total_events) AS n FROM warehouse.daily_event_counts WHERE day BETWEEN ${p.date(range.from)} AND ${p.date(range.to)} GROUP BY 1 ${raw('ORDER BY 1')}`,
      signal,
    );
    return new Map(rows.map((r) => [String(r.day), Number(r.n)]));
  }
}
