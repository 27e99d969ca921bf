import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDynamoClients, DynamoDecisionStore, migrateDynamo, startEmbeddedDynamo } from '../../src/adapters/dynamodb';
import { readSeedManifest } from '../../src/adapters/duckdb/manifest';
import { loadConfig, type Config } from '../../src/config/config';
import { startApp, type App } from '../../src/main';
import { createLogger, type Logger } from '../../src/observability/logger';
import { seedEmbedded } from '../../src/seed/seed-embedded';

/**
 * The whole application on a real HTTP port over a small seeded data directory:
 * the embedded stores (DuckDB over Parquet, dynalite) exactly as `npm start` wires
 * them. The dataset is seeded once per test file (a template) and copied for each
 * app, so tests may write to their copy.
 */
export const TEST_SEED = {
  events: 20_000,
  days: 30,
  customers: 200,
  decisions: 400,
  randomSeed: 7,
  buckets: 16,
  endDay: '2026-01-31',
} as const;

export const TEST_KEYS = {
  reader: 'reader-key-0000000000000001',
  pii: 'pii-reader-key-000000000002',
  writer: 'writer-key-0000000000000003',
  gdpr: 'gdpr-key-00000000000000000004',
  admin: 'admin-key-0000000000000000005',
  none: 'no-scopes-key-00000000000006',
  loader: 'loader-key-00000000000000007',
} as const;

export const TEST_API_KEYS = JSON.stringify([
  { id: 'reader', key: TEST_KEYS.reader, scopes: ['decisions:read', 'events:read', 'catalog:read', 'cost:read'] },
  { id: 'pii-reader', key: TEST_KEYS.pii, scopes: ['decisions:read', 'events:read', 'catalog:read', 'cost:read', 'pii:read'] },
  { id: 'writer', key: TEST_KEYS.writer, scopes: ['decisions:read', 'decisions:write'] },
  { id: 'gdpr', key: TEST_KEYS.gdpr, scopes: ['gdpr:read', 'gdpr:write', 'decisions:read', 'events:read'] },
  { id: 'admin', key: TEST_KEYS.admin, scopes: ['cache:admin', 'events:read'] },
  { id: 'none', key: TEST_KEYS.none, scopes: [] },
  { id: 'loader', key: TEST_KEYS.loader, scopes: ['loads:write', 'events:read'] },
]);

const tempDirs = new Set<string>();
let template: Promise<string> | undefined;

/** Seeds the template once per test file: lake, warehouse, job runs, catalog and decisions (into dynalite). */
export function seededTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-app-template-'));
    tempDirs.add(dir);
    const dynamo = await startEmbeddedDynamo({ dataDir: dir });
    const clients = createDynamoClients({ endpoint: dynamo.endpoint });
    try {
      const tables = loadConfig({}).aws.dynamodb;
      await migrateDynamo(clients, tables);
      const decisionStore = new DynamoDecisionStore(clients, { table: tables.decisionsTable });
      await seedEmbedded({ dataDir: dir, decisionStore, ...TEST_SEED, duckdb: { threads: 2, memoryLimit: '1GB' } });
    } finally {
      clients.destroy();
      await dynamo.close();
    }
    if (!(await readSeedManifest(dir))) throw new Error('test template was not seeded');
    return dir;
  })();
  return template;
}

/** A private copy of the seeded data directory. */
export async function dataDirCopy(): Promise<string> {
  const source = await seededTemplate();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-app-'));
  tempDirs.add(dir);
  cpSync(source, dir, { recursive: true });
  rmSync(path.join(dir, 'dynamodb.lock'), { force: true });
  return dir;
}

export function testEnv(dataDir: string, env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    LAKEGATE_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LAKEGATE_LOG_LEVEL: 'silent',
    LAKEGATE_API_KEYS: TEST_API_KEYS,
    LAKEGATE_SEED_END_DAY: TEST_SEED.endDay,
    LAKEGATE_DUCKDB_THREADS: '2',
    // Tests drop their own landing files; the development demo producer would change their counts.
    LAKEGATE_LOADS_DEMO_PRODUCER_MS: '0',
    ...env,
  };
}

export interface GraphQLResult<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>; extensions?: Record<string, any> };
}

export interface TestApp {
  app: App;
  url: string;
  origin: string;
  dataDir: string;
  config: Config;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { key?: string; headers?: Record<string, string> }): Promise<GraphQLResult<T>>;
  close(): Promise<void>;
}

/** Starts the real application over a copy of the seeded data (or `dataDir`). */
export async function startTestApp(options: { env?: Record<string, string | undefined>; dataDir?: string; logger?: Logger } = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? (await dataDirCopy());
  const config = loadConfig(testEnv(dataDir, options.env));
  const app = await startApp(config, { progress: false, logger: options.logger ?? createLogger(config.server.logLevel) });
  const origin = app.url.replace(/\/graphql$/, '');
  return {
    app,
    url: app.url,
    origin,
    dataDir,
    config,
    async gql(query, variables, opts = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      const response = await fetch(app.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult['body'] };
    },
    close: () => app.close(),
  };
}

/** Removes every temp dir this test file made (call in afterAll). */
export function cleanupTestData(): void {
  for (const dir of tempDirs) if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  template = undefined;
}
