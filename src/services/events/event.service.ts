import type { CachedReader } from '../../cache/cached-reader';
import { DataWindowReader, reachesOutside, type DataWindow } from './data-window';
import type { LimitsConfig } from '../../config/config';
import { AppError, ErrorCode, tooExpensive } from '../../errors/app-error';
import type { EventColumn, Lake, Warehouse } from '../../ports/lake';
import type { SqlRow } from '../../ports/sql-engine';
import type { Day, DayRange } from '../../util/days';
import { hasExactKeys, instantFromSqlText, isId, isIsoInstant, queryFingerprint, type CursorCodec } from '../../util/cursor';
import { emptyPage, makePage, pageSize, type Page } from '../../util/pagination';
import { spendLakeScan, spendRows } from '../../observability/request-budget';
import { dayRange, identifier, nameList } from '../validation';
import { currentTenant, restrictCustomers } from '../../auth/tenant';
import {
  EVENT_PAGE_COLUMNS,
  OCCURRED_AT_KEY,
  eventConditions,
  eventCountSql,
  eventPageSql,
  eventStatsSql,
  type EventConditions,
  type EventPosition,
  type StatsDimension,
  type StatsPeriod,
} from './event-sql';

export interface EventRecord {
  id: string;
  /** ISO instant with milliseconds (the public Event.occurredAt). */
  occurredAt: string;
  /** occurred_at at the engine's precision (microseconds): what the listing's cursors hold. */
  position?: string;
  day: Day;
  customerId: string;
  customerType: string;
  eventType: string;
  source: string;
  region: string;
  severity: string;
  attributes: Record<string, unknown>;
}

export interface EventFilterArgs {
  from: string;
  to: string;
  customerId?: string | null;
  eventTypes?: string[] | null;
  customerTypes?: string[] | null;
}

export type StatsGroup = 'CUSTOMER_TYPE' | 'EVENT_TYPE' | 'CUSTOMER';

export interface EventStatsArgs {
  from: string;
  to: string;
  interval: StatsPeriod;
  groupBy: StatsGroup[];
  excludeCustomerTypes?: string[] | null;
  source: 'WAREHOUSE' | 'LAKE';
}

export interface EventStatRecord {
  periodStart: Day;
  customerType: string | null;
  eventType: string | null;
  customerId: string | null;
  totalEvents: number;
}

const GROUP_COLUMNS: Record<StatsGroup, StatsDimension> = {
  CUSTOMER_TYPE: 'customer_type',
  EVENT_TYPE: 'event_type',
  CUSTOMER: 'customer_id',
};

/** Exactly { t, id }: t an instant as the lake holds it (ISO UTC, milliseconds or microseconds, canonical), id an event id. */
const isPosition = (p: unknown): p is EventPosition => hasExactKeys(p, ['t', 'id']) && isIsoInstant(p.t) && isId(p.id);

function toEvent(row: SqlRow): EventRecord {
  let attributes: Record<string, unknown> = {};
  if (typeof row.attributes === 'string' && row.attributes !== '') {
    try {
      const parsed: unknown = JSON.parse(row.attributes);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) attributes = parsed as Record<string, unknown>;
    } catch {
      attributes = { raw: row.attributes };
    }
  }
  const position = typeof row[OCCURRED_AT_KEY] === 'string' ? instantFromSqlText(row[OCCURRED_AT_KEY]) : undefined;
  return {
    id: String(row.event_id),
    occurredAt: String(row.occurred_at),
    ...(position ? { position } : {}),
    day: String(row.day),
    customerId: String(row.customer_id),
    customerType: String(row.customer_type),
    eventType: String(row.event_type),
    source: String(row.source),
    region: String(row.region),
    severity: String(row.severity),
    attributes,
  };
}

/**
 * Events from the lake and event statistics from the lake or the warehouse.
 * Expensive shapes are refused before anything runs: a day range is required and
 * bounded, and the lake's own estimate of the bytes to scan is checked against
 * LAKEGATE_MAX_SCAN_BYTES.
 */
export class EventService {
  constructor(
    private readonly lake: Lake,
    private readonly warehouse: Warehouse,
    private readonly cache: CachedReader,
    private readonly limits: LimitsConfig,
    private readonly cursors: CursorCodec,
  ) {
    this.window = new DataWindowReader(() => this.lake.partitions());
  }

  private readonly window: DataWindowReader;

  /** The days the lake holds (its oldest and newest partitions), remembered for a minute; null when it holds none. */
  dataWindow(): Promise<DataWindow | null> {
    return this.window.read();
  }

  /**
   * When an answer is empty and its range reaches outside the days the lake holds,
   * the window to point the caller at (extensions.dataWindow); otherwise null.
   */
  async windowForEmptyAnswer(range: { from: string; to: string }): Promise<DataWindow | null> {
    const window = await this.window.read().catch(() => null);
    return window && reachesOutside(range, window) ? window : null;
  }

  /** The filter as SQL conditions, restricted to the tenant's customers (src/auth/tenant.ts). */
  private conditions(args: EventFilterArgs): EventConditions {
    const range = dayRange('filter', args, this.limits.maxLakeDays);
    const requested = args.customerId == null ? undefined : identifier('filter.customerId', args.customerId);
    return {
      range,
      customerIds: restrictCustomers(currentTenant(), requested),
      eventTypes: nameList('filter.eventTypes', args.eventTypes),
      customerTypes: nameList('filter.customerTypes', args.customerTypes),
    };
  }

  /** Refuses a lake scan above LAKEGATE_MAX_SCAN_BYTES before it runs. */
  private async admit(range: DayRange, customerIds?: string[], columns: readonly EventColumn[] = EVENT_PAGE_COLUMNS) {
    const scan = await this.lake.scanEvents(range, { customerIds, columns });
    if (scan.estimatedBytes > this.limits.maxScanBytes) {
      throw tooExpensive(
        `this query would scan about ${formatBytes(scan.estimatedBytes)} of the lake, more than the ${formatBytes(this.limits.maxScanBytes)} allowed (LAKEGATE_MAX_SCAN_BYTES); narrow the date range or filter by customerId`,
        { estimatedBytes: scan.estimatedBytes, maxScanBytes: this.limits.maxScanBytes, partitions: scan.partitions },
      );
    }
    spendLakeScan(scan.partitions, scan.estimatedBytes);
    return scan;
  }

  async events(filter: EventFilterArgs, first?: number | null, after?: string | null): Promise<Page<EventRecord>> {
    const conditions = this.conditions(filter);
    const limit = pageSize(first);
    const fingerprint = queryFingerprint({ q: 'events', ...conditions });
    const position = after ? this.cursors.decode(after, fingerprint, isPosition) : undefined;
    // Newest first: the next page cannot hold days after the cursor's day.
    const range: DayRange = position ? { from: conditions.range.from, to: minDay(conditions.range.to, position.t.slice(0, 10)) } : conditions.range;
    const customerIds = conditions.customerIds;
    // Another tenant's customer: an empty page, as for a customer without events.
    if (customerIds?.length === 0) return emptyPage(position !== undefined);

    const rows = await this.cache.read(
      {
        domain: 'lake',
        label: 'events.page',
        // `precision`: entries cached before positions kept microseconds hold none.
        args: { ...conditions, range, position, limit, precision: 'engine' },
        scope: 'all',
        datasets: ['lake.events'],
        subjectsOf: (events: EventRecord[]) => events.map((e) => e.customerId),
      },
      async () => {
        const scan = await this.admit(range, customerIds);
        if (scan.partitions === 0) return [];
        const result = await this.lake.engine.query({
          label: 'events.page',
          sql: eventPageSql(scan.relation, eventConditions({ ...conditions, range }), position, limit + 1),
          bytesHint: scan.estimatedBytes,
          partitions: scan.partitions,
          files: scan.files,
        });
        return result.rows.map(toEvent);
      },
    );
    const hasNext = rows.length > limit;
    const nodes = hasNext ? rows.slice(0, limit) : rows;
    return makePage(
      nodes,
      (e) => this.cursors.encode(fingerprint, { t: e.position ?? e.occurredAt, id: e.id }),
      hasNext,
      position !== undefined,
      () => this.count(conditions, customerIds),
    );
  }

  private count(conditions: EventConditions, customerIds?: string[]): Promise<number> {
    return this.cache.read(
      { domain: 'lake', label: 'events.count', args: conditions, scope: 'all', datasets: ['lake.events'] },
      async () => {
        const scan = await this.admit(conditions.range, customerIds, ['customer_id', 'customer_type', 'event_type']);
        if (scan.partitions === 0) return 0;
        const result = await this.lake.engine.query({
          label: 'events.count',
          sql: eventCountSql(scan.relation, eventConditions(conditions)),
          bytesHint: scan.estimatedBytes,
          partitions: scan.partitions,
          files: scan.files,
        });
        return Number(result.rows[0]?.total ?? 0);
      },
    );
  }

  async eventStats(input: EventStatsArgs): Promise<EventStatRecord[]> {
    const range = dayRange('input', input, this.limits.maxLakeDays);
    const excluded = nameList('input.excludeCustomerTypes', input.excludeCustomerTypes);
    const groups = [...new Set(input.groupBy)];
    const dimensions = (['CUSTOMER_TYPE', 'EVENT_TYPE', 'CUSTOMER'] as const).filter((g) => groups.includes(g)).map((g) => GROUP_COLUMNS[g]);
    // A tenant's statistics are over its own customers' rows (a CUSTOMER_TYPE group is the tenant's own rows).
    const customerIds = currentTenant()?.customerIds.slice();
    if (customerIds?.length === 0) return [];
    const where = eventConditions({ range, excludeCustomerTypes: excluded, customerIds });
    const maxRows = this.limits.maxStatsRows;
    const args = { range, interval: input.interval, dimensions, excluded, source: input.source, ...(customerIds ? { customerIds } : {}) };

    const rows = await this.cache.read(
      {
        domain: input.source === 'LAKE' ? 'lake' : 'warehouse',
        label: `eventStats.${input.source === 'LAKE' ? 'lake' : 'warehouse'}`,
        args,
        scope: 'all',
        datasets: input.source === 'LAKE' ? ['lake.events'] : ['warehouse.daily_event_counts'],
        subjectsOf: (stats: EventStatRecord[]) => stats.flatMap((r) => (r.customerId === null ? [] : [r.customerId])),
        // Daily aggregates change when the next day lands (which also invalidates the
        // dataset); past midnight UTC a new day may be counted.
        ...(input.source === 'WAREHOUSE' ? { freshUntil: nextUtcMidnight(Date.now()) } : {}),
      },
      async () => {
        let result;
        if (input.source === 'LAKE') {
          const columns = [...new Set<EventColumn>(['customer_type', ...dimensions, ...(customerIds ? (['customer_id'] as const) : [])])];
          const scan = await this.lake.scanEvents(range, { columns: [...columns], customerIds });
          if (scan.estimatedBytes > this.limits.maxScanBytes) {
            throw tooExpensive(`eventStats over the lake would scan about ${formatBytes(scan.estimatedBytes)}, more than the ${formatBytes(this.limits.maxScanBytes)} allowed (LAKEGATE_MAX_SCAN_BYTES); use source: WAREHOUSE or a shorter range`, {
              estimatedBytes: scan.estimatedBytes,
              maxScanBytes: this.limits.maxScanBytes,
            });
          }
          if (scan.partitions === 0) return [];
          spendLakeScan(scan.partitions, scan.estimatedBytes);
          result = await this.lake.engine.query({
            label: 'eventStats.lake',
            sql: eventStatsSql({ relation: scan.relation, where, interval: input.interval, dimensions, measure: 'count', limit: maxRows + 1 }),
            bytesHint: scan.estimatedBytes,
            partitions: scan.partitions,
            files: scan.files,
          });
        } else {
          result = await this.warehouse.engine.query({
            label: 'eventStats.warehouse',
            sql: eventStatsSql({ relation: this.warehouse.table('daily_event_counts'), where, interval: input.interval, dimensions, measure: 'sum', limit: maxRows + 1 }),
          });
        }
        if (result.rows.length > maxRows) {
          throw new AppError(
            ErrorCode.QUERY_TOO_EXPENSIVE,
            `eventStats would return more than ${maxRows} rows (LAKEGATE_MAX_STATS_ROWS); use a coarser interval, fewer groupBy dimensions or a shorter range`,
            { details: { maxRows } },
          );
        }
        return result.rows.map(
          (row): EventStatRecord => ({
            periodStart: String(row.period_start),
            customerType: dimensions.includes('customer_type') ? String(row.customer_type) : null,
            eventType: dimensions.includes('event_type') ? String(row.event_type) : null,
            customerId: dimensions.includes('customer_id') ? String(row.customer_id) : null,
            totalEvents: Number(row.total_events),
          }),
        );
      },
    );
    spendRows(rows.length);
    return rows;
  }
}

function nextUtcMidnight(now: number): number {
  return Math.floor(now / 86_400_000) * 86_400_000 + 86_400_000;
}

function minDay(a: Day, b: Day): Day {
  return a < b ? a : b;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

