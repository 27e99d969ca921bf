import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { cleanupTestData, dataDirCopy, testEnv } from '../helpers/test-app';

/**
 * `lakegate serve | some-log-shipper`, and the shipper dies: SIGTERM must still
 * drain and exit 0 within the grace period (it used to loop on EPIPE writes and
 * ignore further signals). The compiled CLI (dist/, built by jest's globalSetup)
 * runs with stdout piped into a reader process; the shutdown times are printed.
 */
jest.setTimeout(180_000);

const CLI = path.resolve(__dirname, '../../dist/src/cli.js');
const GRACE_MS = 5_000;
const children: ChildProcess[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await dataDirCopy();
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  cleanupTestData();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

/** Requests that make the server log (one line each), so it writes to its broken stdout. */
async function traffic(port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query Ping${i % 3} { __typename }` }),
    });
    expect(response.status).toBe(200);
    await response.text();
  }
}

/** Starts serve with the given stdout; returns the process and its port once /healthz answers. */
async function serve(stdout: 'pipe' | number | NodeJS.WritableStream, env: Record<string, string> = {}): Promise<{ server: ChildProcess; port: number; stderr: () => string }> {
  const port = await freePort();
  const server = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...testEnv(dataDir, { PORT: String(port), LAKEGATE_LOG_LEVEL: 'info', LAKEGATE_SHUTDOWN_GRACE_MS: String(GRACE_MS), ...env }),
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', stdout as 'pipe', 'pipe'],
  });
  children.push(server);
  let stderr = '';
  server.stderr!.on('data', (d) => (stderr += d));
  await until('the server to answer /healthz', async () => server.exitCode !== null || (await ready(port)));
  if (server.exitCode !== null) throw new Error(`serve exited with ${server.exitCode}: ${stderr}`);
  return { server, port, stderr: () => stderr };
}

/** SIGTERM, then the exit and how long it took. */
async function stop(server: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  const exited = exitOf(server);
  server.kill('SIGTERM');
  const result = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), GRACE_MS + 15_000))]);
  if (!result) throw new Error('serve did not exit after SIGTERM');
  return { ...result, ms: Date.now() - started };
}

const timings: Record<string, number> = {};
afterAll(() => console.log(`shutdown after SIGTERM (grace ${GRACE_MS} ms): ${JSON.stringify(timings)}`));

test('stdout to a file, stopped at once (the lake warm-up still running): SIGTERM exits 0 and the log ends with "lakegate stopped"', async () => {
  const file = path.join(dataDir, 'serve.log');
  const fd = openSync(file, 'w');
  const { server } = await serve(fd, { LAKEGATE_LOG_LEVEL: 'debug' });
  closeSync(fd);
  const result = await stop(server);
  timings.file = result.ms;
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; time: string });
  // On failure, the shutdown's timeline says which step waited.
  const timeline = lines.slice(-12).map((line) => `${line.time} ${line.msg}`);
  expect({ ...result, timeline }).toMatchObject({ code: 0, signal: null });
  if (result.ms >= GRACE_MS) throw new Error(`SIGTERM took ${result.ms} ms (grace ${GRACE_MS} ms):\n${timeline.join('\n')}`);
  expect(lines.at(-1)!.msg).toBe('lakegate stopped');
  // A fast stop interrupts the background read of the lake's footers: not a failure, no stack trace.
  expect(lines.filter((line) => JSON.stringify(line).includes('"stack"'))).toEqual([]);
});

test('stdout to a pipe whose reader exited: SIGTERM still exits 0 within the grace period', async () => {
  // The reader reads the first chunk of logs, then exits: every later write is EPIPE.
  const reader = spawn(process.execPath, ['-e', `process.stdin.once('data', () => process.exit(0));`], { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(reader);
  const { server, port, stderr } = await serve(reader.stdin!);
  // Our end of the pipe: only the server writes to it now.
  reader.stdin!.destroy();
  await exitOf(reader);
  await traffic(port, 50); // each request logs a line into the dead pipe
  await new Promise((resolve) => setTimeout(resolve, 500)); // the 200 ms flush meets EPIPE
  expect(server.exitCode).toBeNull(); // still serving
  const result = await stop(server);
  timings.deadPipe = result.ms;
  expect(result).toMatchObject({ code: 0, signal: null });
  expect(result.ms).toBeLessThan(GRACE_MS);
  expect(stderr()).not.toMatch(/EPIPE/);
});

test('stdout to a pipe nobody reads (full): SIGTERM still exits 0 within the grace period', async () => {
  // The reader lives but never reads: the pipe fills (64 KiB) and writes would block.
  const reader = spawn(process.execPath, ['-e', `process.stdin.pause(); setInterval(() => {}, 1000);`], { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(reader);
  const { server, port } = await serve(reader.stdin!);
  reader.stdin!.destroy();
  await traffic(port, 600); // ~150 KB of log lines: more than the pipe holds
  const result = await stop(server);
  timings.fullPipe = result.ms;
  expect(result).toMatchObject({ code: 0, signal: null });
  expect(result.ms).toBeLessThan(GRACE_MS);
  reader.kill('SIGKILL');
});

test('stdout to a shell pipe (a blocking one, as `lakegate serve | shipper` makes) whose reader stalled: SIGTERM exits 0 within the grace period', async () => {
  // A FIFO opened by fs is blocking, like the pipe a shell makes (Node's own pipes are non-blocking):
  // a synchronous flush at exit then waits for room forever unless it gives up (it used to, on every run).
  const fifo = path.join(dataDir, 'stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('/bin/sh', ['-c', `exec sleep 600 < "${fifo}"`], { stdio: 'ignore' });
  children.push(reader);
  const fd = openSync(fifo, 'w'); // returns once the reader has opened its end
  const { server, port } = await serve(fd);
  closeSync(fd);
  await traffic(port, 600); // ~150 KB of log lines: more than the pipe holds
  const result = await stop(server);
  timings.shellPipe = result.ms;
  expect(result).toMatchObject({ code: 0, signal: null });
  expect(result.ms).toBeLessThan(GRACE_MS);
  reader.kill('SIGKILL');
});
