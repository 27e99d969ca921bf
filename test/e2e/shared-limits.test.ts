import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startAwsEndpoints, type AwsEndpoints } from '../helpers/aws-endpoints';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { cleanupTestData, seededTemplate, testEnv, TEST_KEYS, TEST_SEED } from '../helpers/test-app';
import { OPERATIONS } from '../integration/contract-operations';
import { addDays } from '../../src/util/days';

/**
 * LAKEGATE_SHARED_LIMITS across processes: two `lakegate serve` (the compiled CLI)
 * in AWS mode against the local emulators, sharing one real redis-server, with
 * LAKEGATE_SHARED_MAX_CONCURRENT_ATHENA=2 (each process alone would allow 20).
 *
 * 1. Concurrent distinct lake queries to both processes: Athena (the emulator,
 *    whose queries take 400 ms) never has more than 2 of them QUEUED or RUNNING at
 *    once, measured exactly from its executions' submit and completion times, and
 *    the Redis semaphore `lakegate:permits:{athena}` (sampled) never holds more than 2.
 * 2. A process SIGKILLed while holding both permits (its queries made to last a
 *    minute) cannot give them back: they return when their lease runs out
 *    (LAKEGATE_SHARED_LIMIT_LEASE_MS=1500, renewed every 500 ms while held), and the
 *    other process, whose queries were waiting for them, then holds both within
 *    about one lease of the kill and answers. (The killed process's queries go on
 *    in Athena, as they would in AWS: the semaphore bounds what lakegate starts.)
 *
 * The compiled CLI is dist/, built by jest's globalSetup.
 */
jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const LIMIT = 2;
const LEASE_MS = 1500;
const PERMITS = 'lakegate:permits:{athena}';
const FIRST = addDays(TEST_SEED.endDay, -(TEST_SEED.days - 1));
const INTERVALS = ['DAY', 'WEEK', 'MONTH'];
const GROUPINGS = [['EVENT_TYPE'], ['CUSTOMER_TYPE'], []];

interface Served {
  name: string;
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<void>;
}

let endpoints: AwsEndpoints;
let redis: RedisServer;
let client: Redis;
const servers: Served[] = [];
const dirs: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address() as net.AddressInfo;
      probe.close(() => resolve(address.port));
    });
  });
}

async function serve(name: string): Promise<Served> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `lakegate-shared-${name}-`));
  dirs.push(dataDir);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...testEnv(dataDir, {
      ...endpoints.env,
      PORT: String(port),
      LAKEGATE_LOG_LEVEL: 'info',
      REDIS_URL: redis.url,
      // No response or data cache: every query reaches Athena (and the shared limits need only REDIS_URL).
      LAKEGATE_CACHE_BACKEND: 'off',
      LAKEGATE_SHARED_LIMITS: 'true',
      LAKEGATE_SHARED_MAX_CONCURRENT_ATHENA: String(LIMIT),
      LAKEGATE_SHARED_LIMIT_LEASE_MS: String(LEASE_MS),
      LAKEGATE_QUEUE_TIMEOUT_MS: '30000',
      // Nothing else of the processes queries Athena meanwhile.
      LAKEGATE_LOADS_SCHEDULER: 'false',
      LAKEGATE_GDPR_EXECUTOR: 'false',
    }),
  };
  const child = spawn(process.execPath, [CLI, 'serve'], { env: env as NodeJS.ProcessEnv, cwd: ROOT });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const served: Served = { name, child, url: `http://127.0.0.1:${port}/graphql`, output: () => output, exited };
  servers.push(served);
  const deadline = Date.now() + 60_000;
  while (!output.includes('lakegate is ready')) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`${name} was not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return served;
}

/** A distinct, valid lake query per i (i < 405; at most 16 days), or `input`. */
function lakeQuery(server: Served, i: number, input?: Record<string, unknown>) {
  const from = addDays(FIRST, i % 15);
  const to = addDays(from, 1 + (Math.floor(i / 15) % 15));
  input ??= { from, to, interval: INTERVALS[Math.floor(i / 135) % 3], groupBy: GROUPINGS[Math.floor(i / 45) % 3], source: 'LAKE' };
  return fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.reader}` },
    body: JSON.stringify({ query: OPERATIONS.eventStats, variables: { input } }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
}

/** The most Athena executions QUEUED or RUNNING at once among those submitted since `since` (exact, from their times). */
function peakAthena(since: number): number {
  const edges: Array<[number, number]> = [];
  for (const e of endpoints.athena.executions.values()) {
    if (e.submittedAt < since) continue;
    edges.push([e.submittedAt, 1], [e.completedAt ?? Infinity, -1]);
  }
  // At equal times a completion comes first (the permit is given back after it).
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of edges) peak = Math.max(peak, (now += delta));
  return peak;
}

const samplers = new Set<() => Promise<unknown>>();

/** Samples the permits in Redis (members are `<pid>:<random>`) every 10 ms until stopped. */
function samplePermits() {
  const samples: Array<{ at: number; members: string[] }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push({ at: Date.now(), members: await client.zrange(PERMITS, 0, -1) });
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const stop = async () => {
    running = false;
    samplers.delete(stop);
    await loop;
    return samples;
  };
  samplers.add(stop);
  return {
    samples,
    held: (server: Served, s: { members: string[] }) => s.members.filter((m) => m.startsWith(`${server.child.pid}:`)).length,
    stop,
  };
}

beforeAll(async () => {
  const template = await seededTemplate();
  [endpoints, redis] = await Promise.all([startAwsEndpoints({ dataDir: template, athena: { latencyMs: 400 } }), startRedisServer()]);
  client = new Redis(redis.url);
  await Promise.all([serve('a'), serve('b')]);
  // The lake's partition statistics (one Athena query per process) are cached from here on: each lake query below is one Athena query.
  for (const server of servers) {
    const warm = await lakeQuery(server, -1, { from: FIRST, to: TEST_SEED.endDay, interval: 'MONTH', groupBy: [], source: 'LAKE' });
    expect(warm.body.errors).toBeUndefined();
  }
});

afterAll(async () => {
  for (const stop of [...samplers]) await stop().catch(() => undefined);
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  const grace = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
  await Promise.all(servers.map((s) => Promise.race([s.exited, grace])));
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  client?.disconnect();
  await endpoints?.close();
  await redis?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  cleanupTestData();
});

test('concurrent distinct lake queries to two processes never run more than the shared 2 on Athena', async () => {
  const [a, b] = servers as [Served, Served];
  const since = Date.now();
  const sampler = samplePermits();
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => lakeQuery(i % 2 === 0 ? a : b, i)));
  const samples = await sampler.stop();
  for (const answer of answers) {
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.eventStats.length).toBeGreaterThan(0);
    expect(answer.body.extensions.cost.queries.filter((q: any) => q.label === 'eventStats.lake')).toHaveLength(1);
  }
  const executions = [...endpoints.athena.executions.values()].filter((e) => e.submittedAt >= since);
  expect(executions).toHaveLength(12);
  // Never more than 2 at once on Athena, and 2 at once indeed (12 requests arrived together).
  expect(peakAthena(since)).toBe(LIMIT);
  expect(Math.max(...samples.map((s) => s.members.length))).toBe(LIMIT);
  // Both processes held permits.
  for (const server of [a, b]) expect(Math.max(...samples.map((s) => sampler.held(server, s)))).toBeGreaterThan(0);
  expect(await client.zcard(PERMITS)).toBe(0);
});

test('a process SIGKILLed holding both permits does not leak them past the lease: the other gets both within about one lease', async () => {
  const [a, b] = servers as [Served, Served];
  // a's next queries run a minute on Athena: it takes both permits and keeps renewing them.
  endpoints.athena.setLatency(60_000);
  const doomed = [0, 1, 2].map((i) => lakeQuery(a, 100 + i).catch((error: unknown) => error));
  const sampler = samplePermits();
  const deadline = Date.now() + 20_000;
  while (!sampler.samples.some((s) => sampler.held(a, s) === LIMIT)) {
    if (Date.now() > deadline) throw new Error(`a did not take both permits:\n${a.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  endpoints.athena.setLatency(400);
  // b's queries wait for a permit (its own limit is 20: the shared one holds them).
  const waiting = [0, 1, 2, 3].map((i) => lakeQuery(b, 200 + i));
  await new Promise((r) => setTimeout(r, 300));
  expect(sampler.samples.every((s) => sampler.held(b, s) === 0)).toBe(true);

  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  await a.exited;
  const answers = await Promise.all(waiting);
  const samples = await sampler.stop();
  await Promise.all(doomed);

  for (const answer of answers) expect(answer.body.errors).toBeUndefined();
  const bothAt = samples.find((s) => s.at >= killedAt && sampler.held(b, s) === LIMIT)?.at;
  expect(bothAt).toBeDefined();
  const afterKill = bothAt! - killedAt;
  // a's permits last until their lease runs out (at least lease - renewal interval after the kill), no longer.
  expect(afterKill).toBeGreaterThanOrEqual(LEASE_MS / 2);
  expect(afterKill).toBeLessThan(2 * LEASE_MS);
  // Until then, a's permits were still counted: never more than 2 in the set, b none before a's expired.
  expect(Math.max(...samples.map((s) => s.members.length))).toBeLessThanOrEqual(LIMIT);
  const firstOfB = samples.find((s) => sampler.held(b, s) > 0)!;
  expect(sampler.held(a, firstOfB)).toBeLessThan(LIMIT);
  expect(firstOfB.at - killedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
  expect(await client.zcard(PERMITS)).toBe(0);
});
