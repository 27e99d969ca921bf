import { createAthenaAdapters } from '../../src/adapters/athena';
import { createRedshiftAdapters } from '../../src/adapters/redshift-data';
import { readAthenaConfig } from '../../src/config/aws-athena';
import { readRedshiftConfig } from '../../src/config/aws-redshift';
import { EVENT_COLUMNS } from '../../src/ports/lake';
import { p, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { startRedshiftDataEmulator, type RedshiftDataEmulator } from '../emulators/redshift-data-emulator';

/**
 * From configuration to working adapters, with the endpoints found the standard
 * AWS way (AWS_ENDPOINT_URL_ATHENA / AWS_ENDPOINT_URL_REDSHIFT_DATA, credentials
 * and region from the environment), as a deployment against any AWS-compatible
 * endpoint would do.
 */
const lakeDir = tempDir('athena-wiring');
let athena: AthenaEmulator;
let redshift: RedshiftDataEmulator;
const saved: Record<string, string | undefined> = {};
const ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(90, '2026-05-01', 3), 4);
  athena = await startAthenaEmulator({ dataDir: lakeDir.dir });
  redshift = await startRedshiftDataEmulator({});
  Object.assign(ENV, { AWS_ENDPOINT_URL_ATHENA: athena.endpoint, AWS_ENDPOINT_URL_REDSHIFT_DATA: redshift.endpoint });
  for (const [key, value] of Object.entries(ENV)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await athena.close();
  await redshift.close();
  lakeDir.remove();
});

test('Athena adapters from LAKEGATE_ATHENA_* settings and the standard endpoint variable', async () => {
  const config = readAthenaConfig({ LAKEGATE_ATHENA_OUTPUT_LOCATION: 's3://results/athena/', LAKEGATE_ATHENA_LAKE_LOCATION: 's3://lake-bucket/' }, true);
  const { engine, lake } = createAthenaAdapters(config, { pricing: () => 0.25 });
  try {
    await engine.ping();
    const scan = await lake.scanEvents({ from: '2026-05-01', to: '2026-05-03' }, { columns: EVENT_COLUMNS });
    const result = await engine.query({ label: 'test.wiring', sql: sql`SELECT COUNT(*) AS n FROM ${scan.relation} WHERE day BETWEEN ${p.date('2026-05-01')} AND ${p.date('2026-05-03')}` });
    expect(result.rows).toEqual([{ n: 90 }]);
    expect(result.stats.costUsd).toBe(0.25);
    // The estimate of every column bounds what a COUNT(*) really reads (one column's chunks).
    expect(result.stats.bytesScanned).toBeGreaterThan(0);
    expect(result.stats.bytesScanned).toBeLessThanOrEqual(scan.estimatedBytes);
    const start = athena.server.callsOf('StartQueryExecution').at(-1)!.input;
    expect(start).toMatchObject({ WorkGroup: 'primary', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'lake' }, ResultConfiguration: { OutputLocation: 's3://results/athena/' } });
  } finally {
    await engine.close();
  }
});

test('Redshift adapters from LAKEGATE_REDSHIFT_* settings and the standard endpoint variable', async () => {
  const config = readRedshiftConfig({ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'analytics', LAKEGATE_REDSHIFT_DATABASE: 'prod', LAKEGATE_REDSHIFT_SCHEMA: 'curated' }, true);
  const { engine, warehouse } = createRedshiftAdapters(config);
  try {
    await engine.ping();
    await engine.query({ label: 'test.schema', sql: sql`CREATE SCHEMA IF NOT EXISTS curated` });
    await engine.query({ label: 'test.table', sql: sql`CREATE TABLE curated.customers (customer_id VARCHAR(128))` });
    const result = await engine.query({ label: 'test.wiring', sql: sql`SELECT COUNT(*) AS n FROM ${warehouse.table('customers')}` });
    expect(result.rows).toEqual([{ n: 0 }]);
    expect(redshift.server.callsOf('ExecuteStatement').at(-1)!.input).toMatchObject({ WorkgroupName: 'analytics', Database: 'prod', Sql: 'SELECT COUNT(*) AS n FROM "curated"."customers"' });
  } finally {
    await engine.close();
  }
});
