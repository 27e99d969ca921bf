import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClients, type DynamoClients } from '../../../src/adapters/dynamodb/client';
import { defaultMigrationsDir, dynamoMigrationStatus, loadDynamoMigrations, migrateDynamo } from '../../../src/adapters/dynamodb/migrations';
import type { DynamoTableNames } from '../../../src/adapters/dynamodb/table-names';
import { AppError, ErrorCode } from '../../../src/errors/app-error';
import { startDynalite, type TestDynamoServer } from '../../helpers/dynamodb-servers';

let server: TestDynamoServer;
let clients: DynamoClients;
let tmp: string;
let run = 0;

/** Fresh physical names per test: the tests share one server. */
function names(): DynamoTableNames {
  run++;
  return {
    decisionsTable: `t${run}_decisions`,
    queryLedgerTable: `t${run}_query_ledger`,
    deletionLedgerTable: `t${run}_deletions`,
    loadLedgerTable: `t${run}_loads`,
    migrationsTable: `t${run}_migrations`,
  };
}

function copyMigrations(): string {
  const dir = mkdtempSync(path.join(tmp, 'migrations-'));
  for (const file of readdirSync(defaultMigrationsDir())) copyFileSync(path.join(defaultMigrationsDir(), file), path.join(dir, file));
  return dir;
}

beforeAll(async () => {
  server = await startDynalite();
  clients = createDynamoClients({ endpoint: server.endpoint });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lakegate-dynamo-migrations-'));
});
afterAll(async () => {
  clients?.destroy();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('DynamoDB migrations', () => {
  it('loads the numbered files in order with logical table names', () => {
    const migrations = loadDynamoMigrations();
    expect(migrations.map((m) => m.id)).toEqual(['001_decisions', '002_query_ledger', '003_deletion_requests', '004_load_days']);
    expect(migrations.map((m) => m.logicalTable)).toEqual(['decisions', 'query_ledger', 'deletion_requests', 'load_days']);
    expect(migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates the tables under the configured names, with the indexes the store needs', async () => {
    const tables = names();
    const before = await dynamoMigrationStatus(clients, tables);
    expect(before.applied).toEqual([]);
    expect(before.pending).toEqual([
      { id: '001_decisions', table: tables.decisionsTable },
      { id: '002_query_ledger', table: tables.queryLedgerTable },
      { id: '003_deletion_requests', table: tables.deletionLedgerTable },
      { id: '004_load_days', table: tables.loadLedgerTable },
    ]);

    const report = await migrateDynamo(clients, tables);
    expect(report.applied.map((a) => [a.id, a.table, a.outcome])).toEqual([
      ['001_decisions', tables.decisionsTable, 'created'],
      ['002_query_ledger', tables.queryLedgerTable, 'created'],
      ['003_deletion_requests', tables.deletionLedgerTable, 'created'],
      ['004_load_days', tables.loadLedgerTable, 'created'],
    ]);
    expect(report.alreadyApplied).toEqual([]);

    const decisions = (await clients.client.send(new DescribeTableCommand({ TableName: tables.decisionsTable }))).Table!;
    expect(decisions.TableStatus).toBe('ACTIVE');
    expect(decisions.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    const indexes = Object.fromEntries((decisions.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`)]));
    expect(indexes).toEqual({
      byTransaction: ['transactionId:HASH', 'decidedAtId:RANGE'],
      byCustomer: ['customerId:HASH', 'decidedAtId:RANGE'],
    });
    expect(decisions.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('is idempotent: a second run applies nothing, and status lists what was applied', async () => {
    const tables = names();
    await migrateDynamo(clients, tables);
    const second = await migrateDynamo(clients, tables);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(['001_decisions', '002_query_ledger', '003_deletion_requests', '004_load_days']);
    const status = await dynamoMigrationStatus(clients, tables);
    expect(status.pending).toEqual([]);
    expect(status.applied.map((a) => [a.id, a.outcome, a.changed])).toEqual([
      ['001_decisions', 'created', undefined],
      ['002_query_ledger', 'created', undefined],
      ['003_deletion_requests', 'created', undefined],
      ['004_load_days', 'created', undefined],
    ]);
    expect(Date.parse(status.applied[0]!.appliedAt)).not.toBeNaN();
  });

  it('survives two runs at once (two processes starting together)', async () => {
    const tables = names();
    const [a, b] = await Promise.all([migrateDynamo(clients, tables), migrateDynamo(clients, tables)]);
    expect([...a.applied, ...b.applied].map((m) => m.id).sort()).toEqual(expect.arrayContaining(['001_decisions', '002_query_ledger', '003_deletion_requests']));
    expect((await dynamoMigrationStatus(clients, tables)).pending).toEqual([]);
  });

  it('adopts a table that already exists with the same keys', async () => {
    const tables = names();
    const input = JSON.parse(readFileSync(path.join(defaultMigrationsDir(), '002_query_ledger.json'), 'utf8'));
    await clients.client.send(new CreateTableCommand({ ...input, TableName: tables.queryLedgerTable }));
    const report = await migrateDynamo(clients, tables);
    expect(report.applied.map((a) => [a.id, a.outcome])).toEqual([
      ['001_decisions', 'created'],
      ['002_query_ledger', 'adopted'],
      ['003_deletion_requests', 'created'],
      ['004_load_days', 'created'],
    ]);
  });

  it('refuses to adopt a table whose keys differ, naming the table', async () => {
    const tables = names();
    await clients.client.send(
      new CreateTableCommand({
        TableName: tables.decisionsTable,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const error = await migrateDynamo(clients, tables).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.CONFLICT);
    expect((error as AppError).message).toContain(tables.decisionsTable);
    expect((error as AppError).message).toContain('index byCustomer is missing');
  });

  it('flags an applied file that was edited afterwards', async () => {
    const tables = names();
    const dir = copyMigrations();
    await migrateDynamo(clients, tables, { dir });
    const file = path.join(dir, '002_query_ledger.json');
    const edited = JSON.parse(readFileSync(file, 'utf8'));
    edited.BillingMode = 'PROVISIONED';
    writeFileSync(file, JSON.stringify(edited));
    const status = await dynamoMigrationStatus(clients, tables, { dir });
    expect(status.applied.find((a) => a.id === '002_query_ledger')?.changed).toBe(true);
    expect(status.applied.find((a) => a.id === '001_decisions')?.changed).toBeUndefined();
  });

  it('applies a new numbered file on the next run only', async () => {
    const tables = names();
    const dir = copyMigrations();
    const added = path.join(dir, '003_deletion_requests.json');
    const content = readFileSync(added, 'utf8');
    rmSync(added);
    await migrateDynamo(clients, tables, { dir });
    writeFileSync(added, content);
    const report = await migrateDynamo(clients, tables, { dir });
    expect(report.applied.map((a) => [a.id, a.table])).toEqual([['003_deletion_requests', tables.deletionLedgerTable]]);
    expect(report.alreadyApplied).toEqual(['001_decisions', '002_query_ledger', '004_load_days']);
  });

  it('rejects a file naming an unknown logical table', () => {
    const dir = mkdtempSync(path.join(tmp, 'bad-'));
    writeFileSync(path.join(dir, '001_x.json'), JSON.stringify({ TableName: 'nope', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] }));
    expect(() => loadDynamoMigrations(dir)).toThrow('001_x.json: TableName "nope" is not a known logical table name');
  });
});
