import { currentTenant, tenantSees } from '../../auth/tenant';
import type { CachedReader } from '../../cache/cached-reader';
import type { LimitsConfig } from '../../config/config';
import { AppError, badInput, ErrorCode } from '../../errors/app-error';
import { spendRows } from '../../observability/request-budget';
import type { Warehouse } from '../../ports/lake';
import { p, raw, sql, type SqlFragment } from '../../ports/sql';
import type { Day } from '../../util/days';
import { dayRange, identifier, nameList } from '../validation';
import { periodExpression, type StatsPeriod } from './event-sql';

export interface EventBenchmarkArgs {
  /** The customer compared with its peers; a tenant bound to one customer may omit it. */
  customerId?: string | null;
  from: string;
  to: string;
  interval: StatsPeriod;
  eventTypes?: string[] | null;
}

export interface EventBenchmarkRecord {
  periodStart: Day;
  eventType: string;
  customerType: string;
  /** The customer's own events in the period. */
  ownEvents: number;
  /** Customers of the same customer type, the customer itself not counted. */
  peers: number;
  peerP25: number;
  peerMedian: number;
  peerP75: number;
}

/**
 * "Am I normal?": per period and event type, a customer's own count beside the
 * 25th, 50th and 75th percentile of the customers of its customer type. A peer
 * without events in a period counts as 0 there (the percentiles are over every
 * peer, not only the active ones). A peer group smaller than
 * LAKEGATE_BENCHMARK_MIN_PEERS is left out entirely, so no answer can single out
 * a small group's members. One warehouse query per request.
 */
export class PeerBenchmarkService {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly cache: CachedReader,
    private readonly limits: LimitsConfig,
  ) {}

  async benchmark(input: EventBenchmarkArgs): Promise<EventBenchmarkRecord[]> {
    const range = dayRange('input', input, this.limits.maxLakeDays);
    const eventTypes = nameList('input.eventTypes', input.eventTypes);
    const customerId = this.customerOf(input.customerId);
    // Another tenant's customer: nothing, as for a customer without a peer group.
    if (customerId === null) return [];
    const minPeers = this.limits.benchmarkMinPeers;
    const maxRows = this.limits.maxStatsRows;
    const rows = await this.cache.read(
      {
        domain: 'warehouse',
        label: 'eventBenchmark',
        args: { customerId, range, interval: input.interval, eventTypes, minPeers },
        scope: 'all',
        datasets: ['warehouse.daily_event_counts', 'warehouse.customers'],
        subjects: [customerId],
      },
      async () => {
        const result = await this.warehouse.engine.query({
          label: 'eventBenchmark',
          sql: this.sql({ customerId, from: range.from, to: range.to, interval: input.interval, eventTypes, minPeers, limit: maxRows + 1 }),
        });
        if (result.rows.length > maxRows) {
          throw new AppError(ErrorCode.QUERY_TOO_EXPENSIVE, `eventBenchmark would return more than ${maxRows} rows (LAKEGATE_MAX_STATS_ROWS); use a coarser interval, fewer eventTypes or a shorter range`, {
            details: { maxRows },
          });
        }
        return result.rows.map(
          (row): EventBenchmarkRecord => ({
            periodStart: String(row.period_start),
            eventType: String(row.event_type),
            customerType: String(row.customer_type),
            ownEvents: Number(row.own_events),
            peers: Number(row.peers),
            peerP25: Number(row.peer_p25),
            peerMedian: Number(row.peer_median),
            peerP75: Number(row.peer_p75),
          }),
        );
      },
    );
    spendRows(rows.length);
    return rows;
  }

  /** The customer to compare: null when a tenant names a customer not its own (an empty answer, no leak). */
  private customerOf(requested: string | null | undefined): string | null {
    const tenant = currentTenant();
    if (requested != null) {
      const id = identifier('input.customerId', requested);
      return tenantSees(tenant, id) ? id : null;
    }
    if (tenant?.customerIds.length === 1) return tenant.customerIds[0]!;
    if (tenant) throw badInput('input.customerId', `this principal sees ${tenant.customerIds.length} customers; name the one to compare with input.customerId`);
    throw badInput('input.customerId', 'name the customer to compare with its peers (input.customerId)');
  }

  /**
   * One statement in the SQL DuckDB and Redshift share. The grid (every period and
   * event type with events, crossed with every peer) gives peers without events
   * their 0; PERCENTILE_CONT is the continuous percentile on both engines.
   */
  private sql(o: { customerId: string; from: Day; to: Day; interval: StatsPeriod; eventTypes?: string[]; minPeers: number; limit: number }): SqlFragment {
    const customers = this.warehouse.table('customers');
    const counts = this.warehouse.table('daily_event_counts');
    const types = o.eventTypes ? sql` AND d.event_type IN ${p.list(o.eventTypes.map(p.str))}` : sql``;
    return sql`WITH me AS (SELECT customer_id, customer_type FROM ${customers} WHERE customer_id = ${p.str(o.customerId)}),
peers AS (SELECT c.customer_id FROM ${customers} c JOIN me ON c.customer_type = me.customer_type AND c.customer_id <> me.customer_id),
counts AS (
  SELECT ${periodExpression(o.interval)} AS period_start, d.event_type, d.customer_id, SUM(d.total_events) AS n
  FROM ${counts} d
  WHERE d.day BETWEEN ${p.date(o.from)} AND ${p.date(o.to)}${types}
    AND d.customer_id IN (SELECT customer_id FROM peers UNION ALL SELECT customer_id FROM me)
  GROUP BY 1, 2, 3),
cells AS (SELECT DISTINCT period_start, event_type FROM counts),
grid AS (
  SELECT cells.period_start, cells.event_type, COALESCE(counts.n, 0) AS n
  FROM cells CROSS JOIN peers
  LEFT JOIN counts ON counts.period_start = cells.period_start AND counts.event_type = cells.event_type AND counts.customer_id = peers.customer_id),
own AS (SELECT counts.period_start, counts.event_type, counts.n FROM counts JOIN me ON counts.customer_id = me.customer_id)
SELECT grid.period_start, grid.event_type, me.customer_type, COUNT(*) AS peers,
  PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY grid.n) AS peer_p25,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY grid.n) AS peer_median,
  PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY grid.n) AS peer_p75,
  COALESCE(MAX(own.n), 0) AS own_events
FROM grid CROSS JOIN me
LEFT JOIN own ON own.period_start = grid.period_start AND own.event_type = grid.event_type
GROUP BY grid.period_start, grid.event_type, me.customer_type
HAVING COUNT(*) >= ${raw(String(o.minPeers))}
ORDER BY 1, 2
LIMIT ${raw(String(o.limit))}`;
  }
}
