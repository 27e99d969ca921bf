import { DuckDbDatabase } from '../../src/adapters/duckdb/database';
import { DuckDbEngine } from '../../src/adapters/duckdb/engine';
import type { RedshiftDataEngine } from '../../src/adapters/redshift-data/redshift-engine';
import { migrateRedshift } from '../../src/adapters/redshift-data/redshift-migrations';
import { RedshiftWarehouse } from '../../src/adapters/redshift-data/redshift-warehouse';
import type { MigrationLedger } from '../../src/ports/migration-ledger';
import { join, p, raw, sql, type SqlFragment } from '../../src/ports/sql';
import { eventConditions, eventStatsSql } from '../../src/services/events/event-sql';
import { startRedshiftDataEmulator, type RedshiftDataEmulator } from '../emulators/redshift-data-emulator';
import { redshiftEngineFor } from '../emulators/redshift-test-engine';

/**
 * The services' warehouse SQL, unchanged, on Redshift (migrations/redshift over the
 * emulator) and on the embedded DuckDB engine with the same rows: identical answers.
 */
class MemoryLedger implements MigrationLedger {
  private readonly versions: string[] = [];
  async applied(): Promise<string[]> {
    return [...this.versions];
  }
  async record(_store: string, version: string): Promise<void> {
    this.versions.push(version);
  }
}

let emulator: RedshiftDataEmulator;
let redshift: RedshiftDataEngine;
let warehouse: RedshiftWarehouse;
let duckdb: DuckDbEngine;

const TYPES = ['Enterprise', 'SMB', 'Reseller'];
const KINDS = ['login', 'payment', 'alert'];

beforeAll(async () => {
  emulator = await startRedshiftDataEmulator({});
  redshift = redshiftEngineFor(emulator.endpoint);
  warehouse = new RedshiftWarehouse(redshift, 'warehouse');
  await migrateRedshift(redshift, { ledger: new MemoryLedger() });
  duckdb = new DuckDbEngine(new DuckDbDatabase({ path: ':memory:', threads: 1 }));
  await duckdb.query({ label: 'test.setup', sql: sql`CREATE TABLE daily_event_counts (day DATE, customer_id VARCHAR, customer_type VARCHAR, event_type VARCHAR, total_events BIGINT)` });
  await duckdb.query({ label: 'test.setup', sql: sql`CREATE TABLE customers (customer_id VARCHAR, customer_type VARCHAR, country VARCHAR, name VARCHAR, email VARCHAR, created_at TIMESTAMP)` });
  const rows: SqlFragment[] = [];
  for (let i = 0; i < 60; i++) {
    const day = new Date(Date.UTC(2026, 0, 1 + (i % 20))).toISOString().slice(0, 10);
    rows.push(sql`(${p.date(day)}, ${p.str(`c-${i % 7}`)}, ${p.str(TYPES[i % 3]!)}, ${p.str(KINDS[(i * 5) % 3]!)}, ${p.int((i * 37) % 101)})`);
  }
  const values = join(rows, ', ');
  await redshift.query({ label: 'test.load', sql: sql`INSERT INTO ${warehouse.table('daily_event_counts')} VALUES ${values}` });
  await duckdb.query({ label: 'test.load', sql: sql`INSERT INTO daily_event_counts VALUES ${values}` });
  const customer = sql`(${p.str('c-1')}, ${p.str('SMB')}, ${p.str('FR')}, ${p.str('Zoë')}, ${p.str('zoe@example.com')}, ${p.timestamp('2025-11-30T23:00:00Z')})`;
  await redshift.query({ label: 'test.load', sql: sql`INSERT INTO ${warehouse.table('customers')} VALUES ${customer}` });
  await duckdb.query({ label: 'test.load', sql: sql`INSERT INTO customers VALUES ${customer}` });
});

afterAll(async () => {
  await redshift.close();
  await duckdb.close();
  await emulator.close();
});

test('eventStats from the daily aggregates, per week and per month', async () => {
  for (const interval of ['WEEK', 'MONTH', 'DAY'] as const) {
    const where = eventConditions({ range: { from: '2026-01-03', to: '2026-01-17' }, excludeCustomerTypes: ['Reseller'] });
    const build = (relation: SqlFragment) => eventStatsSql({ relation, where, interval, dimensions: ['customer_type', 'event_type'], measure: 'sum', limit: 1000 });
    const [r, d] = await Promise.all([
      redshift.query({ label: 'eventStats.warehouse', sql: build(warehouse.table('daily_event_counts')) }),
      duckdb.query({ label: 'eventStats.warehouse', sql: build(sql`daily_event_counts`) }),
    ]);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(r.rows).toEqual(d.rows);
  }
});

test('customers by ids, masked and not', async () => {
  for (const personal of ['name, email', 'NULL AS name, NULL AS email']) {
    const build = (relation: SqlFragment) => sql`SELECT customer_id, customer_type, country, ${raw(personal)}, created_at FROM ${relation} WHERE customer_id IN ${p.list([p.str('c-1'), p.str('c-2')])}`;
    const [r, d] = await Promise.all([
      redshift.query({ label: 'customers.byIds', sql: build(warehouse.table('customers')) }),
      duckdb.query({ label: 'customers.byIds', sql: build(sql`customers`) }),
    ]);
    expect(r.rows).toHaveLength(1);
    expect(r.rows).toEqual(d.rows);
  }
});
