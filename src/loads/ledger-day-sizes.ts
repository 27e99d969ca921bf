import type { RecordedDaySize, RecordedDaySizes } from '../ports/lake';
import type { LoadLedger } from '../ports/load-ledger';
import type { Day } from '../util/days';

/**
 * The day sizes the load ledger recorded (LoadDayRecord.lakeBytes / lakeFiles /
 * lakePartitions, written when a load completes a day), for the one table the load
 * workflow writes. Only days whose last load completed (LOADED) count: a day being
 * loaded, or whose load failed after its lake step, may hold more than recorded,
 * and is left to the table's own statistics. One batched ledger read per call (a
 * scan of the ledger for long spans).
 */
/** Days asked with batched reads; more are answered from one scan of the ledger. */
const MAX_BATCHED_DAYS = 200;

export class LedgerDaySizes implements RecordedDaySizes {
  constructor(
    private readonly ledger: LoadLedger,
    private readonly table: { database: string; table: string },
  ) {}

  async daySizes(database: string, table: string, days: readonly Day[]): Promise<Map<Day, RecordedDaySize>> {
    const out = new Map<Day, RecordedDaySize>();
    if (days.length === 0 || database !== this.table.database || table !== this.table.table) return out;
    // A long span (partitions(), the data window) reads the whole ledger once: one item per loaded day, thousands at most.
    const wanted = new Set(days);
    const records = days.length > MAX_BATCHED_DAYS ? (await this.ledger.all()).filter((r) => wanted.has(r.day)) : await this.ledger.getMany(days);
    for (const record of records) {
      if (record.state !== 'LOADED' || record.lakeBytes === undefined) continue;
      out.set(record.day, { bytes: record.lakeBytes, rows: record.lakeRows, files: record.lakeFiles ?? 0, partitions: record.lakePartitions ?? 0 });
    }
    return out;
  }
}
