import { createDynamoClients, type DynamoClients } from '../../../src/adapters/dynamodb/client';
import { DynamoMigrationLedger } from '../../../src/adapters/dynamodb/migration-ledger';
import { dynamoMigrationStatus, loadDynamoMigrations, migrateDynamo } from '../../../src/adapters/dynamodb/migrations';
import { startDynalite, type TestDynamoServer } from '../../helpers/dynamodb-servers';

let server: TestDynamoServer;
let clients: DynamoClients;

beforeAll(async () => {
  server = await startDynalite();
  clients = createDynamoClients({ endpoint: server.endpoint });
});
afterAll(async () => {
  clients?.destroy();
  await server?.stop();
});

describe('DynamoMigrationLedger', () => {
  it('records versions per store in the migrations table, creating it when missing', async () => {
    const ledger = new DynamoMigrationLedger(clients, 'ml_migrations');
    expect(await ledger.applied('athena')).toEqual([]);
    await ledger.record('athena', '002_views');
    await ledger.record('athena', '001_database');
    await Promise.all([ledger.record('redshift', '001_schema'), ledger.record('redshift', '001_schema')]);
    expect(await ledger.applied('athena')).toEqual(['001_database', '002_views']);
    expect(await ledger.applied('redshift')).toEqual(['001_schema']);
    expect(await new DynamoMigrationLedger(clients, 'ml_migrations').applied('redshift')).toEqual(['001_schema']);
  });

  it('shares the table with the DynamoDB migrations without disturbing them', async () => {
    const tables = { decisionsTable: 'ml_decisions', queryLedgerTable: 'ml_ledger', deletionLedgerTable: 'ml_deletions', loadLedgerTable: 'ml_loads', migrationsTable: 'ml_shared_migrations' };
    const ledger = new DynamoMigrationLedger(clients, tables.migrationsTable);
    await ledger.record('athena', '001_database');
    const every = loadDynamoMigrations().map((m) => m.id);
    expect(every).toEqual(expect.arrayContaining(['001_decisions', '002_query_ledger', '003_deletion_requests']));
    expect((await migrateDynamo(clients, tables)).applied.map((a) => a.id)).toEqual(every);
    expect((await migrateDynamo(clients, tables)).applied).toEqual([]);
    expect((await dynamoMigrationStatus(clients, tables)).applied.map((a) => a.id)).toEqual(every);
    expect(await ledger.applied('athena')).toEqual(['001_database']);
  });
});
