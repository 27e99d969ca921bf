import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { p, sql } from '../../src/ports/sql';
import { addDays } from '../../src/util/days';
import { applyProcessEnv, startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { cleanupTestData, seededTemplate, startTestApp, TEST_KEYS, TEST_SEED, type TestApp } from '../helpers/test-app';

/**
 * Issue 15, items 1 and 2, end to end in LAKEGATE_MODE=aws: the erasure reports
 * COMPLETED only after physical removal is confirmed, in Redshift and in S3. The
 * emulators model the two ways AWS reports success for a removal that did not
 * happen: Redshift runs VACUUM for a user who does not own the table without
 * effect, and Athena's VACUUM without s3:DeleteObject deletes nothing. In both
 * cases the request must not complete; the step fails naming what is missing, and
 * completes once the operator fixed it.
 */
jest.setTimeout(240_000);

const START = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const USER = 'IAMR:lakegate';
let endpoints: AwsEndpoints;
let t: TestApp;
let appDir: string;
let restoreEnv: () => void = () => undefined;

beforeAll(async () => {
  endpoints = await startAwsEndpoints({ dataDir: await seededTemplate(), athena: { snapshotMaxAgeMs: 300 }, redshift: { databaseUser: USER } });
  restoreEnv = applyProcessEnv(Object.fromEntries(Object.entries(endpoints.env).filter(([k]) => k.startsWith('AWS_'))));
  appDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-gdpr-physical-'));
  t = await startTestApp({
    dataDir: appDir,
    env: { ...endpoints.env, LAKEGATE_GDPR_POLL_INTERVAL_MS: '100', LAKEGATE_GDPR_ICEBERG_SNAPSHOT_WAIT_SECONDS: '1', LAKEGATE_GDPR_RETRY_BASE_MS: '100', LAKEGATE_GDPR_RETRY_MAX_MS: '300' },
  });
});
afterAll(async () => {
  await t?.close();
  await endpoints?.close();
  restoreEnv();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  cleanupTestData();
});

const REQUEST = `query($id: ID!) { deletionRequest(id: $id) { status attempts lastError verifiedAt targets { store status recordsDeleted error } } }`;

async function customers(): Promise<string[]> {
  const { rows } = await t.app.backends.lake.engine.query({
    label: 'test.customers',
    sql: sql`SELECT customer_id, COUNT(*) AS n FROM "lake"."events" WHERE day BETWEEN ${p.date(START)} AND ${p.date(TEST_SEED.endDay)} GROUP BY customer_id ORDER BY 2 DESC, 1`,
  });
  return rows.map((r) => String(r.customer_id));
}
async function warehouseRows(customerId: string): Promise<number> {
  const w = t.app.backends.warehouse;
  const { rows } = await w.engine.query({ label: 'test.count', sql: sql`SELECT COUNT(*) AS n FROM ${w.table('customers')} WHERE customer_id = ${p.str(customerId)}` });
  return Number(rows[0]!.n);
}
async function requestDeletion(customerId: string, key: string): Promise<string> {
  const r = await t.gql(`mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id } }`, { input: { customerId, idempotencyKey: key } }, { key: TEST_KEYS.gdpr });
  expect(r.body.errors).toBeUndefined();
  return r.body.data.requestDeletion.id;
}
async function waitFor(id: string, done: (request: any) => boolean, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const { body } = await t.gql(REQUEST, { id }, { key: TEST_KEYS.gdpr });
    expect(body.errors).toBeUndefined();
    last = body.data.deletionRequest;
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out; last seen: ${JSON.stringify(last)}`);
}
const target = (request: any, store: string) => request.targets.find((x: any) => x.store === store);
/** Local files of the lake the erasure recorded for its S3 check (s3://<bucket>/<key> is <workDir>/<key>). */
const localFile = (uri: string) => path.join(endpoints.workDir, ...uri.replace(/^s3:\/\/[^/]+\//, '').split('/'));

test('Redshift: tables the database user does not own fail the warehouse step before anything is deleted; once it owns them, the erasure completes with both VACUUMs recorded', async () => {
  const subject = (await customers())[0]!;
  expect(await warehouseRows(subject)).toBe(1);
  await endpoints.redshift.setTableOwner('warehouse.customers', 'IAMR:lakegate-migrations');
  const vacuumsBefore = (await endpoints.redshift.vacuums()).length;
  const id = await requestDeletion(subject, 'physical-redshift');

  const failed = await waitFor(id, (r) => target(r, 'warehouse')?.status === 'FAILED');
  expect(failed.status).not.toBe('COMPLETED');
  expect(target(failed, 'warehouse').error).toMatch(/warehouse\.customers is owned by "IAMR:lakegate-migrations"; lakegate connects as "IAMR:lakegate"/);
  expect(target(failed, 'warehouse').error).toMatch(/without effect/);
  expect(await warehouseRows(subject)).toBe(1); // refused before the DELETEs
  expect((await endpoints.redshift.vacuums()).length).toBe(vacuumsBefore);

  await endpoints.redshift.setTableOwner('warehouse.customers', USER);
  const done = await waitFor(id, (r) => r.status === 'COMPLETED');
  expect(target(done, 'warehouse')).toMatchObject({ status: 'COMPLETED', error: null });
  expect(await warehouseRows(subject)).toBe(0);
  expect((await endpoints.redshift.vacuums()).slice(vacuumsBefore).map((v) => `${v.table}:${v.type}:${v.status}`).sort()).toEqual(['customers:Delete:Complete', 'daily_event_counts:Delete:Complete']);
});

test("Athena: without s3:DeleteObject the lake step fails after the last VACUUM, naming the permission on the table's prefix; once granted, the retry removes the files and completes", async () => {
  const subject = (await customers())[1]!;
  // The subject's data files, as Athena reports them ("$path"): they must be gone from S3 at the end.
  const { rows } = await t.app.backends.lake.engine.query({ label: 'test.files', sql: sql`SELECT DISTINCT "$path" AS path FROM "lake"."events" WHERE customer_id = ${p.str(subject)}` });
  const held = rows.map((r) => String(r.path));
  expect(held.length).toBeGreaterThan(0);
  for (const uri of held) expect(existsSync(localFile(uri))).toBe(true);
  endpoints.athena.denyS3DeleteObject(true);
  const s3Before = endpoints.s3.calls.length;
  const id = await requestDeletion(subject, 'physical-athena');
  try {
    const failed = await waitFor(id, (r) => target(r, 'lake')?.status === 'FAILED');
    expect(failed.status).not.toBe('COMPLETED');
    expect(failed.verifiedAt).toBeNull();
    const error: string = target(failed, 'lake').error;
    expect(error).toMatch(/^VACUUM succeeded but \d+ of the \d+ data and delete files that held the erased subjects are still on S3/);
    expect(error).toContain("Grant lakegate's role s3:DeleteObject on arn:aws:s3:::lakegate-local-lake/events/*");
    expect(error).not.toContain(subject);
    for (const uri of held) expect(existsSync(localFile(uri))).toBe(true);
    // S3 was asked (HeadObject / ListObjectsV2) after the VACUUMs.
    expect(endpoints.s3.calls.slice(s3Before).some((c) => c.method === 'HEAD' || c.query['list-type'] === '2')).toBe(true);
  } finally {
    endpoints.athena.denyS3DeleteObject(false);
  }
  const done = await waitFor(id, (r) => r.status === 'COMPLETED');
  expect(target(done, 'lake')).toMatchObject({ status: 'COMPLETED', error: null });
  expect(done.verifiedAt).not.toBeNull();
  for (const uri of held) expect(existsSync(localFile(uri))).toBe(false);
  expect(await customers()).not.toContain(subject);
});
