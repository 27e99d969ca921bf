import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { rawDuckDb } from '../helpers/raw-duckdb';
import { cleanupTestData, dataDirCopy, startTestApp, testEnv, TEST_KEYS } from '../helpers/test-app';

/**
 * Crash safety of the erasure: `lakegate worker` (the compiled CLI, as operators
 * run it) is killed with SIGKILL in the middle of a lake rewrite. The kill lands
 * there every time thanks to the test hook LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS
 * (the rewrite pauses after writing a file's new copy, before swapping it in, and
 * logs it; LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE=2 makes that the third file): the
 * worker is killed while paused there, with two files already swapped. Readers then see complete files only and every other row; the
 * killed worker's leftover is not a lake file. A second worker takes the request
 * over once the lease expires, removes the leftover, and completes and verifies
 * the erasure.
 */
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  cleanupTestData();
});

interface Worker {
  child: ChildProcess;
  lines: () => Array<Record<string, any>>;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(dataDir: string, args: string[], extra: Record<string, string>): Worker {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...testEnv(dataDir, { LAKEGATE_LOG_LEVEL: 'info', LAKEGATE_GDPR_LEASE_MS: '1500', LAKEGATE_GDPR_POLL_INTERVAL_MS: '100', ...extra }) };
  const child = spawn(process.execPath, [CLI, 'worker', ...args], { env: env as NodeJS.ProcessEnv, cwd: ROOT });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const lines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  return { child, lines, output: () => output, exited };
}

async function waitFor(condition: () => boolean, what: string, worker: Worker, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited (${worker.child.exitCode}) before ${what}:\n${worker.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function leftovers(dataDir: string): string[] {
  const events = path.join(dataDir, 'events');
  return readdirSync(events).flatMap((day) => readdirSync(path.join(events, day)).filter((n) => !n.endsWith('.parquet')).map((n) => `${day}/${n}`));
}

async function lakeState(dataDir: string): Promise<{ counts: Map<string, number>; files: number; unreadable: number }> {
  const raw = await rawDuckDb(dataDir);
  try {
    const rows = await raw.all<{ customer_id: string; n: number }>('SELECT customer_id, CAST(COUNT(*) AS INTEGER) AS n FROM events GROUP BY 1');
    // Every visible file is a complete Parquet file (its footer reads, its row count matches its data).
    const meta = await raw.all<{ files: number; rows: number }>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS files, CAST(SUM(num_rows) AS INTEGER) AS rows FROM parquet_file_metadata('${dataDir}/events/day=*/*.parquet')`,
    );
    const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
    return { counts: new Map(rows.map((r) => [r.customer_id, Number(r.n)])), files: Number(meta[0]!.files), unreadable: Number(meta[0]!.rows) - total };
  } finally {
    raw.close();
  }
}

test('a worker killed mid-rewrite leaves only complete files and loses no row; the next worker resumes and completes', async () => {
  const dataDir = await dataDirCopy();
  const before = await lakeState(dataDir);
  const subject = [...before.counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];

  // The request, recorded by the server (its executor off), which then stops: embedded mode is one process at a time.
  const app = await startTestApp({ dataDir, env: { LAKEGATE_GDPR_EXECUTOR: 'false' } });
  const requested = await app.gql(`mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id status } }`, { input: { customerId: subject, idempotencyKey: 'sigkill' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id: string = requested.body.data.requestDeletion.id;
  await app.close();

  // Worker 1: one file at a time; the third file's new copy is written, then the rewrite pauses before the swap: kill.
  const first = startWorker(dataDir, [], { LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS: '120000', LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE: '2', LAKEGATE_GDPR_REWRITE_CONCURRENCY: '1' });
  await waitFor(() => first.lines().some((l) => l.msg === 'gdpr: paused before swap'), 'the pause at the third file', first);
  const paused = first.lines().filter((l) => l.msg === 'gdpr: paused before swap');
  expect(paused.map((l) => l.index)).toEqual([2]);
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // What readers see now: complete files only, the two swapped files without the subject, every other row.
  const killed = await lakeState(dataDir);
  expect(killed.files).toBe(before.files);
  expect(killed.unreadable).toBe(0);
  expect(killed.counts.get(subject)).toBeLessThan(before.counts.get(subject)!);
  expect(killed.counts.get(subject)).toBeGreaterThan(0);
  for (const [customerId, n] of before.counts) if (customerId !== subject) expect([customerId, killed.counts.get(customerId)]).toEqual([customerId, n]);
  // The third file's new copy was left under a temporary name, which no reader lists.
  const leftover = leftovers(dataDir);
  expect(leftover).toHaveLength(1);
  expect(leftover[0]).toMatch(new RegExp(`^${paused[0]!.day}/${paused[0]!.file.replace('.', '\\.')}\\.gdpr-[0-9a-f-]+\\.tmp$`));

  // Worker 2 takes the request over after the lease expires and finishes it.
  const second = startWorker(dataDir, ['--exit-when-idle'], {});
  const exit = await second.exited;
  expect({ exit, output: exit.code === 0 ? '' : second.output() }).toEqual({ exit: { code: 0, signal: null }, output: '' });
  expect(second.lines().some((l) => l.msg === 'gdpr: erasure pass done' && l.completed === 1)).toBe(true);

  const after = await lakeState(dataDir);
  expect(leftovers(dataDir)).toEqual([]);
  expect(after.counts.has(subject)).toBe(false);
  expect(after.unreadable).toBe(0);
  for (const [customerId, n] of before.counts) if (customerId !== subject) expect([customerId, after.counts.get(customerId)]).toEqual([customerId, n]);

  // The ledger: completed and verified on the second attempt, every event of the subject counted once.
  const check = await startTestApp({ dataDir, env: { LAKEGATE_GDPR_EXECUTOR: 'false' } });
  try {
    const { body } = await check.gql(
      `query($id: ID!) { deletionRequest(id: $id) { status attempts verifiedAt lastError targets { store status recordsDeleted filesRewritten } } }`,
      { id },
      { key: TEST_KEYS.gdpr },
    );
    expect(body.errors).toBeUndefined();
    const request = body.data.deletionRequest;
    expect(request).toMatchObject({ status: 'COMPLETED', attempts: 2, lastError: null });
    expect(request.verifiedAt).not.toBeNull();
    const lake = request.targets.find((t: any) => t.store === 'lake');
    expect(lake).toMatchObject({ status: 'COMPLETED', recordsDeleted: before.counts.get(subject) });
    // The files swapped before the kill were not rewritten again.
    expect(lake.filesRewritten).toBe(paused[0]!.files - 2);
  } finally {
    await check.close();
  }
});
