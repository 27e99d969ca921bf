/**
 * src/util/hash.ts customerBucket (FNV-1a 32 of the id, modulo the buckets) as a
 * DuckDB macro, for statements that place rows in their lake bucket file. A TEMP
 * macro lives in its connection: create it in the session that uses it.
 */
export const FNV1A32_MACRO_SQL = `CREATE OR REPLACE TEMP MACRO lakegate_fnv1a32(s) AS
  list_reduce(list_transform(str_split(s, ''), ch -> CAST(ord(ch) AS BIGINT)), (h, x) -> (xor(h, x) * 16777619) % 4294967296, 2166136261)`;

/** The bucket of the customer id `expression` (needs FNV1A32_MACRO_SQL in the session). */
export function customerBucketSql(expression: string, buckets: number): string {
  return `CAST(lakegate_fnv1a32(${expression}) % ${Math.trunc(buckets)} AS INTEGER)`;
}
