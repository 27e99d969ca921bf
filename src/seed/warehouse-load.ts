import type { DuckDbDatabase } from '../adapters/duckdb/database';
import { LakeDirectory } from '../adapters/duckdb/lake-files';
import { fileListLiteral } from '../adapters/duckdb/sql-literals';
import { sql } from '../ports/sql';

/**
 * warehouse.daily_event_counts, loaded from the Parquet files just written (not
 * from the generator), so the LAKE and WAREHOUSE answers of eventStats agree by
 * construction. Loaded a group of days at a time to bound memory.
 */
const FILES_PER_LOAD = 800;

export async function loadDailyCounts(db: DuckDbDatabase, dataDir: string, onDays: (done: number, total: number) => void): Promise<{ rows: number; files: number; bytes: number }> {
  const days = await new LakeDirectory(dataDir).days();
  let group: string[] = [];
  let daysDone = 0;
  let files = 0;
  let bytes = 0;
  const flush = async () => {
    if (group.length === 0) return;
    await db.exec(`INSERT INTO warehouse.daily_event_counts (day, customer_id, customer_type, event_type, total_events)
      SELECT day, customer_id, customer_type, event_type, COUNT(*)
      FROM read_parquet(${fileListLiteral(group)}, hive_partitioning = true, hive_types = {'day': DATE})
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4`);
    group = [];
  };
  for (const day of days) {
    group.push(...day.files.map((f) => f.path));
    files += day.files.length;
    bytes += day.bytes;
    daysDone++;
    if (group.length >= FILES_PER_LOAD) {
      await flush();
      onDays(daysDone, days.length);
    }
  }
  await flush();
  onDays(days.length, days.length);
  const { rows } = await db.query(sql`SELECT COUNT(*) AS n FROM warehouse.daily_event_counts`);
  return { rows: Number(rows[0]?.n ?? 0), files, bytes };
}
