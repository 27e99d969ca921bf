import type { SqlEngine } from '../../ports/sql-engine';
import { raw, sql } from '../../ports/sql';
import type { LakeFile } from './lake-files';
import { fileListLiteral } from './sql-literals';

export interface ParquetFileStats {
  rows: number;
  /** Compressed bytes of each column's chunks, by top-level column name. */
  columnBytes: Record<string, number>;
  totalBytes: number;
}

const BATCH = 400;

/**
 * Parquet footers, read once per file version (path + size + mtime) with DuckDB's
 * parquet_metadata(): what a scan of some columns reads, before it runs.
 */
export class ParquetStatsCache {
  private readonly cache = new Map<string, { version: string; stats: ParquetFileStats }>();

  constructor(private readonly engine: SqlEngine) {}

  async statsFor(files: readonly LakeFile[], signal?: AbortSignal): Promise<Map<string, ParquetFileStats>> {
    const out = new Map<string, ParquetFileStats>();
    const missing: LakeFile[] = [];
    for (const file of files) {
      const hit = this.cache.get(file.path);
      if (hit && hit.version === version(file)) out.set(file.path, hit.stats);
      else missing.push(file);
    }
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const read = await this.read(batch, signal);
      for (const file of batch) {
        const stats = read.get(file.path) ?? { rows: 0, columnBytes: {}, totalBytes: 0 };
        this.cache.set(file.path, { version: version(file), stats });
        out.set(file.path, stats);
      }
    }
    return out;
  }

  /** Drops entries of files that no longer exist (keeps the cache bounded by the lake). */
  retain(paths: ReadonlySet<string>): void {
    for (const key of this.cache.keys()) if (!paths.has(key)) this.cache.delete(key);
  }

  private async read(files: readonly LakeFile[], signal?: AbortSignal): Promise<Map<string, ParquetFileStats>> {
    const list = raw(fileListLiteral(files.map((f) => f.path)));
    // path_in_schema is the leaf path; its first segment is the top-level column.
    const { rows } = await this.engine.query({
      label: 'lake.parquetMetadata',
      sql: sql`SELECT file_name, split_part(path_in_schema, '.', 1) AS column_name,
                      SUM(total_compressed_size) AS bytes, SUM(row_group_num_rows) AS row_count
               FROM parquet_metadata(${list}) GROUP BY 1, 2`,
      signal,
      files: files.length,
    });
    const out = new Map<string, ParquetFileStats>();
    for (const row of rows) {
      const file = String(row.file_name);
      const entry = out.get(file) ?? { rows: 0, columnBytes: {}, totalBytes: 0 };
      const bytes = Number(row.bytes ?? 0);
      entry.columnBytes[String(row.column_name)] = (entry.columnBytes[String(row.column_name)] ?? 0) + bytes;
      entry.totalBytes += bytes;
      entry.rows = Math.max(entry.rows, Number(row.row_count ?? 0));
      out.set(file, entry);
    }
    return out;
  }
}

function version(file: LakeFile): string {
  return `${file.bytes}:${file.mtimeMs}`;
}
