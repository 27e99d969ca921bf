import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The CLI as a user runs it (the compiled dist/, built by jest's globalSetup):
 * first start seeds and serves, a second start reuses the data, SIGTERM drains
 * in-flight requests, migrate is idempotent, bad configuration fails at boot.
 */
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-cli-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LAKEGATE_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LAKEGATE_SEED_EVENTS: '30000',
    LAKEGATE_SEED_DAYS: '20',
    LAKEGATE_SEED_CUSTOMERS: '300',
    LAKEGATE_SEED_DECISIONS: '500',
    LAKEGATE_SEED_END_DAY: '2026-01-31',
    LAKEGATE_DUCKDB_THREADS: '2',
    ...extra,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function serve(): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], { env: env({ PORT: String(port) }), cwd: ROOT });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('lakegate is ready')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}/graphql`, output: () => output, exited };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A POST whose body is sent in two halves: in flight on the server until finish(). */
function slowPost(url: string, body: string) {
  const half = Math.floor(body.length / 2);
  let finish!: () => void;
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, half), () => setTimeout(started, 100));
    finish = () => req.end(body.slice(half));
  });
  return { started: startedPromise, finish: () => finish(), response };
}

const statsQuery = (groupBy: string) =>
  JSON.stringify({ query: `{ eventStats(input: { from: "2026-01-12", to: "2026-01-31", groupBy: [${groupBy}], source: LAKE }) { totalEvents } }` });

test('first start seeds (with progress) and serves; the data survives a restart', async () => {
  const first = await serve();
  expect(first.output()).toMatch(/seed: events .*done/);
  expect(first.output()).toMatch(/"msg":"demo data generated"/);
  expect(existsSync(path.join(dataDir, 'lakegate.json'))).toBe(true);

  const r = await fetch(first.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: statsQuery('') });
  const body = (await r.json()) as { data: { eventStats: Array<{ totalEvents: number }> } };
  expect(body.data.eventStats.reduce((s, x) => s + x.totalEvents, 0)).toBeGreaterThan(0);

  // SIGTERM with requests in flight: the server has their headers and half their
  // bodies when the signal arrives; they complete with 200, new ones are turned
  // away, then the process exits 0.
  const inflight = Array.from({ length: 4 }, (_, i) => slowPost(first.url, statsQuery(i % 2 ? 'CUSTOMER' : 'EVENT_TYPE')));
  await Promise.all(inflight.map((p) => p.started));
  first.child.kill('SIGTERM');
  await waitFor(() => first.output().includes('shutting down'));
  const refused = await fetch(first.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: statsQuery('') }).then(
    (res) => res.status,
    () => 'refused',
  );
  expect([503, 'refused']).toContain(refused);
  inflight.forEach((p) => p.finish());
  const responses = await Promise.all(inflight.map((p) => p.response));
  expect(responses.map((x) => x.status)).toEqual([200, 200, 200, 200]);
  expect(responses.every((x) => (JSON.parse(x.body) as { data?: unknown }).data)).toBe(true);
  expect(await first.exited).toBe(0);
  expect(first.output()).toMatch(/"msg":"lakegate stopped"/);

  const second = await serve();
  expect(second.output()).toMatch(/"msg":"using the existing demo data"/);
  expect(second.output()).not.toMatch(/seed: events/);
  const again = await fetch(second.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: statsQuery('') });
  expect(((await again.json()) as { data: unknown }).data).toEqual(body.data);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});

test('migrate applies nothing on a second run and reports status', () => {
  const first = spawnSync(process.execPath, [CLI, 'migrate'], { env: env(), cwd: ROOT, encoding: 'utf8' });
  expect(first.status).toBe(0);
  expect(first.stdout).toMatch(/duckdb: applied 0 migration/);
  expect(first.stdout).toMatch(/dynamodb: applied 0 migration/);
  const status = spawnSync(process.execPath, [CLI, 'migrate', '--status'], { env: env(), cwd: ROOT, encoding: 'utf8' });
  expect(status.status).toBe(0);
  expect(status.stdout).toMatch(/duckdb: \d+ applied, 0 pending/);
  expect(status.stdout).toMatch(/dynamodb: \d+ applied, 0 pending/);
});

test('bad configuration fails at boot with the setting named, exit code 2', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve'], { env: env({ PORT: 'eighty', LAKEGATE_MAX_LAKE_DAYS: '0' }), cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/PORT: /);
  expect(r.stderr).toMatch(/LAKEGATE_MAX_LAKE_DAYS: /);
  const keys = spawnSync(process.execPath, [CLI, 'serve'], { env: env({ LAKEGATE_API_KEYS: '[{"id":"a","key":"short","scopes":["nope"]}]' }), cwd: ROOT, encoding: 'utf8' });
  expect(keys.status).toBe(2);
  expect(keys.stderr).toMatch(/LAKEGATE_API_KEYS\[0\.key\]: key must be at least 16 characters/);
});

test('seed rejects bad arguments and regenerates at another scale', () => {
  const bad = spawnSync(process.execPath, [CLI, 'seed', '--events', '60000000'], { env: env(), cwd: ROOT, encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--events must be an integer from 0 to 50000000/);
  const ok = spawnSync(process.execPath, [CLI, 'seed', '--events', '5000', '--days', '5', '--decisions', '50'], { env: env(), cwd: ROOT, encoding: 'utf8' });
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/seeded 5,000 events over 5 days \(to 2026-01-31\)/);
});
