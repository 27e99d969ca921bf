import { currentTenant } from '../auth/tenant';
import { AppError, badInput, ErrorCode } from '../errors/app-error';
import type { EventService } from '../services/events/event.service';
import type { LoadLedger } from '../ports/load-ledger';
import { addDays, isDay, today, type Day } from '../util/days';
import type { DatasetFreshnessView, DayFreshness, FreshnessService } from './freshness';
import { MAX_FRESHNESS_DAYS } from './freshness';
import type { LoadRunner } from './load-runner';

/** Days one loadDays call may ask for. */
export const MAX_LOAD_DAYS = 31;

/** What the GraphQL layer asks of the load workflow: freshness, and reloads on demand. */
export class LoadService {
  constructor(
    /** Undefined when this configuration has no load workflow (the lake and the warehouse in different modes). */
    private readonly workflow: { freshness: FreshnessService; ledger: LoadLedger; runner: LoadRunner } | undefined,
    /** A tenant's day counts are its own rows: counted through the (tenant-restricted) event statistics. */
    private readonly events?: EventService,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The loader of this process. */
  get runner(): LoadRunner | undefined {
    return this.workflow?.runner;
  }

  /**
   * For a tenant, the counts are its own: quarantined rows (platform-wide, not
   * attributable without reading the quarantine) read 0, days and lag stay (they
   * say nothing about other customers).
   */
  async freshness(): Promise<DatasetFreshnessView[]> {
    const views = await this.required().freshness.datasets();
    return currentTenant() ? views.map((view) => ({ ...view, quarantinedRows: 0 })) : views;
  }

  async days(view: DatasetFreshnessView, last: number): Promise<DayFreshness[]> {
    if (!Number.isInteger(last) || last < 1 || last > MAX_FRESHNESS_DAYS) throw badInput('last', `last must be between 1 and ${MAX_FRESHNESS_DAYS}, got ${last}`);
    const days = await this.required().freshness.days(view.newestDay, last);
    if (!currentTenant() || days.length === 0 || !this.events) return days;
    // The tenant's own rows per day, from both stores (landing rows are not attributable: 0).
    const range = { from: days[days.length - 1]!.day, to: days[0]!.day };
    const own = (source: 'LAKE' | 'WAREHOUSE') =>
      this.events!.eventStats({ ...range, interval: 'DAY', groupBy: [], source }).then((stats) => new Map(stats.map((s) => [s.periodStart, s.totalEvents])));
    const [lake, warehouse] = await Promise.all([own('LAKE'), own('WAREHOUSE')]);
    return days.map((d) => {
      const lakeRows = lake.get(d.day) ?? 0;
      const warehouseRows = warehouse.get(d.day) ?? 0;
      return { day: d.day, landingRows: 0, lakeRows, warehouseRows, consistent: lakeRows === warehouseRows };
    });
  }

  /** Records the reload of `days` and runs it before answering (the day's lease keeps other loaders off it). */
  async loadDays(days: readonly Day[]): Promise<DatasetFreshnessView[]> {
    const unique = [...new Set(days)].sort();
    if (unique.length === 0) throw badInput('days', 'days must name at least one day, e.g. ["2026-12-01"]');
    if (unique.length > MAX_LOAD_DAYS) throw badInput('days', `at most ${MAX_LOAD_DAYS} days per call, got ${unique.length}; split the range`);
    const tomorrow = addDays(today(new Date(this.clock())), 1);
    for (const day of unique) {
      if (!isDay(day)) throw badInput('days', `not a day: ${JSON.stringify(day)}`);
      if (day > tomorrow) throw badInput('days', `${day} is in the future (today is ${today(new Date(this.clock()))}); nothing can have landed for it`);
    }
    const { ledger, runner } = this.required();
    await ledger.request(unique, new Date(this.clock()).toISOString());
    {
      const result = await runner.pass(unique);
      if (result.failed.length > 0) {
        throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `the load of ${result.failed.map((f) => `${f.day} (${f.error})`).join(', ')} failed; it is retried automatically`, {
          details: { days: result.failed.map((f) => f.day) },
        });
      }
    }
    return this.freshness();
  }

  private required(): NonNullable<LoadService['workflow']> {
    if (!this.workflow) {
      throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, 'this deployment has no load workflow: it needs the embedded lake and warehouse, or Athena and Redshift (LAKEGATE_LAKE / LAKEGATE_WAREHOUSE)');
    }
    return this.workflow;
  }
}
