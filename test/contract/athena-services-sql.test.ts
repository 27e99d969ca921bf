import path from 'node:path';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { AthenaLake } from '../../src/adapters/athena/athena-lake';
import { IcebergPartitionStats } from '../../src/adapters/athena/iceberg-partition-stats';
import { DuckDbDatabase } from '../../src/adapters/duckdb/database';
import { DuckDbEngine } from '../../src/adapters/duckdb/engine';
import { raw, sql, type SqlFragment } from '../../src/ports/sql';
import { eventConditions, eventCountSql, eventPageSql, eventStatsSql } from '../../src/services/events/event-sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * The events service's SQL, unchanged, on Athena (over the emulator) and on the
 * embedded DuckDB engine over the same Parquet files: identical answers.
 */
const lakeDir = tempDir('athena-services');
let emulator: AthenaEmulator;
let athena: AthenaEngine;
let duckdb: DuckDbEngine;
let lake: AthenaLake;
let parquet: SqlFragment;

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(1_500, '2026-01-05', 14, 12), 4);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir });
  athena = athenaEngineFor(emulator.endpoint);
  lake = new AthenaLake({ engine: athena, database: 'lake', table: 'events', stats: new IcebergPartitionStats(athena) });
  duckdb = new DuckDbEngine(new DuckDbDatabase({ path: ':memory:', threads: 1 }));
  const glob = path.join(lakeDir.dir, 'events', 'day=*', '*.parquet').replace(/'/g, "''");
  parquet = sql`${raw(`read_parquet('${glob}', hive_partitioning = true, hive_types = {'day': DATE})`)}`;
});

afterAll(async () => {
  await athena.close();
  await duckdb.close();
  await emulator.close();
  lakeDir.remove();
});

async function both(build: (relation: SqlFragment) => SqlFragment) {
  const scan = await lake.scanEvents({ from: '2026-01-05', to: '2026-01-18' });
  const [a, d] = await Promise.all([athena.query({ label: 'test.services', sql: build(scan.relation) }), duckdb.query({ label: 'test.services', sql: build(parquet) })]);
  return { athena: a.rows, duckdb: d.rows };
}

const range = { from: '2026-01-06', to: '2026-01-15' };

test('eventStats per week, customer type and event type, resellers excluded', async () => {
  const where = eventConditions({ range, excludeCustomerTypes: ['Reseller'] });
  const { athena: a, duckdb: d } = await both((relation) => eventStatsSql({ relation, where, interval: 'WEEK', dimensions: ['customer_type', 'event_type'], measure: 'count', limit: 1000 }));
  expect(a.length).toBeGreaterThan(0);
  expect(a).toEqual(d);
  expect(a.every((r) => r.customer_type !== 'Reseller')).toBe(true);
});

test('eventStats per month and per day', async () => {
  for (const interval of ['MONTH', 'DAY'] as const) {
    const where = eventConditions({ range, eventTypes: ['login', 'alert'] });
    const { athena: a, duckdb: d } = await both((relation) => eventStatsSql({ relation, where, interval, dimensions: ['customer_id'], measure: 'count', limit: 1000 }));
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(d);
  }
});

test('an events page, the next page by keyset, and the count', async () => {
  const where = eventConditions({ range, customerIds: ['c-3'] });
  const first = await both((relation) => eventPageSql(relation, where, undefined, 5));
  expect(first.athena).toHaveLength(5);
  expect(first.athena).toEqual(first.duckdb);
  const last = first.athena[4]!;
  const next = await both((relation) => eventPageSql(relation, where, { t: String(last.occurred_at), id: String(last.event_id) }, 5));
  expect(next.athena).toEqual(next.duckdb);
  expect(next.athena[0]!.occurred_at! < last.occurred_at!).toBe(true);
  const count = await both((relation) => eventCountSql(relation, where));
  expect(count.athena).toEqual(count.duckdb);
});
