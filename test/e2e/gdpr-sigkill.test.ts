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
 * over (at once: the embedded mode holds the data directory exclusively, see
 * gdpr-lease-takeover.test.ts), removes the leftover, and completes and verifies
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

/** Rows of the subject per file that held it at the start (`before`), and now. */
const subjectFileRows = new Map<string, Map<string, number>>();
async function subjectFiles(dataDir: string, subject: string): Promise<{ before: Map<string, number>; now: Map<string, number> }> {
  const raw = await rawDuckDb(dataDir);
  try {
    const rows = await raw.all<{ file: string; n: number }>(
      `SELECT filename AS file, CAST(COUNT(*) FILTER (WHERE customer_id = '${subject}') AS INTEGER) AS n FROM read_parquet('${dataDir}/events/day=*/*.parquet', filename = true) GROUP BY 1`,
    );
    const now = new Map(rows.map((r) => [r.file, Number(r.n)]));
    if (!subjectFileRows.has(subject)) subjectFileRows.set(subject, new Map([...now].filter(([, n]) => n > 0)));
    const before = subjectFileRows.get(subject)!;
    return { before, now: new Map([...now].filter(([file]) => before.has(file))) };
  } finally {
    raw.close();
  }
}

test('a worker killed mid-rewrite leaves only complete files and loses no row; the next worker resumes and completes', async () => {
  const dataDir = await dataDirCopy();
  const before = await lakeState(dataDir);
  const subject = [...before.counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  await subjectFiles(dataDir, subject); // remember where the subject's rows are

  // The request, recorded by the server (its executor off), which then stops: embedded mode is one process at a time.
  const app = await startTestApp({ dataDir, env: { LAKEGATE_GDPR_EXECUTOR: 'false' } });
  const requested = await app.gql(`mutation($input: DeletionRequestInput!) { requestDeletion(input: $input) { id status } }`, { input: { customerId: subject, idempotencyKey: 'sigkill' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id: string = requested.body.data.requestDeletion.id;
  await app.close();

  // Worker 1: one file at a time; the third file's new copy is written, then the rewrite pauses before the swap: kill.
  const first = startWorker(dataDir, [], { LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS: '120000', LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE: '2', LAKEGATE_GDPR_REWRITE_CONCURRENCY: '1' });
  await waitFor(() => first.lines().some((l) => l.msg === 'gdpr: paused before swap' && l.index === 2), 'the pause at the third file', first);
  const paused = first.lines().filter((l) => l.msg === 'gdpr: paused before swap' && l.index === 2);
  // The first two files are swapped in the background meanwhile (no pause before index 2): wait for them.
  const deadline = Date.now() + 30_000;
  while ([...(await subjectFiles(dataDir, subject)).now.values()].filter((n) => n === 0).length < 2) {
    if (Date.now() > deadline) throw new Error(`the first two files were not swapped:\n${first.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // What readers see now: complete files only, each of the subject's files either untouched or without the
  // subject (at least the two before the pause were swapped; the paused one was not), and every other row.
  const killed = await lakeState(dataDir);
  expect(killed.files).toBe(before.files);
  expect(killed.unreadable).toBe(0);
  const files = await subjectFiles(dataDir, subject);
  for (const [file, n] of files.now) expect([file, n === 0 || n === files.before.get(file)]).toEqual([file, true]);
  const swapped = [...files.now.entries()].filter(([, n]) => n === 0).map(([file]) => file);
  expect(swapped.length).toBeGreaterThanOrEqual(2);
  expect(swapped.length).toBeLessThan(files.before.size);
  expect(killed.counts.get(subject)).toBe(before.counts.get(subject)! - swapped.reduce((sum, f) => sum + files.before.get(f)!, 0));
  for (const [customerId, n] of before.counts) if (customerId !== subject) expect([customerId, killed.counts.get(customerId)]).toEqual([customerId, n]);
  // New copies not yet swapped in were left under temporary names, which no reader lists; the paused one among them.
  const leftover = leftovers(dataDir);
  expect(leftover.length).toBeGreaterThanOrEqual(1);
  for (const name of leftover) expect(name).toMatch(/^day=\d{4}-\d{2}-\d{2}\/bucket-\d+\.parquet\.gdpr-[0-9a-f-]+\.tmp$/);
  expect(leftover.some((name) => name.startsWith(`${paused[0]!.day}/${paused[0]!.file}.gdpr-`))).toBe(true);

  // Worker 2 takes the request over (the dead worker's lease at once) and finishes it.
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
    expect(lake.filesRewritten).toBe(files.before.size - swapped.length);
  } finally {
    await check.close();
  }
});
