import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createDynamoClients, startEmbeddedDynamo } from '../../src/adapters/dynamodb';
import { DynamoDeletionLedger } from '../../src/adapters/dynamodb/deletion-ledger';
import { loadConfig } from '../../src/config/config';
import type { DeletionRequestRecord } from '../../src/ports/deletion-ledger';
import { rawDuckDb } from '../helpers/raw-duckdb';
import { cleanupTestData, dataDirCopy, startTestApp, testEnv, TEST_KEYS } from '../helpers/test-app';

/**
 * Red-team issue 16 (low): the embedded mode holds the data directory's lock, so
 * after a crash no other process can own a lease of its deletion ledger. A fresh
 * server there takes the dead process's leases over at once instead of waiting
 * for them to expire. `lakegate worker` (the compiled CLI) is killed with SIGKILL
 * in the middle of a lake rewrite holding a 10-minute lease; the server started
 * next completes the request while that lease is still live.
 */
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const LEASE_MS = 600_000;
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  cleanupTestData();
});

/** The request as the ledger holds it, read with the data directory's own dynalite (no executor). */
async function ledgerRecord(dataDir: string, id: string): Promise<DeletionRequestRecord | null> {
  const dynamo = await startEmbeddedDynamo({ dataDir });
  const clients = createDynamoClients({ endpoint: dynamo.endpoint });
  try {
    return await new DynamoDeletionLedger(clients, { table: loadConfig({}).aws.dynamodb.deletionLedgerTable }).get(id);
  } finally {
    clients.destroy();
    await dynamo.close();
  }
}

test('after a SIGKILL, the next process on the data directory takes the lease over at once and completes the erasure', async () => {
  const dataDir = await dataDirCopy();
  const raw = await rawDuckDb(dataDir);
  const [{ customer_id: subject }] = await raw.all<{ customer_id: string }>('SELECT customer_id FROM events GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1');
  raw.close();

  const intake = await startTestApp({ dataDir, env: { LAKEGATE_GDPR_EXECUTOR: 'false' } });
  const requested = await intake.gql(`mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id } }`, { input: { customerId: subject } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id: string = requested.body.data.requestDeletion.id;
  await intake.close();

  // The worker claims the request with a 10-minute lease and pauses in the lake rewrite: killed there.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...testEnv(dataDir, {
      LAKEGATE_LOG_LEVEL: 'info',
      LAKEGATE_GDPR_LEASE_MS: String(LEASE_MS),
      LAKEGATE_GDPR_POLL_INTERVAL_MS: '100',
      LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS: '120000',
      LAKEGATE_GDPR_REWRITE_CONCURRENCY: '1',
    }),
  };
  const worker = spawn(process.execPath, [CLI, 'worker'], { env: env as NodeJS.ProcessEnv, cwd: ROOT });
  children.push(worker);
  let output = '';
  worker.stdout!.on('data', (d) => (output += d));
  worker.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => worker.once('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 90_000;
  while (!output.includes('gdpr: paused before swap')) {
    if (worker.exitCode !== null) throw new Error(`worker exited (${worker.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`the worker never paused:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  worker.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  // The dead worker's lease is live for about ten more minutes.
  const left = (await ledgerRecord(dataDir, id))!;
  expect(left).toMatchObject({ status: 'RUNNING', attempts: 1 });
  expect(left.lease).not.toBeNull();
  const deadLeaseExpires = Date.parse(left.lease!.expiresAt);
  expect(deadLeaseExpires - Date.now()).toBeGreaterThan(LEASE_MS - 120_000);

  // A fresh server with its executor: it takes the lease over and completes the request while that lease is still live.
  const server = await startTestApp({ dataDir, env: { LAKEGATE_GDPR_POLL_INTERVAL_MS: '100' } });
  let done: any;
  try {
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      const { body } = await server.gql(`query($id: ID!) { deletionRequest(id: $id) { status attempts completedAt verifiedAt lastError } }`, { id }, { key: TEST_KEYS.gdpr });
      expect(body.errors).toBeUndefined();
      done = body.data.deletionRequest;
      if (done.status === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await server.close();
  }
  expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2, lastError: null });
  expect(done.verifiedAt).not.toBeNull();
  expect(Date.parse(done.completedAt)).toBeLessThan(deadLeaseExpires);
  const after = (await ledgerRecord(dataDir, id))!;
  expect(after).toMatchObject({ status: 'COMPLETED', lease: null, subjectId: null });
});
