import type { Lake } from '../ports/lake';
import type { LoadDayRecord, LoadLedger } from '../ports/load-ledger';
import { LOAD_DATASETS, type LoadDataset, type LoadStores } from '../ports/loads';
import { addDays, dayToEpochMs, type Day } from '../util/days';
import { loadMetrics } from './metrics';

export interface DayFreshness {
  day: Day;
  /** Landing rows the loads of the day took (valid or not). */
  landingRows: number;
  lakeRows: number;
  warehouseRows: number;
  /** The lake and the warehouse hold the same number of events for the day. */
  consistent: boolean;
}

export interface DatasetFreshnessView {
  dataset: LoadDataset;
  /** The oldest and newest days holding data: the data's window, for examples and empty answers. */
  oldestDay: Day | null;
  newestDay: Day | null;
  lastLoadedAt: string | null;
  /** Now minus the newest event the dataset holds (null when it holds none). */
  lagSeconds: number | null;
  /** Days with landing files not loaded yet. */
  pendingDays: Day[];
  quarantinedRows: number;
}

/** How far back newestDay is looked for in the warehouse. */
const HORIZON_DAYS = 3660;
export const MAX_FRESHNESS_DAYS = 366;

/**
 * datasetFreshness: how old the lake and the warehouse are, what waits in landing,
 * and day by day whether they agree. From the load ledger, the landing listing and
 * two cheap aggregates (the lake's Parquet footers or Iceberg metadata, the
 * warehouse's small daily table).
 */
export class FreshnessService {
  constructor(
    private readonly lake: Lake,
    private readonly stores: LoadStores,
    private readonly ledger: LoadLedger,
    private readonly clock: () => number = Date.now,
  ) {}

  async datasets(): Promise<DatasetFreshnessView[]> {
    const [records, landing, partitions] = await Promise.all([this.ledger.all(), this.stores.landing.list(), this.lake.partitions()]);
    const byDay = new Map(records.map((r) => [r.day, r]));
    const pendingDays = [...landing.entries()]
      .filter(([day, files]) => {
        const loaded = new Set(byDay.get(day)?.loadedVersions ?? []);
        return files.some((f) => !loaded.has(`${f.name}@${f.version}`));
      })
      .map(([day]) => day);
    const lakeNewest = partitions.length > 0 ? partitions[partitions.length - 1]!.day : null;
    const warehouseDays = lakeNewest ? await this.stores.warehouse.dayRows({ from: addDays(lakeNewest, -HORIZON_DAYS), to: addDays(lakeNewest, 1) }) : new Map<Day, number>();
    const warehouseSorted = [...warehouseDays.keys()].sort();
    const warehouseNewest = warehouseSorted[warehouseSorted.length - 1] ?? null;
    const lakeOldest = partitions[0]?.day ?? null;
    const lastLoadedAt = records.reduce<string | null>((latest, r) => (r.loadedAt && (!latest || r.loadedAt > latest) ? r.loadedAt : latest), null);
    const quarantinedRows = records.reduce((sum, r) => sum + r.quarantinedRows, 0);
    const now = this.clock();
    const views: DatasetFreshnessView[] = LOAD_DATASETS.map((dataset) => {
      const newestDay = dataset === 'lake.events' ? lakeNewest : warehouseNewest;
      const newestEvent = newestEventOf(newestDay, byDay.get(newestDay ?? ''));
      return {
        dataset,
        oldestDay: dataset === 'lake.events' ? lakeOldest : (warehouseSorted[0] ?? null),
        newestDay,
        lastLoadedAt,
        lagSeconds: newestEvent === null ? null : Math.max(0, Math.round((now - newestEvent) / 1000)),
        pendingDays,
        quarantinedRows: dataset === 'lake.events' ? quarantinedRows : 0,
      };
    });
    for (const view of views) if (view.lagSeconds !== null) loadMetrics.lag.set({ dataset: view.dataset }, view.lagSeconds);
    return views;
  }

  /** The last `last` days up to the dataset's newest day (or today), newest first. */
  async days(newestDay: Day | null, last: number): Promise<DayFreshness[]> {
    const to = newestDay ?? new Date(this.clock()).toISOString().slice(0, 10);
    const from = addDays(to, -(last - 1));
    const range = { from, to };
    const [lake, warehouse, records] = await Promise.all([this.stores.lake.dayRows(range), this.stores.warehouse.dayRows(range), this.ledger.all()]);
    const byDay = new Map(records.map((r) => [r.day, r]));
    const out: DayFreshness[] = [];
    for (let day = to; day >= from; day = addDays(day, -1)) {
      const lakeRows = lake.get(day) ?? 0;
      const warehouseRows = warehouse.get(day) ?? 0;
      out.push({ day, landingRows: byDay.get(day)?.landingRows ?? 0, lakeRows, warehouseRows, consistent: lakeRows === warehouseRows });
    }
    return out;
  }
}

/** The newest event of the newest day: as the last load recorded it, else the end of that day (seeded data). */
function newestEventOf(day: Day | null, record: LoadDayRecord | undefined): number | null {
  if (!day) return null;
  if (record?.newestEventAt) return Date.parse(record.newestEventAt);
  return dayToEpochMs(day) + 86_400_000 - 1;
}
