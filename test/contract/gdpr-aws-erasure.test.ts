import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { p, raw, sql } from '../../src/ports/sql';
import { generateDecisions } from '../../src/seed/decisions';
import { addDays } from '../../src/util/days';
import { applyProcessEnv, startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { cleanupTestData, seededTemplate, startTestApp, TEST_KEYS, TEST_SEED, type TestApp } from '../helpers/test-app';

/**
 * The erasure in LAKEGATE_MODE=aws, against the local Athena, Redshift Data and
 * DynamoDB endpoints (real AWS SDK clients): the lake step runs DELETE, OPTIMIZE
 * and VACUUM on the Iceberg table, waits for the old snapshots to age
 * (LAKEGATE_GDPR_ICEBERG_SNAPSHOT_WAIT_SECONDS, 1 s here), runs VACUUM again and
 * only then verifies; the warehouse step runs parameterized DELETEs and VACUUM
 * DELETE ONLY ... TO 100 PERCENT; decisions go from DynamoDB; the ledger is the
 * DynamoDB table of migrations/dynamodb/003.
 *
 * The Redshift endpoint runs SQL on DuckDB, which has no VACUUM DELETE ONLY: it runs
 * DuckDB's VACUUM instead (test/emulators/redshift-format.ts); the statements are
 * asserted as sent.
 */
jest.setTimeout(240_000);

const START = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const SNAPSHOT_AGE_MS = 500;
const decisions = [...generateDecisions({ decisions: TEST_SEED.decisions, customers: TEST_SEED.customers, startDay: START, endDay: TEST_SEED.endDay, randomSeed: TEST_SEED.randomSeed })].flat();
let endpoints: AwsEndpoints;
let t: TestApp;
let appDir: string;
let restoreEnv: () => void = () => undefined;

beforeAll(async () => {
  // The tables keep snapshots SNAPSHOT_AGE_MS (vacuum_max_snapshot_age_seconds), less than the 1 s the erasure waits.
  endpoints = await startAwsEndpoints({ dataDir: await seededTemplate(), athena: { snapshotMaxAgeMs: SNAPSHOT_AGE_MS } });
  restoreEnv = applyProcessEnv(Object.fromEntries(Object.entries(endpoints.env).filter(([k]) => k.startsWith('AWS_'))));
  appDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-gdpr-aws-'));
  t = await startTestApp({
    dataDir: appDir,
    env: { ...endpoints.env, LAKEGATE_GDPR_POLL_INTERVAL_MS: '100', LAKEGATE_GDPR_ICEBERG_SNAPSHOT_WAIT_SECONDS: '1', LAKEGATE_GDPR_RETRY_BASE_MS: '100', LAKEGATE_GDPR_RETRY_MAX_MS: '500' },
  });
});
afterAll(async () => {
  await t?.close();
  await endpoints?.close();
  restoreEnv();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  cleanupTestData();
});

async function lakeCounts(): Promise<Map<string, number>> {
  const { rows } = await t.app.backends.lake.engine.query({
    label: 'test.lakeCounts',
    sql: sql`SELECT customer_id, COUNT(*) AS n FROM "lake"."events" WHERE day BETWEEN ${p.date(START)} AND ${p.date(TEST_SEED.endDay)} GROUP BY customer_id`,
  });
  return new Map(rows.map((r) => [String(r.customer_id), Number(r.n)]));
}
async function warehouseCount(table: 'customers' | 'daily_event_counts', customerId: string): Promise<number> {
  const w = t.app.backends.warehouse;
  const { rows } = await w.engine.query({ label: 'test.warehouseCount', sql: sql`SELECT COUNT(*) AS n FROM ${w.table(table)} WHERE customer_id = ${p.str(customerId)}` });
  return Number(rows[0]!.n);
}
const athenaQueries = () => endpoints.athena.server.callsOf('StartQueryExecution').map((c) => c.input as { QueryString: string; ExecutionParameters?: string[] });
const redshiftStatements = () => endpoints.redshift.server.callsOf('ExecuteStatement').map((c) => c.input as { Sql: string; Parameters?: Array<{ name: string; value: string }> });

test('a customer is erased from Athena (Iceberg), Redshift and DynamoDB, verified after the second VACUUM', async () => {
  const before = await lakeCounts();
  const withDecisions = new Map<string, number>();
  for (const d of decisions) withDecisions.set(d.customerId, (withDecisions.get(d.customerId) ?? 0) + 1);
  const subject = [...withDecisions.keys()].filter((id) => (before.get(id) ?? 0) > 0).sort((a, b) => before.get(b)! - before.get(a)!)[0]!;
  const dailyRows = await warehouseCount('daily_event_counts', subject);
  expect(dailyRows).toBeGreaterThan(0);
  expect(await warehouseCount('customers', subject)).toBe(1);
  // The load quarantine holds landing rows of the subject too: one parsed, one raw line that was not JSON; and one of someone else.
  const other = [...before.keys()].find((id) => id !== subject)!;
  const quarantined = (customer: string | null, line: string | null) =>
    `(NULL, NULL, ${customer === null ? 'NULL' : `'${customer}'`}, NULL, NULL, NULL, NULL, 'SEVERE', NULL, ${line === null ? 'NULL' : `'${line}'`}, 'bad severity', 'day=${TEST_SEED.endDay}/a.jsonl', DATE '${TEST_SEED.endDay}', TIMESTAMP '2026-01-31 00:00:00')`;
  await t.app.backends.lake.engine.query({
    label: 'test.quarantine',
    sql: sql`${raw(`INSERT INTO "lake"."events_quarantine" (event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes, line, reason, file, day, loaded_at) VALUES ${[
      quarantined(subject, null),
      quarantined(null, `{"customer_id": "${subject}", broken`),
      quarantined(other, null),
    ].join(', ')}`)}`,
  });
  const quarantineOf = async () => {
    const { rows } = await t.app.backends.lake.engine.query({ label: 'test.quarantine', sql: sql`SELECT COALESCE(customer_id, line) AS who FROM "lake"."events_quarantine" ORDER BY 1` });
    return rows.map((r) => String(r.who));
  };
  expect(await quarantineOf()).toHaveLength(3);
  const athenaBefore = athenaQueries().length;
  const redshiftBefore = redshiftStatements().length;

  const requested = await t.gql(`mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id status } }`, { input: { customerId: subject, idempotencyKey: 'aws-1' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id = requested.body.data.requestDeletion.id;

  // While the lake waits for the old snapshots to age, the request stays RUNNING with a nextAttemptAt.
  const seen: any[] = [];
  const deadline = Date.now() + 120_000;
  let done: any;
  while (Date.now() < deadline) {
    const { body } = await t.gql(
      `query($id: ID!) { deletionRequest(id: $id) { status attempts verifiedAt nextAttemptAt lastError targets { store status recordsDeleted error } } }`,
      { id },
      { key: TEST_KEYS.gdpr },
    );
    expect(body.errors).toBeUndefined();
    seen.push(body.data.deletionRequest);
    if (body.data.deletionRequest.status === 'COMPLETED') {
      done = body.data.deletionRequest;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect([done === undefined ? seen[seen.length - 1] : 'done']).toEqual(['done']);
  const waiting = seen.find((s) => s.status === 'RUNNING' && s.nextAttemptAt !== null);
  expect(waiting?.targets.find((x: any) => x.store === 'lake').status).toBe('RUNNING');
  expect(done).toMatchObject({ attempts: 2, lastError: null, nextAttemptAt: null });
  expect(done.verifiedAt).not.toBeNull();
  const target = (store: string) => done.targets.find((x: any) => x.store === store);
  expect(target('lake')).toMatchObject({ status: 'COMPLETED', recordsDeleted: before.get(subject)! + 2 });
  expect(await quarantineOf()).toEqual([other]);
  expect(target('decisions')).toMatchObject({ status: 'COMPLETED', recordsDeleted: withDecisions.get(subject) });
  expect(target('warehouse')).toMatchObject({ status: 'COMPLETED', recordsDeleted: dailyRows + 1 });

  // What Athena was asked: the DELETE with the checked literal (no parameters outside SELECT), OPTIMIZE, two VACUUMs.
  const athena = athenaQueries().slice(athenaBefore);
  const deletes = athena.filter((q) => q.QueryString.startsWith('DELETE'));
  expect(deletes.map((d) => d.QueryString)).toEqual([
    `DELETE FROM "lake"."events" WHERE customer_id IN ('${subject}')`,
    `DELETE FROM "lake"."events_quarantine" WHERE (customer_id IN ('${subject}') OR (customer_id IS NULL AND (strpos("line", '${subject}') > 0)))`,
  ]);
  expect(deletes[0]!.ExecutionParameters).toBeUndefined();
  expect(athena.filter((q) => q.QueryString.startsWith('OPTIMIZE')).map((q) => q.QueryString)).toEqual([
    expect.stringMatching(/^OPTIMIZE lake\.events REWRITE DATA USING BIN_PACK WHERE day BETWEEN DATE '\d{4}-\d{2}-\d{2}' AND DATE '\d{4}-\d{2}-\d{2}'$/),
    `OPTIMIZE lake.events_quarantine REWRITE DATA USING BIN_PACK WHERE day BETWEEN DATE '${TEST_SEED.endDay}' AND DATE '${TEST_SEED.endDay}'`,
  ]);
  expect(athena.filter((q) => q.QueryString === 'VACUUM lake.events')).toHaveLength(2);
  expect(athena.filter((q) => q.QueryString === 'VACUUM lake.events_quarantine')).toHaveLength(2);
  // Lookups by subject are SELECTs with execution parameters: the id is never in their text.
  for (const q of athena.filter((x) => x.QueryString.startsWith('SELECT'))) expect(q.QueryString).not.toContain(subject);

  // What Redshift was asked: parameterized DELETEs on both tables, then VACUUM DELETE ONLY on each.
  const redshift = redshiftStatements().slice(redshiftBefore);
  const redshiftDeletes = redshift.filter((s) => s.Sql.startsWith('DELETE'));
  expect(redshiftDeletes.map((s) => s.Sql).sort()).toEqual(['DELETE FROM "warehouse"."customers" WHERE customer_id IN (:p1)', 'DELETE FROM "warehouse"."daily_event_counts" WHERE customer_id IN (:p1)']);
  for (const s of redshiftDeletes) expect(s.Parameters).toEqual([{ name: 'p1', value: subject }]);
  expect(redshift.filter((s) => s.Sql.startsWith('VACUUM')).map((s) => s.Sql).sort()).toEqual([
    'VACUUM DELETE ONLY "warehouse"."customers" TO 100 PERCENT',
    'VACUUM DELETE ONLY "warehouse"."daily_event_counts" TO 100 PERCENT',
  ]);

  // Gone everywhere; nobody else touched.
  const after = await lakeCounts();
  expect(after.has(subject)).toBe(false);
  for (const [customerId, n] of before) if (customerId !== subject) expect([customerId, after.get(customerId)]).toEqual([customerId, n]);
  expect(await warehouseCount('daily_event_counts', subject)).toBe(0);
  expect(await warehouseCount('customers', subject)).toBe(0);
  const listed = await t.gql(`query($c: ID!) { customerDecisions(customerId: $c) { totalCount } }`, { c: subject }, { key: TEST_KEYS.gdpr });
  expect(listed.body.data.customerDecisions.totalCount).toBe(0);
  const items = (await t.app.backends.dynamo.doc.send(new ScanCommand({ TableName: t.config.aws.dynamodb.deletionLedgerTable, ConsistentRead: true }))).Items ?? [];
  expect(items.some((i) => i.id === id)).toBe(true);
  expect(JSON.stringify(items)).not.toContain(subject);
});
