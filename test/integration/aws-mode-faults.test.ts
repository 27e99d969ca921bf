import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyProcessEnv, startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { cleanupTestData, seededTemplate, startTestApp, TEST_KEYS, TEST_SEED, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS, WEEKLY_DATASET } from './contract-operations';

/**
 * Faults of the AWS backends, seen through GraphQL in LAKEGATE_MODE=aws: the
 * local Athena, Redshift Data and Glue endpoints throttle, fail queries, run
 * slower than the timeouts, answer over many pages or with nothing, and go down
 * and come back. Answers stay correct when a retry can save them; otherwise the
 * error is coded and says what to do, without internals.
 */
jest.setTimeout(300_000);

let endpoints: AwsEndpoints;
const apps: TestApp[] = [];
const tempDirs: string[] = [];
let restoreEnv: () => void = () => undefined;
/** Default settings. */
let app: TestApp;
/** Athena and Redshift query timeouts of 3 s (the delayed queries take 30 s). */
let slow: TestApp;
/** LAKEGATE_REQUEST_TIMEOUT_MS of 3 s. */
let shortRequests: TestApp;
/** Small result pages everywhere. */
let paged: TestApp;

const LAKE_STATS = { input: { ...WEEKLY_DATASET, source: 'LAKE' } };
const WAREHOUSE_STATS = { input: { ...WEEKLY_DATASET, source: 'WAREHOUSE' } };
const RUNS_WINDOW = { filter: { from: '2026-01-02T00:00:00.000Z', to: '2026-01-31T23:59:59.999Z' }, first: 500 };
const EVENTS = { filter: { from: '2026-01-20', to: '2026-01-22' }, first: 500 };

async function boot(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-aws-faults-'));
  tempDirs.push(dir);
  const started = await startTestApp({
    dataDir: dir,
    env: { ...endpoints.env, LAKEGATE_CACHE_BACKEND: 'off', LAKEGATE_GLUE_MAX_ATTEMPTS: '2', LAKEGATE_SUBJECT_HASH_KEY: 'faults-subject-hash-key-0123456789abcdef', ...env },
  });
  apps.push(started);
  return started;
}

beforeAll(async () => {
  // Redshift answers 25 records per GetStatementResult page: every warehouse read pages.
  endpoints = await startAwsEndpoints({ dataDir: await seededTemplate(), redshift: { pageRows: 25 } });
  restoreEnv = applyProcessEnv(Object.fromEntries(Object.entries(endpoints.env).filter(([k]) => k.startsWith('AWS_'))));
  // Athena is down while the apps boot (see "a backend down at boot").
  await endpoints.stop('athena');
  app = await boot();
  slow = await boot({ LAKEGATE_ATHENA_QUERY_TIMEOUT_MS: '3000', LAKEGATE_REDSHIFT_QUERY_TIMEOUT_MS: '3000' });
  shortRequests = await boot({ LAKEGATE_REQUEST_TIMEOUT_MS: '3000' });
  paged = await boot({ LAKEGATE_ATHENA_PAGE_SIZE: '50', LAKEGATE_GLUE_PAGE_SIZE: '1', LAKEGATE_GLUE_PARTITION_PAGE_SIZE: '4', LAKEGATE_GLUE_JOB_RUNS_PAGE_SIZE: '7', LAKEGATE_GLUE_JOBS_PAGE_SIZE: '2' });
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await endpoints?.close();
  restoreEnv();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  cleanupTestData();
});

async function readyz(t: TestApp): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.origin}/readyz`);
  return { status: response.status, body: await response.json() };
}

function ok(result: GraphQLResult): any {
  expect(result.body.errors).toBeUndefined();
  return result.body.data;
}

function onlyError(result: GraphQLResult): { message: string; extensions: Record<string, any> } {
  expect(result.body.errors).toHaveLength(1);
  const error = result.body.errors![0]!;
  // No internals: no stack, no SQL, no endpoint address.
  expect(error.message).not.toMatch(/\n\s+at |SELECT |127\.0\.0\.1|localhost|ECONNREFUSED/);
  expect(JSON.stringify(error.extensions)).not.toMatch(/stack|SELECT |127\.0\.0\.1/);
  return error as never;
}

const startsOf = (query: RegExp) => endpoints.athena.server.callsOf('StartQueryExecution').filter((c) => query.test(c.input.QueryString));

describe('a backend down at boot', () => {
  test('the app boots; /readyz lists every backend and reports Athena failing with 503', async () => {
    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(Object.keys(body.checks).sort()).toEqual(['athena', 'catalog', 'decisions', 'jobRuns', 'redshift']);
    expect(body.checks.athena).toMatchObject({ ok: false });
    expect(body.checks.athena.error).toMatch(/athena is unavailable/i);
    for (const name of ['catalog', 'decisions', 'jobRuns', 'redshift']) expect(body.checks[name]).toMatchObject({ ok: true });
  });

  test('lake queries fail with BACKEND_UNAVAILABLE meanwhile; other domains answer', async () => {
    const error = onlyError(await app.gql(OPERATIONS.eventStats, LAKE_STATS));
    expect(error.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'athena', retryable: true });
    expect(error.message).toBe('athena is unavailable: StartQueryExecution could not reach the Athena endpoint (connection refused); retry later');
    expect(ok(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS)).eventStats.length).toBeGreaterThan(0);
  });

  test('once Athena is back the same app answers and reports ready, without a restart', async () => {
    await endpoints.start('athena');
    const { status, body } = await readyz(app);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.checks.athena).toMatchObject({ ok: true });
    const lake = ok(await app.gql(OPERATIONS.eventStats, LAKE_STATS));
    expect(lake.eventStats).toEqual(ok(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS)).eventStats);
  });

  test('Glue going down and coming back: catalog and job runs follow', async () => {
    const before = ok(await app.gql(OPERATIONS.catalogDatabases, {}));
    await endpoints.stop('glue');
    try {
      const error = onlyError(await app.gql(OPERATIONS.catalogDatabases, {}));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      const { status, body } = await readyz(app);
      expect(status).toBe(503);
      expect(body.checks.catalog.ok).toBe(false);
      expect(body.checks.jobRuns.ok).toBe(false);
    } finally {
      await endpoints.start('glue');
    }
    expect(ok(await app.gql(OPERATIONS.catalogDatabases, {}))).toEqual(before);
    expect((await readyz(app)).status).toBe(200);
  });
});

describe('with every backend up', () => {
  const reference: Record<string, any> = {};

  beforeAll(async () => {
    // Reference answers, and each app's partition statistics read once (so the
    // queries below are the only Athena queries of their requests).
    reference.lake = ok(await app.gql(OPERATIONS.eventStats, LAKE_STATS)).eventStats;
    reference.warehouse = ok(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS)).eventStats;
    reference.runs = ok(await app.gql(OPERATIONS.glueJobRuns, RUNS_WINDOW)).glueJobRuns;
    reference.events = ok(await app.gql(OPERATIONS.events, EVENTS, { key: TEST_KEYS.pii })).events;
    for (const t of [slow, shortRequests, paged]) ok(await t.gql(OPERATIONS.eventStats, LAKE_STATS));
    expect(reference.lake).toEqual(reference.warehouse);
    expect(reference.events.edges).toHaveLength(500);
  });

  describe('throttling is retried and the answer stays correct', () => {
    test('Athena: TooManyRequestsException on StartQueryExecution (beyond the SDK retries) and GetQueryResults', async () => {
      const before = startsOf(/GROUP BY/).length;
      endpoints.athena.server.injectFault({ operation: 'StartQueryExecution', times: 4, error: { type: 'TooManyRequestsException', message: 'Rate exceeded' } });
      endpoints.athena.server.injectFault({ operation: 'GetQueryResults', times: 2, error: { type: 'TooManyRequestsException', message: 'Rate exceeded' } });
      expect(ok(await app.gql(OPERATIONS.eventStats, LAKE_STATS)).eventStats).toEqual(reference.lake);
      expect(startsOf(/GROUP BY/).length - before).toBe(5); // 4 throttled, 1 accepted (same ClientRequestToken)
      const tokens = new Set(startsOf(/GROUP BY/).slice(before).map((c) => c.input.ClientRequestToken));
      expect(tokens.size).toBe(1);
    });

    test('Redshift: ActiveStatementsExceededException (which the SDK does not retry)', async () => {
      const before = endpoints.redshift.server.callsOf('ExecuteStatement').length;
      endpoints.redshift.server.injectFault({ operation: 'ExecuteStatement', times: 2, error: { type: 'ActiveStatementsExceededException', message: 'Active statements exceeded the allowed quota.' } });
      expect(ok(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS)).eventStats).toEqual(reference.warehouse);
      expect(endpoints.redshift.server.callsOf('ExecuteStatement').length - before).toBe(3);
    });

    test('Glue: ThrottlingException on GetJobRuns', async () => {
      endpoints.glue.injectFault({ operation: 'GetJobRuns', times: 1, error: { type: 'ThrottlingException', message: 'Rate exceeded' } });
      expect(ok(await app.gql(OPERATIONS.glueJobRuns, RUNS_WINDOW)).glueJobRuns).toEqual(reference.runs);
    });
  });

  describe('FAILED queries', () => {
    test('Athena, retryable (AthenaError.Retryable): resubmitted once, the answer is correct', async () => {
      const before = startsOf(/GROUP BY/).length;
      endpoints.athena.failNextQueries(1, { category: 1, retryable: true });
      expect(ok(await app.gql(OPERATIONS.eventStats, LAKE_STATS)).eventStats).toEqual(reference.lake);
      expect(startsOf(/GROUP BY/).length - before).toBe(2);
    });

    test('Athena, retryable but failing again: BACKEND_UNAVAILABLE, retryable, saying to retry later', async () => {
      endpoints.athena.failNextQueries(2, { category: 1, retryable: true, message: 'GENERIC_INTERNAL_ERROR: Internal error' });
      const error = onlyError(await app.gql(OPERATIONS.eventStats, LAKE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'athena', label: 'eventStats.lake', retryable: true });
      expect(error.message).toMatch(/^Athena could not run query eventStats\.lake because of a transient error; retry later/);
    });

    test('Athena, not retryable (a user error): BACKEND_QUERY_FAILED at once, literals not echoed', async () => {
      const before = startsOf(/GROUP BY/).length;
      endpoints.athena.failNextQueries(1, { category: 2, retryable: false, message: "COLUMN_NOT_FOUND: line 1:8: Column 'cus_000042' cannot be resolved" });
      const error = onlyError(await app.gql(OPERATIONS.eventStats, LAKE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_QUERY_FAILED', backend: 'athena', label: 'eventStats.lake' });
      expect(error.extensions.retryable).toBeUndefined();
      expect(error.message).toBe("Athena rejected query eventStats.lake: COLUMN_NOT_FOUND: line 1:8: Column '…' cannot be resolved");
      expect(startsOf(/GROUP BY/).length - before).toBe(1);
    });

    test('Redshift, transient (serialization conflict): BACKEND_UNAVAILABLE, retryable', async () => {
      endpoints.redshift.failNextStatements(1, { message: 'ERROR: could not serialize access due to concurrent update' });
      const error = onlyError(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redshift', retryable: true });
      expect(error.message).toMatch(/^Redshift could not run query eventStats\.warehouse because of a transient error; retry later/);
      expect(ok(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS)).eventStats).toEqual(reference.warehouse);
    });

    test('Redshift, not retryable: BACKEND_QUERY_FAILED', async () => {
      endpoints.redshift.failNextStatements(1, { message: 'ERROR: permission denied for relation daily_event_counts' });
      const error = onlyError(await app.gql(OPERATIONS.eventStats, WAREHOUSE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_QUERY_FAILED', backend: 'redshift' });
      expect(error.message).toBe('Redshift rejected query eventStats.warehouse: ERROR: permission denied for relation daily_event_counts');
    });
  });

  describe('slower than the timeout: stopped, BACKEND_TIMEOUT', () => {
    test('Athena query timeout (LAKEGATE_ATHENA_QUERY_TIMEOUT_MS): StopQueryExecution, then a coded error', async () => {
      const stoppedBefore = endpoints.athena.stopped.length;
      endpoints.athena.delayNextQueries(1, 30_000);
      const error = onlyError(await slow.gql(OPERATIONS.eventStats, LAKE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_TIMEOUT', backend: 'athena', timeoutMs: 3000, retryable: true });
      expect(error.message).toBe('Athena query eventStats.lake did not finish within 3000 ms and was stopped; narrow the date range or filters');
      const stopped = endpoints.athena.stopped.slice(stoppedBefore);
      expect(stopped).toEqual([error.extensions.queryId]);
      expect(endpoints.athena.executions.get(stopped[0]!)!.state).toBe('CANCELLED');
    });

    test('request timeout (LAKEGATE_REQUEST_TIMEOUT_MS): the running Athena query is stopped', async () => {
      const stoppedBefore = endpoints.athena.stopped.length;
      endpoints.athena.delayNextQueries(1, 30_000);
      const error = onlyError(await shortRequests.gql(OPERATIONS.eventStats, LAKE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_TIMEOUT', backend: 'athena' });
      expect(error.message).toBe('Athena query eventStats.lake was cancelled because the request was aborted (request exceeded 3000 ms)');
      const stopped = endpoints.athena.stopped.slice(stoppedBefore);
      expect(stopped).toHaveLength(1);
      expect(endpoints.athena.executions.get(stopped[0]!)!.state).toBe('CANCELLED');
    });

    test('Redshift query timeout: CancelStatement, then a coded error', async () => {
      const cancelledBefore = endpoints.redshift.cancelled.length;
      endpoints.redshift.delayNextStatements(1, 30_000);
      const error = onlyError(await slow.gql(OPERATIONS.eventStats, WAREHOUSE_STATS));
      expect(error.extensions).toMatchObject({ code: 'BACKEND_TIMEOUT', backend: 'redshift', timeoutMs: 3000 });
      expect(endpoints.redshift.cancelled.slice(cancelledBefore)).toEqual([error.extensions.queryId]);
    });
  });

  describe('results over many pages', () => {
    test('Athena GetQueryResults pages of 50 rows (header row on the first): the same 501-row page of events', async () => {
      const before = endpoints.athena.server.callsOf('GetQueryResults').length;
      const events = ok(await paged.gql(OPERATIONS.events, EVENTS, { key: TEST_KEYS.pii })).events;
      expect(events).toEqual(reference.events);
      const pageQuery = endpoints.athena.server.callsOf('GetQueryResults').slice(before).filter((c) => c.input.MaxResults === 50);
      // 501 rows + the header row, 50 a page.
      const byQuery = new Map<string, number>();
      for (const c of pageQuery) byQuery.set(c.input.QueryExecutionId, (byQuery.get(c.input.QueryExecutionId) ?? 0) + 1);
      expect([...byQuery.values()]).toContain(11);
    });

    test('Redshift GetStatementResult pages of 25 records: the per-customer totals', async () => {
      const before = endpoints.redshift.server.callsOf('GetStatementResult').length;
      const input = { from: '2026-01-02', to: '2026-01-31', interval: 'MONTH', groupBy: ['CUSTOMER'] };
      const warehouse = ok(await paged.gql(OPERATIONS.eventStats, { input: { ...input, source: 'WAREHOUSE' } })).eventStats;
      const lake = ok(await paged.gql(OPERATIONS.eventStats, { input: { ...input, source: 'LAKE' } })).eventStats;
      expect(warehouse).toEqual(lake);
      expect(warehouse.reduce((s: number, r: any) => s + r.totalEvents, 0)).toBe(TEST_SEED.events);
      expect(endpoints.redshift.server.callsOf('GetStatementResult').length - before).toBeGreaterThanOrEqual(Math.ceil(warehouse.length / 25));
    });

    test('Glue: databases one a page, partitions four a page, job runs seven a page', async () => {
      const before = endpoints.glue.server.calls.length;
      expect(ok(await paged.gql(OPERATIONS.glueJobRuns, RUNS_WINDOW)).glueJobRuns).toEqual(reference.runs);
      const a = ok(await app.gql(OPERATIONS.catalogDatabases, {}));
      expect(ok(await paged.gql(OPERATIONS.catalogDatabases, {}))).toEqual(a);
      const table = { database: 'lake', name: 'events', first: 100 };
      expect(ok(await paged.gql(OPERATIONS.catalogTable, table))).toEqual(ok(await app.gql(OPERATIONS.catalogTable, table)));
      const calls = endpoints.glue.server.calls.slice(before);
      const pagesOf = (op: string, size: number) => calls.filter((c) => c.operation === op && c.input.MaxResults === size);
      expect(pagesOf('GetJobRuns', 7).filter((c) => c.input.NextToken).length).toBeGreaterThan(5);
      expect(pagesOf('GetDatabases', 1).filter((c) => c.input.NextToken).length).toBeGreaterThanOrEqual(1);
      expect(pagesOf('GetPartitions', 4).filter((c) => c.input.NextToken).length).toBeGreaterThanOrEqual(Math.floor(TEST_SEED.days / 4) - 1);
    });
  });

  describe('empty results', () => {
    test('Athena: a filter matching nothing inside days that hold data (header row only)', async () => {
      const before = startsOf(/^(?!.*\$partitions)/).length;
      const events = ok(await app.gql(OPERATIONS.events, { ...EVENTS, filter: { ...EVENTS.filter, customerId: 'cus_999999' } })).events;
      expect(events).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
      // The page and the count ran (an empty answer may also read the data's window: a $partitions query, at most once a minute).
      expect(startsOf(/^(?!.*\$partitions)/).length - before).toBe(2);
      const stats = ok(await app.gql(OPERATIONS.eventStats, { input: { ...WEEKLY_DATASET, excludeCustomerTypes: ['Enterprise', 'SMB', 'Reseller', 'Partner'], source: 'LAKE' } }));
      expect(stats.eventStats).toEqual([]);
    });

    test('days without data: no lake query at all; Redshift and Glue answer nothing alike', async () => {
      const before = startsOf(/^(?!.*\$partitions)/).length;
      const events = ok(await app.gql(OPERATIONS.events, { filter: { from: '2025-03-01', to: '2025-03-05' }, first: 10 })).events;
      expect(events.totalCount).toBe(0);
      expect(startsOf(/^(?!.*\$partitions)/).length - before).toBe(0);
      expect(ok(await app.gql(OPERATIONS.eventStats, { input: { from: '2025-03-01', to: '2025-03-05', source: 'WAREHOUSE' } })).eventStats).toEqual([]);
      expect(ok(await app.gql(OPERATIONS.glueJobRuns, { filter: { ...RUNS_WINDOW.filter, jobNames: ['no-such-job'] } })).glueJobRuns.edges).toEqual([]);
      expect(ok(await app.gql(OPERATIONS.customerDecisions, { customerId: 'cus_999999', first: 5 })).customerDecisions.edges).toEqual([]);
    });
  });
});
