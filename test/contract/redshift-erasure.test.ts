import type { RedshiftDataEngine } from '../../src/adapters/redshift-data/redshift-engine';
import { migrateRedshift } from '../../src/adapters/redshift-data/redshift-migrations';
import { RedshiftWarehouse } from '../../src/adapters/redshift-data/redshift-warehouse';
import { redshiftWarehouseErasure } from '../../src/adapters/redshift-data/redshift-warehouse-erasure';
import { AppError } from '../../src/errors/app-error';
import type { MigrationLedger } from '../../src/ports/migration-ledger';
import { WAREHOUSE_SUBJECT_TABLES } from '../../src/gdpr/stores/warehouse-erasure';
import { startRedshiftDataEmulator, type RedshiftDataEmulator } from '../emulators/redshift-data-emulator';
import { redshiftEngineFor } from '../emulators/redshift-test-engine';

/**
 * Issue 15, item 1: "If VACUUM is run without the necessary table permissions, the
 * operation completes successfully but has no effect." The emulator models it (a
 * VACUUM by a user who neither owns the table nor is a superuser does nothing and
 * is not recorded in SYS_VACUUM_HISTORY); the erasure's Redshift steps must not
 * take such a VACUUM for a reclaim: the preflight refuses before anything is
 * deleted, and the reclaim confirms every VACUUM in SYS_VACUUM_HISTORY.
 */
class MemoryLedger implements MigrationLedger {
  readonly versions = new Map<string, string[]>();
  async applied(store: string): Promise<string[]> {
    return [...(this.versions.get(store) ?? [])];
  }
  async record(store: string, version: string): Promise<void> {
    this.versions.set(store, [...(this.versions.get(store) ?? []), version]);
  }
}

const USER = 'IAMR:lakegate-worker';
let emulator: RedshiftDataEmulator;
let engine: RedshiftDataEngine;
let warehouse: RedshiftWarehouse;
const steps = () => redshiftWarehouseErasure(engine, warehouse, { schema: 'warehouse', confirmAttempts: 2, confirmDelayMs: 20 });

beforeAll(async () => {
  emulator = await startRedshiftDataEmulator({ databaseUser: USER });
  engine = redshiftEngineFor(emulator.endpoint);
  warehouse = new RedshiftWarehouse(engine, 'warehouse');
  await migrateRedshift(engine, { ledger: new MemoryLedger() });
});

afterAll(async () => {
  await engine?.close();
  await emulator?.close();
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

test('as the owner: the preflight passes and each VACUUM DELETE ONLY is confirmed in SYS_VACUUM_HISTORY', async () => {
  const before = (await emulator.vacuums()).length;
  await steps().preflight(WAREHOUSE_SUBJECT_TABLES);
  await steps().reclaim(WAREHOUSE_SUBJECT_TABLES);
  expect((await emulator.vacuums()).slice(before)).toEqual(
    WAREHOUSE_SUBJECT_TABLES.map((table) => ({ schema: 'warehouse', table, user: USER, type: 'Delete', status: 'Complete' })),
  );
});

describe('a table owned by another identity (the migration role)', () => {
  beforeAll(() => emulator.setTableOwner('warehouse.customers', 'IAMR:lakegate-migrations'));
  afterAll(() => emulator.setTableOwner('warehouse.customers', USER));

  test('the reclaim fails naming the table: its VACUUM succeeded without effect (nothing in SYS_VACUUM_HISTORY)', async () => {
    const before = (await emulator.vacuums()).length;
    const error = await failure(steps().reclaim(WAREHOUSE_SUBJECT_TABLES));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/^VACUUM DELETE ONLY of warehouse\.customers succeeded but Redshift recorded no vacuum of it \(SYS_VACUUM_HISTORY\)/);
    expect(error.message).toMatch(/owner of the table/);
    // The VACUUM was sent for both tables; only the one lakegate owns ran.
    const sent = emulator.server.callsOf('ExecuteStatement').map((c) => c.input.Sql as string).filter((q) => q.startsWith('VACUUM'));
    expect(sent.slice(-2)).toEqual(['VACUUM DELETE ONLY "warehouse"."daily_event_counts" TO 100 PERCENT', 'VACUUM DELETE ONLY "warehouse"."customers" TO 100 PERCENT']);
    expect((await emulator.vacuums()).slice(before).map((v) => v.table)).toEqual(['daily_event_counts']);
  });

  test('the preflight refuses before anything is deleted, naming the owner, the user and the privilege', async () => {
    const error = await failure(steps().preflight(WAREHOUSE_SUBJECT_TABLES));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.details).toMatchObject({ backend: 'redshift', privilege: 'table owner' });
    expect(error.message).toContain('warehouse.customers is owned by "IAMR:lakegate-migrations"');
    expect(error.message).toContain(`lakegate connects as "${USER}"`);
    expect(error.message).toMatch(/ALTER TABLE warehouse\.<table> OWNER TO/);
    expect(error.message).not.toContain('daily_event_counts is owned');
  });

  test('a superuser may vacuum any table: preflight and reclaim pass', async () => {
    const superuser = await startRedshiftDataEmulator({ databaseUser: 'admin', superuser: true, defaultTableOwner: 'IAMR:lakegate-migrations' });
    const su = redshiftEngineFor(superuser.endpoint);
    try {
      await migrateRedshift(su, { ledger: new MemoryLedger() });
      const own = redshiftWarehouseErasure(su, new RedshiftWarehouse(su, 'warehouse'), { schema: 'warehouse', confirmAttempts: 1 });
      await own.preflight(WAREHOUSE_SUBJECT_TABLES);
      await own.reclaim(WAREHOUSE_SUBJECT_TABLES);
      expect((await superuser.vacuums()).map((v) => v.user)).toEqual(['admin', 'admin']);
    } finally {
      await su.close();
      await superuser.close();
    }
  });
});
