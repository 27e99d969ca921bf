// Child processes of the benchmarks: lakegate servers (`node dist/src/cli.js serve`),
// the minimal Apollo server, redis-server. Each is killed when the bench exits,
// however it exits.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, freePort, onCleanup, ROOT, sleep } from './common.mjs';
import { cpuMs } from './load.mjs';

const live = new Set();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts `lakegate serve` over `dataDir` on a free port and waits for /readyz.
 * `env` adds settings (cache backend, Redis URL, ...). The log goes to a temp file
 * (shown when the start fails), so logging costs what it costs in production.
 */
export async function startLakegate({ dataDir, env = {}, name = 'lakegate', readyTimeoutMs = 120_000, nodeArgs = [], cli = CLI }) {
  const port = await freePort();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-log-'));
  const logFile = path.join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = track(
    spawn(process.execPath, [...nodeArgs, cli, 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(port),
        LAKEGATE_DATA_DIR: dataDir,
        LAKEGATE_DUCKDB_THREADS: String(os.availableParallelism()),
        // Benchmarks share seeded datasets: no demo producer writing into them, no load passes between figures.
        LAKEGATE_LOADS_DEMO_PRODUCER_MS: '0',
        LAKEGATE_LOADS_SCHEDULER: 'false',
        ...env,
      },
      stdio: ['ignore', fd, fd],
    }),
  );
  closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  const server = {
    name,
    pid: child.pid,
    url: `${base}/graphql`,
    base,
    logFile,
    async stop() {
      await stopChild(child);
      rmSync(logDir, { recursive: true, force: true });
    },
  };
  const removeCleanup = onCleanup(() => server.stop());
  const stop = server.stop;
  server.stop = async () => {
    removeCleanup();
    await stop();
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = tail(logFile);
      await server.stop();
      throw new Error(`${name} exited before it was ready:\n${log}`);
    }
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = tail(logFile);
      await server.stop();
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms:\n${log}`);
    }
    await sleep(100);
  }
  // The lake's Parquet footers are read in the background after boot: measure after that.
  await waitIdle(child.pid);
  return server;
}

/** Waits until the process uses under 10% of a core over half a second (at most `timeoutMs`). */
export async function waitIdle(pid, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = cpuMs(pid);
    await sleep(500);
    if (cpuMs(pid) - before < 50) return;
  }
}

/**
 * The minimal Apollo Server 5 on Fastify (bench/lib/minimal-apollo-server.mjs):
 * `typeDefs` and a constant `data` answered by plain resolvers.
 */
export async function startMinimalApollo({ typeDefs, rootField, data, cacheControl = true, name = 'minimal-apollo', nodeArgs = [] }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-minimal-'));
  const specFile = path.join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify({ typeDefs, rootField, data, cacheControl }));
  const child = track(
    spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bench/lib/minimal-apollo-server.mjs'), specFile], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining: nothing else is written
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready: ${out}`)));
  });
  const server = {
    name,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const removeCleanup = onCleanup(() => server.stop());
  const stop = server.stop;
  server.stop = async () => {
    removeCleanup();
    await stop();
  };
  return server;
}

/**
 * A real redis-server on a free port, without persistence (as test/helpers/redis-server.ts
 * starts it). Returns { url, port, stop() }.
 */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-redis-'));
  const child = track(
    spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk.toString()));
  const url = `redis://127.0.0.1:${port}`;
  const { default: Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => (n > 50 ? null : 50) });
  client.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${errors}`);
    try {
      if (client.status !== 'ready') await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within 10 s: ${errors}`);
    await sleep(50);
  }
  const redis = {
    url,
    port,
    pid: child.pid,
    client,
    async flush() {
      await client.flushdb();
    },
    async stop() {
      client.disconnect();
      await stopChild(child, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const removeCleanup = onCleanup(() => redis.stop());
  const stop = redis.stop;
  redis.stop = async () => {
    removeCleanup();
    await stop();
  };
  return redis;
}
