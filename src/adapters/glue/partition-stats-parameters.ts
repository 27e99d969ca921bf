/**
 * Size statistics from a partition's Parameters, as different writers record them:
 * Hive / our loader (totalSize, rawDataSize, numRows), Glue crawlers (sizeKey,
 * recordCount), Spark (spark.sql.statistics.*). Bytes prefer the stored (compressed)
 * size, which is what Athena reads; -1 (Hive's "unknown") is ignored.
 */
const BYTES_KEYS = ['totalSize', 'sizeKey', 'spark.sql.statistics.totalSize', 'rawDataSize'];
const ROWS_KEYS = ['numRows', 'recordCount', 'spark.sql.statistics.numRows'];

export interface ParsedPartitionStats {
  bytes: number | null;
  rows: number | null;
}

export function parsePartitionStats(parameters: Record<string, string> | undefined): ParsedPartitionStats {
  return { bytes: firstCount(parameters, BYTES_KEYS), rows: firstCount(parameters, ROWS_KEYS) };
}

function firstCount(parameters: Record<string, string> | undefined, keys: string[]): number | null {
  if (!parameters) return null;
  for (const key of keys) {
    const text = parameters[key];
    if (text === undefined || text.trim() === '') continue;
    const n = Number(text);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  return null;
}
