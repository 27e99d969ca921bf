import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addDays } from '../../src/util/days';
import { rawDuckDb } from '../helpers/raw-duckdb';
import { cleanupTestData, dataDirCopy, testEnv, TEST_SEED } from '../helpers/test-app';

/**
 * Crash safety of the load workflow: `lakegate load` (the compiled CLI) is killed
 * with SIGKILL at each step of a load, made deterministic by the test hook
 * LAKEGATE_LOADS_TEST_PAUSE_AT (the load waits there and logs it). Whatever the
 * step, readers then see each day whole, old or new (complete Parquet files, no
 * duplicate event id, no half day); a second run converges to exactly the rows
 * the files hold once: no duplicate, nothing lost, lake and warehouse agreeing.
 */
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const children: ChildProcess[] = [];
const OLD_DAY = addDays(TEST_SEED.endDay, -2);
const NEW_DAY = addDays(TEST_SEED.endDay, 1);
const DAYS = [OLD_DAY, NEW_DAY];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  cleanupTestData();
});

function run(dataDir: string, extra: Record<string, string>) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...testEnv(dataDir, { LAKEGATE_LOG_LEVEL: 'info', LAKEGATE_LOADS_MIN_FILE_AGE_MS: '0', ...extra }) };
  const child = spawn(process.execPath, [CLI, 'load', ...DAYS.flatMap((d) => ['--day', d])], { env: env as NodeJS.ProcessEnv, cwd: ROOT });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Per day: rows and distinct event ids in the lake, warehouse events; and whether every file reads whole. */
async function state(dataDir: string) {
  const raw = await rawDuckDb(dataDir);
  try {
    const lake = await raw.all<{ day: string; n: number; ids: number }>(
      `SELECT CAST(day AS VARCHAR) AS day, CAST(COUNT(*) AS INTEGER) AS n, CAST(COUNT(DISTINCT event_id) AS INTEGER) AS ids FROM events WHERE day IN (${DAYS.map((d) => `DATE '${d}'`).join(', ')}) GROUP BY 1`,
    );
    await raw.all(`ATTACH '${path.join(dataDir, 'warehouse.duckdb')}' AS wh (READ_ONLY)`);
    const warehouse = await raw.all<{ day: string; n: number }>(
      `SELECT CAST(day AS VARCHAR) AS day, CAST(SUM(total_events) AS INTEGER) AS n FROM wh.warehouse.daily_event_counts WHERE day IN (${DAYS.map((d) => `DATE '${d}'`).join(', ')}) GROUP BY 1`,
    );
    return {
      lake: new Map(lake.map((r) => [r.day, { rows: Number(r.n), ids: Number(r.ids) }])),
      warehouse: new Map(warehouse.map((r) => [r.day, Number(r.n)])),
    };
  } finally {
    raw.close();
  }
}

function leftovers(dataDir: string): string[] {
  const events = path.join(dataDir, 'events');
  return readdirSync(events).flatMap((entry) => (entry.startsWith('day=') ? readdirSync(path.join(events, entry)).filter((n) => !n.endsWith('.parquet')).map((n) => `${entry}/${n}`) : [entry]));
}

function drop(dataDir: string, day: string, name: string, ids: string[]): void {
  const dir = path.join(dataDir, 'landing', 'events', `day=${day}`);
  mkdirSync(dir, { recursive: true });
  const lines = ids.map((id, i) =>
    JSON.stringify({
      event_id: id,
      occurred_at: `${day}T0${i % 10}:00:00Z`,
      customer_id: `cus_${String(1 + (i % 50)).padStart(6, '0')}`,
      customer_type: 'SMB',
      event_type: i % 2 ? 'login' : 'purchase',
      source: 'web',
      region: 'eu-west-1',
      severity: 'INFO',
      attributes: {},
    }),
  );
  writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test.each(['lake-swap', 'warehouse', 'complete', 'landing'])('killed at %s, a load leaves each day whole and the next run converges', async (point) => {
  const dataDir = await dataDirCopy();
  const before = await state(dataDir);
  const oldRows = before.lake.get(OLD_DAY)!.rows;
  expect(before.lake.has(NEW_DAY)).toBe(false);
  // 120 new events for each day, 20 of them in two files (at-least-once producers).
  for (const day of DAYS) {
    drop(dataDir, day, 'a.jsonl', ids(`${day}-a`, 100));
    drop(dataDir, day, 'b.jsonl', [...ids(`${day}-a`, 100).slice(80), ...ids(`${day}-b`, 20)]);
  }
  const expected = new Map([
    [OLD_DAY, oldRows + 120],
    [NEW_DAY, 120],
  ]);

  const first = run(dataDir, { LAKEGATE_LOADS_TEST_PAUSE_AT: point, LAKEGATE_LOADS_TEST_PAUSE_MS: '120000' });
  const deadline = Date.now() + 90_000;
  while (!first.output().includes(`loads: paused at ${point}`)) {
    if (first.child.exitCode !== null) throw new Error(`load exited (${first.child.exitCode}) before pausing:\n${first.output()}`);
    if (Date.now() > deadline) throw new Error(`no pause at ${point}:\n${first.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // Killed: the first day (OLD_DAY) is old before the swap, new after; never half; the second day untouched.
  const killed = await state(dataDir);
  const oldNow = killed.lake.get(OLD_DAY)!;
  expect(oldNow.ids).toBe(oldNow.rows);
  expect(oldNow.rows).toBe(point === 'lake-swap' ? oldRows : oldRows + 120);
  expect(killed.lake.has(NEW_DAY)).toBe(false);
  expect(killed.warehouse.get(OLD_DAY)).toBe(['complete', 'landing'].includes(point) ? oldRows + 120 : oldRows);

  // Second run: takes the dead process's lease over, finishes both days.
  const second = run(dataDir, {});
  const exit = await second.exited;
  expect({ exit, output: exit.code === 0 ? '' : second.output() }).toEqual({ exit: { code: 0, signal: null }, output: '' });
  const after = await state(dataDir);
  for (const day of DAYS) {
    expect([day, after.lake.get(day)]).toEqual([day, { rows: expected.get(day), ids: expected.get(day) }]);
    expect([day, after.warehouse.get(day)]).toEqual([day, expected.get(day)]);
  }
  expect(leftovers(dataDir)).toEqual([]);
  for (const day of DAYS) expect(existsSync(path.join(dataDir, 'landing', 'events', `day=${day}`))).toBe(false);
});
