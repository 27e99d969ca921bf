import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/adapters/dynamodb';
import type { JobRunWindow } from '../../src/ports/job-runs';
import { migrateAthena } from '../../src/adapters/athena/athena-migrations';
import { startAthenaEmulator, type AthenaEmulator, type AthenaEmulatorOptions } from '../emulators/athena-emulator';
import { athenaEngineFor } from '../emulators/athena-test-engine';
import { glueContentFromPorts } from '../emulators/glue-content';
import { startGlueEmulator, type GlueEmulator } from '../emulators/glue-emulator';
import type { GlueEmulatorContent } from '../emulators/glue-model';
import { startRedshiftDataEmulator, type RedshiftDataEmulator, type RedshiftDataEmulatorOptions } from '../emulators/redshift-data-emulator';
import { startS3Emulator, type S3Emulator } from '../emulators/s3-emulator';
import { openEmbeddedSql } from './duckdb-fixture';

/**
 * Local AWS endpoints holding the data of an embedded data directory, so that the
 * application in LAKEGATE_MODE=aws answers from the same data as the embedded mode:
 *
 * - Athena (athena-emulator) over the directory's Parquet lake (events/day=*),
 * - Redshift Data (redshift-data-emulator) over its warehouse.duckdb,
 * - Glue (glue-emulator) filled from the embedded catalog and the seeded job runs,
 * - DynamoDB: dynalite over its dynamodb/ folder (decisions, ledgers),
 * - S3 (s3-emulator, ListObjectsV2) over the same copy: s3://<any bucket>/<key> is
 *   <workDir>/<key> for Athena, Redshift's COPY and S3 alike.
 *
 * Each emulator works on its own copy of `dataDir` (the emulators write: erasure
 * rewrites Parquet files, DDL creates tables), so the source directory is left as
 * it was. `env` is what the application needs to reach them the standard AWS way.
 */
export interface AwsEndpointsOptions {
  /** An embedded data directory (seeded); copied, never changed. */
  dataDir: string;
  /**
   * Data directory whose embedded catalog fills Glue (default: `dataDir`). Give the
   * directory the embedded app serves, so that catalog locations and create times
   * are the very values the embedded mode reports.
   */
  catalogFrom?: string;
  /** Job runs copied into Glue. Default: every run from 2000 to 2100. */
  jobRunsWindow?: JobRunWindow;
  athena?: Partial<Omit<AthenaEmulatorOptions, 'dataDir'>>;
  redshift?: Partial<Omit<RedshiftDataEmulatorOptions, 'dataDir' | 'duckdbPath' | 's3Root'>>;
  /** Fixed ports (0 or absent: any free port). */
  ports?: { athena?: number; redshift?: number; glue?: number; dynamodb?: number; s3?: number };
  region?: string;
}

export interface AwsEndpoints {
  /** The emulators' private copy of the data directory. */
  workDir: string;
  athena: AthenaEmulator;
  redshift: RedshiftDataEmulator;
  glue: GlueEmulator;
  dynamo: EmbeddedDynamo;
  s3: S3Emulator;
  /** Environment for LAKEGATE_MODE=aws against these endpoints (standard AWS variables + LAKEGATE_*). */
  env: Record<string, string>;
  /** Takes an endpoint down (its port stops answering); `start` brings it back on the same port. */
  stop(name: RestartableEndpoint): Promise<void>;
  start(name: RestartableEndpoint): Promise<void>;
  close(): Promise<void>;
}

export type RestartableEndpoint = 'athena' | 'redshift' | 'glue';

/** The account id the embedded catalog answers as; Glue must serve the same id for identical answers. */
export const LOCAL_CATALOG_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
/** Redshift Serverless workgroup the local endpoint accepts (any name works; this one is documented). */
export const LOCAL_REDSHIFT_WORKGROUP = 'lakegate-local';

const ALL_RUNS: JobRunWindow = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };

export async function startAwsEndpoints(options: AwsEndpointsOptions): Promise<AwsEndpoints> {
  const region = options.region ?? LOCAL_REGION;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-aws-endpoints-'));
  const running = new Map<string, { close(): Promise<void> }>();
  const close = async () => {
    for (const name of ['s3', 'dynamodb', 'redshift', 'athena', 'glue']) await running.get(name)?.close().catch(() => undefined);
    running.clear();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    cpSync(options.dataDir, workDir, { recursive: true });
    rmSync(path.join(workDir, 'dynamodb.lock'), { force: true });
    if (!existsSync(path.join(workDir, 'warehouse.duckdb'))) throw new Error(`${options.dataDir} holds no warehouse.duckdb: seed it first (npm run seed)`);

    // Glue content first: it reads a warehouse.duckdb that the Redshift emulator then opens.
    const content = await glueContentOf(options.catalogFrom ?? workDir, options.jobRunsWindow ?? ALL_RUNS, region);
    const warehouseFile = path.join(workDir, 'warehouse.duckdb');
    const starters = {
      // A restarted Glue serves what the previous one held (tests may change `content`).
      glue: (port: number) => startGlueEmulator(self?.glue.content ?? content, { port }),
      athena: (port: number) => startAthenaEmulator({ ...options.athena, dataDir: workDir, port }),
      redshift: (port: number) => startRedshiftDataEmulator({ ...options.redshift, duckdbPath: warehouseFile, s3Root: workDir, port }),
    };
    let self: AwsEndpoints | undefined;
    const glue = await starters.glue(options.ports?.glue ?? 0);
    running.set('glue', glue);
    const athena = await starters.athena(options.ports?.athena ?? 0);
    running.set('athena', athena);
    // As `lakegate migrate --target aws` leaves an account: the landing, JSON landing and quarantine tables too.
    await applyAthenaMigrations(athena.endpoint);
    const redshift = await starters.redshift(options.ports?.redshift ?? 0);
    running.set('redshift', redshift);
    const dynamo = await startEmbeddedDynamo({ dataDir: workDir, port: options.ports?.dynamodb ?? 0 });
    running.set('dynamodb', dynamo);
    const s3 = await startS3Emulator({ dataDir: workDir, port: options.ports?.s3 ?? 0 });
    running.set('s3', s3);
    const ports = { glue: glue.port, athena: portOf(athena.endpoint), redshift: portOf(redshift.endpoint) };

    const endpoints: AwsEndpoints = {
      workDir,
      athena,
      redshift,
      glue,
      dynamo,
      s3,
      env: awsModeEnv({ athena: athena.endpoint, redshift: redshift.endpoint, glue: glue.url, dynamodb: dynamo.endpoint, s3: s3.endpoint }, region),
      async stop(name) {
        await running.get(name)?.close();
        running.delete(name);
      },
      async start(name) {
        if (running.has(name)) return;
        if (name === 'athena') running.set(name, (endpoints.athena = await starters.athena(ports.athena)));
        else if (name === 'redshift') running.set(name, (endpoints.redshift = await starters.redshift(ports.redshift)));
        else running.set(name, (endpoints.glue = await starters.glue(ports.glue)));
      },
      close,
    };
    self = endpoints;
    return endpoints;
  } catch (error) {
    await close();
    throw error;
  }
}

const portOf = (url: string) => Number(new URL(url).port);

/** The environment of LAKEGATE_MODE=aws against local endpoints. */
export function awsModeEnv(endpoints: { athena: string; redshift: string; glue: string; dynamodb: string; s3?: string }, region = LOCAL_REGION): Record<string, string> {
  return {
    LAKEGATE_MODE: 'aws',
    AWS_REGION: region,
    // Any credentials: the local endpoints do not check signatures.
    AWS_ACCESS_KEY_ID: 'AKIDLAKEGATELOCAL',
    AWS_SECRET_ACCESS_KEY: 'lakegate-local-secret',
    AWS_ENDPOINT_URL_ATHENA: endpoints.athena,
    AWS_ENDPOINT_URL_REDSHIFT_DATA: endpoints.redshift,
    AWS_ENDPOINT_URL_GLUE: endpoints.glue,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    // The local S3 serves path-style requests (http://127.0.0.1:port/<bucket>?list-type=2).
    LAKEGATE_S3_FORCE_PATH_STYLE: 'true',
    LAKEGATE_ATHENA_OUTPUT_LOCATION: 's3://lakegate-local-results/athena/',
    LAKEGATE_ATHENA_LAKE_LOCATION: 's3://lakegate-local-lake/',
    LAKEGATE_ATHENA_EXPORT_LOCATION: 's3://lakegate-local-lake/exports/',
    LAKEGATE_REDSHIFT_COPY_ROLE_ARN: `arn:aws:iam::${LOCAL_CATALOG_ID}:role/lakegate-local-copy`,
    // Local queries finish in milliseconds: poll accordingly.
    LAKEGATE_ATHENA_POLL_INTERVAL_MS: '5',
    LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS: '100',
    LAKEGATE_REDSHIFT_WORKGROUP_NAME: LOCAL_REDSHIFT_WORKGROUP,
    LAKEGATE_REDSHIFT_DATABASE: 'dev',
    LAKEGATE_REDSHIFT_POLL_INTERVAL_MS: '5',
    LAKEGATE_REDSHIFT_MAX_POLL_INTERVAL_MS: '100',
    LAKEGATE_GLUE_CATALOG_IDS: LOCAL_CATALOG_ID,
    // Glue keeps 90 days of runs; the demo data may be older than that.
    LAKEGATE_GLUE_JOB_RUNS_LOOKBACK_DAYS: '3660',
  };
}

/** The embedded catalog and seeded job runs of `dataDir`, as Glue content. */
export async function glueContentOf(dataDir: string, window: JobRunWindow = ALL_RUNS, region = LOCAL_REGION): Promise<GlueEmulatorContent> {
  const sql = openEmbeddedSql(dataDir);
  try {
    return await glueContentFromPorts(sql.catalog, sql.jobRuns, window, { region, accountId: LOCAL_CATALOG_ID });
  } finally {
    await sql.close();
  }
}

/**
 * Sets the variables the AWS SDK reads from process.env (endpoints, region,
 * credentials); returns a function restoring the previous values.
 */
export function applyProcessEnv(env: Record<string, string | undefined>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(env)) {
    saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** Every Athena migration against the emulator (the events table it pre-creates is kept: CREATE ... IF NOT EXISTS). */
async function applyAthenaMigrations(endpoint: string): Promise<void> {
  const engine = athenaEngineFor(endpoint);
  const versions: string[] = [];
  try {
    await migrateAthena(engine, {
      database: 'lake',
      lakeLocation: 's3://lakegate-local-lake/',
      ledger: { applied: async () => [...versions], record: async (_store: string, version: string) => void versions.push(version) },
    });
  } finally {
    await engine.close();
  }
}
