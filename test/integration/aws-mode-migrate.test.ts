import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClients, startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/adapters/dynamodb';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { startRedshiftDataEmulator, type RedshiftDataEmulator } from '../emulators/redshift-data-emulator';
import { awsModeEnv } from '../helpers/aws-endpoints';

/**
 * `lakegate migrate --target aws` (the built CLI, as `npm run migrate -- --target
 * aws` runs it) against empty local Athena, Redshift Data and DynamoDB endpoints:
 * the first run applies every migration of migrations/{dynamodb,athena,redshift},
 * the second applies nothing and sends no DDL.
 */
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
let lakeDir: string;
let dataDir: string;
let athena: AthenaEmulator;
let redshift: RedshiftDataEmulator;
let dynamo: EmbeddedDynamo;
let env: Record<string, string>;

/** The migrations in the repository (other work may add some): versions per store, in order. */
const versions = (store: string, ext: string) =>
  readdirSync(path.join(ROOT, 'migrations', store))
    .filter((f) => /^\d{3}_.+/.test(f) && f.endsWith(ext))
    .sort()
    .map((f) => f.slice(0, -ext.length));
const DYNAMODB = versions('dynamodb', '.json');
const ATHENA = versions('athena', '.sql');
const REDSHIFT = versions('redshift', '.sql');

beforeAll(async () => {
  lakeDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-migrate-lake-'));
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-migrate-data-'));
  athena = await startAthenaEmulator({ dataDir: lakeDir, database: 'lake_bootstrap' });
  redshift = await startRedshiftDataEmulator({});
  dynamo = await startEmbeddedDynamo({});
  env = {
    ...awsModeEnv({ athena: athena.endpoint, redshift: redshift.endpoint, glue: 'http://127.0.0.1:9', dynamodb: dynamo.endpoint }),
    LAKEGATE_ATHENA_DATABASE: 'lake',
  };
});

afterAll(async () => {
  await athena?.close();
  await redshift?.close();
  await dynamo?.close();
  for (const dir of [lakeDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

function migrate(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli.js'), 'migrate', '--target', 'aws'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LAKEGATE_DATA_DIR: dataDir, LAKEGATE_LOG_LEVEL: 'silent', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const ddl = () => [
  ...athena.server.callsOf('StartQueryExecution').map((c) => String(c.input.QueryString)),
  ...redshift.server.callsOf('ExecuteStatement').map((c) => String(c.input.Sql)),
];

test('the first run applies the DynamoDB, Athena and Redshift migrations', async () => {
  const { code, stdout, stderr } = await migrate();
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(ATHENA.slice(0, 3)).toEqual(['001_database', '002_events_landing', '003_events_iceberg']);
  expect(REDSHIFT.slice(0, 4)).toEqual(['001_schema', '002_customers', '003_daily_event_counts', '004_weekly_event_counts']);
  expect(stdout).toContain(`dynamodb: applied ${DYNAMODB.length}; 0 already applied\n`);
  expect(stdout).toContain(`athena: applied ${ATHENA.join(', ')}; 0 already applied\n`);
  expect(stdout).toContain(`redshift: applied ${REDSHIFT.join(', ')}; 0 already applied\n`);

  // DynamoDB: the tables and the migrations ledger.
  const clients = createDynamoClients({ endpoint: dynamo.endpoint });
  try {
    const { TableNames } = await clients.client.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(expect.arrayContaining(['lakegate_decisions', 'lakegate_query_ledger', 'lakegate_deletion_requests', 'lakegate_load_days', 'lakegate_migrations']));
  } finally {
    clients.destroy();
  }
  // Athena: every DDL statement succeeded; the lake table is Iceberg, the landing table uses partition projection.
  const executions = [...athena.executions.values()];
  expect(executions.every((e) => e.state === 'SUCCEEDED')).toBe(true);
  expect(executions.map((e) => e.query).slice(0, 3)).toEqual([
    expect.stringMatching(/^[\s\S]*CREATE DATABASE IF NOT EXISTS lake\b[\s\S]*LOCATION 's3:\/\/lakegate-local-lake\/'/),
    expect.stringMatching(/CREATE EXTERNAL TABLE IF NOT EXISTS lake\.events_landing[\s\S]*'projection\.enabled' = 'true'/),
    expect.stringMatching(/CREATE TABLE IF NOT EXISTS lake\.events [\s\S]*PARTITIONED BY \(day, bucket\(16, customer_id\)\)[\s\S]*'table_type' = 'ICEBERG'/),
  ]);
  // Redshift: the warehouse schema with its tables and the weekly view.
  const statuses = [...redshift.statements.values()].map((s) => s.status);
  expect(statuses.every((s) => s === 'FINISHED')).toBe(true);
  const connection = await redshift.duckdb.connect();
  try {
    const rows = (await connection.runAndReadAll(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'warehouse' ORDER BY 1`)).getRows();
    expect(rows).toEqual(
      expect.arrayContaining([
        ['customers', 'BASE TABLE'],
        ['daily_event_counts', 'BASE TABLE'],
        ['weekly_event_counts', 'VIEW'],
      ]),
    );
  } finally {
    connection.closeSync();
  }
});

test('the second run applies nothing and sends no DDL', async () => {
  const before = ddl().length;
  const { code, stdout } = await migrate();
  expect(code).toBe(0);
  expect(stdout).toContain(`dynamodb: applied 0; ${DYNAMODB.length} already applied\n`);
  expect(stdout).toContain(`athena: applied nothing; ${ATHENA.length} already applied\n`);
  expect(stdout).toContain(`redshift: applied nothing; ${REDSHIFT.length} already applied\n`);
  expect(ddl().slice(before)).toEqual([]);
});
