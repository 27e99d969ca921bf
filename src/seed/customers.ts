import { customerBucketSql, FNV1A32_MACRO_SQL } from '../adapters/duckdb/bucket-sql';
import type { DuckDbSession } from '../adapters/duckdb/session';
import { sqlHash, sqlUniform } from './rng';

/**
 * Customers, generated inside DuckDB: ids cus_000001.., a type, a country, a
 * synthetic name and email, and two keys the event generator needs: the lake
 * bucket (fnv1a32(customer_id) % buckets, as src/util/hash.ts computes it) and an
 * activity rank (rank 0 is the busiest customer).
 */
const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Anna', 'Ben', 'Carla', 'Chen', 'Dara', 'David', 'Elena', 'Emil', 'Fatima', 'Felix', 'Grace', 'Hana', 'Ivan',
  'Jonas', 'Julia', 'Kai', 'Lara', 'Leo', 'Lina', 'Marco', 'Maya', 'Nils', 'Noor', 'Olga', 'Omar', 'Paula', 'Priya', 'Rosa', 'Sam',
  'Sofia', 'Tariq', 'Theo', 'Uma', 'Vera', 'Wei', 'Yara', 'Zoe',
];
const LAST_NAMES = [
  'Andersen', 'Berg', 'Costa', 'Dubois', 'Eriksson', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Larsen', 'Meyer',
  'Novak', "O'Neill", 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Xu', 'Yilmaz', 'Zimmermann',
  'Silva', 'Nguyen', 'Kim', 'Murphy', 'Okafor', 'Lindqvist',
];
const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['DE', 18], ['GB', 14], ['US', 16], ['FR', 10], ['NL', 7], ['SE', 6], ['ES', 6], ['IT', 6], ['PL', 5], ['CA', 4], ['AU', 4], ['JP', 4],
];
export const CUSTOMER_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['Enterprise', 12], ['SMB', 50], ['Reseller', 15], ['Partner', 23],
];

const sqlList = (items: readonly string[]) => `[${items.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')}]`;

/** CASE expression picking a value by weight from a uniform in [0, 1). */
export function weightedCase(uniform: string, choices: ReadonlyArray<readonly [string, number]>): string {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let acc = 0;
  const whens = choices.slice(0, -1).map(([value, weight]) => {
    acc += weight;
    return `WHEN ${uniform} < ${(acc / total).toFixed(6)} THEN '${value.replace(/'/g, "''")}'`;
  });
  return `CASE ${whens.join(' ')} ELSE '${choices[choices.length - 1]![0].replace(/'/g, "''")}' END`;
}

export function customerId(index: number): string {
  return `cus_${String(index).padStart(6, '0')}`;
}

export interface CustomerPhaseOptions {
  customers: number;
  buckets: number;
  randomSeed: number;
  startDay: string;
}

/** Creates scratch.customer_keys and fills warehouse.customers. */
export async function generateCustomers(session: DuckDbSession, o: CustomerPhaseOptions): Promise<void> {
  const u = (tag: string) => sqlUniform(o.randomSeed, tag, 'idx');
  await session.exec(`
    ${FNV1A32_MACRO_SQL};
    CREATE OR REPLACE TABLE scratch.customer_keys AS
    WITH base AS (
      SELECT i AS idx, printf('cus_%06d', i) AS customer_id,
             ${weightedCase(u('ctype'), CUSTOMER_TYPES)} AS customer_type,
             ${weightedCase(u('country'), COUNTRIES)} AS country,
             ${sqlList(FIRST_NAMES)}[1 + CAST(floor(${u('first')} * ${FIRST_NAMES.length}) AS BIGINT)] AS first_name,
             ${sqlList(LAST_NAMES)}[1 + CAST(floor(${u('last')} * ${LAST_NAMES.length}) AS BIGINT)] AS last_name,
             TIMESTAMP '${o.startDay} 00:00:00' - to_milliseconds(CAST(floor(${u('created')} * 730 * 86400000) AS BIGINT)) AS created_at
      FROM range(1, ${o.customers + 1}) t(i)
    )
    SELECT idx, customer_id, customer_type, country,
           first_name || ' ' || last_name AS name,
           lower(first_name || '.' || replace(last_name, '''', '') || '.' || idx) || '@example.com' AS email,
           created_at,
           ${customerBucketSql('customer_id', o.buckets)} AS bucket,
           CAST(row_number() OVER (ORDER BY ${sqlHash(o.randomSeed, 'rank', 'idx')}, idx) - 1 AS BIGINT) AS activity_rank,
           -- customer_id order as an integer: sorting events by it is much cheaper than by the string.
           CAST(row_number() OVER (ORDER BY customer_id) AS BIGINT) AS id_order
    FROM base;
    INSERT INTO warehouse.customers (customer_id, customer_type, country, name, email, created_at)
      SELECT customer_id, customer_type, country, name, email, created_at FROM scratch.customer_keys ORDER BY customer_id;
  `);
}
