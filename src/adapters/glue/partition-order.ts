import type { CatalogColumnRecord } from '../../ports/catalog';

/**
 * Partition-value order. Glue returns partitions in no particular order and stores
 * every value as a string; integer keys are compared as numbers (hour=9 before
 * hour=10), the rest as strings (days as YYYY-MM-DD sort correctly that way).
 */
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);

export function partitionValueComparator(keys: readonly CatalogColumnRecord[]): (a: readonly string[], b: readonly string[]) => number {
  const numeric = keys.map((k) => INTEGER_TYPES.has(k.type.trim().toLowerCase()));
  return (a, b) => {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i];
      const y = b[i];
      if (x === y) continue;
      if (x === undefined) return -1;
      if (y === undefined) return 1;
      if (numeric[i]) {
        const dx = Number(x);
        const dy = Number(y);
        if (Number.isFinite(dx) && Number.isFinite(dy) && dx !== dy) return dx - dy;
      }
      return x < y ? -1 : 1;
    }
    return 0;
  };
}
