import { EVENT_COLUMNS, type EventColumn } from '../../ports/lake';
import { join, p, raw, sql, type SqlFragment } from '../../ports/sql';
import type { DayRange } from '../../util/days';

// SQL for the events domain, in the subset DuckDB, Trino (Athena) and Redshift
// share. Relations come from the Lake / Warehouse ports; every value is a parameter.

/** Every column of the events table: an events page selects them all. */
export const EVENT_PAGE_COLUMNS: readonly EventColumn[] = EVENT_COLUMNS;

export interface EventConditions {
  range: DayRange;
  /** The filter's customer and/or a tenant's customers (never empty: an empty restriction answers nothing without a query). */
  customerIds?: string[];
  eventTypes?: string[];
  customerTypes?: string[];
  excludeCustomerTypes?: string[];
}

export function eventConditions(c: EventConditions): SqlFragment {
  const parts: SqlFragment[] = [sql`day BETWEEN ${p.date(c.range.from)} AND ${p.date(c.range.to)}`];
  if (c.customerIds?.length === 1) parts.push(sql`customer_id = ${p.str(c.customerIds[0]!)}`);
  else if (c.customerIds) parts.push(sql`customer_id IN ${p.list(c.customerIds.map(p.str))}`);
  if (c.eventTypes) parts.push(sql`event_type IN ${p.list(c.eventTypes.map(p.str))}`);
  if (c.customerTypes) parts.push(sql`customer_type IN ${p.list(c.customerTypes.map(p.str))}`);
  if (c.excludeCustomerTypes) parts.push(sql`customer_type NOT IN ${p.list(c.excludeCustomerTypes.map(p.str))}`);
  return join(parts, ' AND ');
}

/** Keyset position of the events listing (newest first). */
export interface EventPosition {
  /**
   * occurred_at at the engine's full precision, ISO (src/util/cursor.ts isIsoInstant):
   * Iceberg and DuckDB timestamps hold microseconds, and a position truncated to
   * milliseconds would skip the rows between .123000 and .123456 and never match a tie.
   */
  t: string;
  /** event_id */
  id: string;
}

/**
 * The column holding occurred_at as text at full precision ('YYYY-MM-DD
 * HH:MM:SS.ffffff' in DuckDB and Trino), which the page's cursors are made from:
 * SqlCell timestamps carry milliseconds only.
 */
export const OCCURRED_AT_KEY = 'occurred_at_key';

export function eventPageSql(relation: SqlFragment, where: SqlFragment, after: EventPosition | undefined, limit: number): SqlFragment {
  const keyset = after
    ? sql` AND (occurred_at < ${p.timestamp(after.t)} OR (occurred_at = ${p.timestamp(after.t)} AND event_id < ${p.str(after.id)}))`
    : sql``;
  return sql`SELECT ${raw(EVENT_PAGE_COLUMNS.join(', '))}, CAST(occurred_at AS VARCHAR) AS ${raw(OCCURRED_AT_KEY)} FROM ${relation} WHERE ${where}${keyset} ORDER BY occurred_at DESC, event_id DESC LIMIT ${raw(String(limit))}`;
}

export function eventCountSql(relation: SqlFragment, where: SqlFragment): SqlFragment {
  return sql`SELECT COUNT(*) AS total FROM ${relation} WHERE ${where}`;
}

export type StatsDimension = 'customer_type' | 'event_type' | 'customer_id';
export type StatsPeriod = 'DAY' | 'WEEK' | 'MONTH';

export function periodExpression(interval: StatsPeriod): SqlFragment {
  switch (interval) {
    case 'DAY':
      return sql`day`;
    case 'WEEK':
      return sql`CAST(date_trunc('week', day) AS DATE)`;
    case 'MONTH':
      return sql`CAST(date_trunc('month', day) AS DATE)`;
  }
}

/**
 * Counts per period and dimensions. `measure` is COUNT(*) over the lake or
 * SUM(total_events) over the warehouse's daily aggregates: same numbers.
 */
export function eventStatsSql(options: {
  relation: SqlFragment;
  where: SqlFragment;
  interval: StatsPeriod;
  dimensions: StatsDimension[];
  measure: 'count' | 'sum';
  limit: number;
}): SqlFragment {
  const select: SqlFragment[] = [sql`${periodExpression(options.interval)} AS period_start`];
  for (const d of options.dimensions) select.push(sql`${raw(d)}`);
  select.push(options.measure === 'count' ? sql`COUNT(*) AS total_events` : sql`CAST(SUM(total_events) AS BIGINT) AS total_events`);
  const groupBy = Array.from({ length: options.dimensions.length + 1 }, (_, i) => String(i + 1)).join(', ');
  return sql`SELECT ${join(select, ', ')} FROM ${options.relation} WHERE ${options.where} GROUP BY ${raw(groupBy)} ORDER BY ${raw(groupBy)} LIMIT ${raw(String(options.limit))}`;
}
