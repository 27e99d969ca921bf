import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tlsModule from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { readCacheConfig, type RedisConfig } from '../../src/config/cache';

/**
 * A real redis-server for tests, on a free port, without persistence
 * (--save '' --appendonly no). It can be killed with SIGKILL and started again on
 * the same port (fail-open and reconnect tests). Optional: TLS and cluster mode
 * (one node holding every slot, enough to exercise the Cluster client and its
 * same-slot rules). Debian's redis-server is built without TLS, so TLS is a
 * terminating proxy in the test process (a CA and a server certificate made with
 * openssl) in front of the plain server: the client side is the real thing.
 */
export interface RedisServerOptions {
  tls?: boolean;
  cluster?: boolean;
}

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:port, or rediss://localhost:port with TLS. */
  readonly url: string;
  /** PEM of the CA that signed the server certificate (TLS only). */
  readonly caFile: string | undefined;
  readonly running: boolean;
  /** Starts it again on the same port (after kill or stop) and waits for PING. */
  start(): Promise<void>;
  /** SIGKILL: the process dies at once, connections drop. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open but nothing answers (a hung Redis). */
  pause(): void;
  resume(): void;
  /** SIGTERM, then removes the temp dir. */
  stop(): Promise<void>;
}

const REDIS_SERVER = '/usr/bin/redis-server';

// A test worker that exits without stopping its servers must not leave them behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-redis-'));
  const port = await freePort();
  const tls = options.tls ? makeCertificates(dir) : undefined;
  // With TLS the proxy owns `port` and redis-server listens on a private one.
  const redisPort = tls ? await freePort() : port;
  const proxy = tls ? await startTlsProxy(port, redisPort, tls) : undefined;
  const args = [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
    // Announce the address: a lone node otherwise reports an empty host in CLUSTER SLOTS.
    ...(options.cluster ? ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', path.join(dir, 'nodes.conf')] : []),
  ];
  const url = tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`;
  const directUrl = `redis://127.0.0.1:${redisPort}`;

  let child: ChildProcess | undefined;
  let output = '';
  let slotsAssigned = false;

  const exited = (proc: ChildProcess): Promise<void> =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));

  const server: RedisServer = {
    port,
    url,
    caFile: tls?.ca,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.running) return;
      output = '';
      const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child = proc;
      live.add(proc);
      proc.once('exit', () => live.delete(proc));
      await waitForPing(directUrl, () => (server.running ? undefined : `redis-server exited: ${output.trim()}`));
      if (options.cluster) {
        if (!slotsAssigned) {
          await command(directUrl, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
          slotsAssigned = true; // kept in nodes.conf across restarts
        }
        await waitFor(async () => (await command(directUrl, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 'cluster_state:ok');
      }
    },
    async kill() {
      const proc = child;
      if (!proc || !server.running) return;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    pause() {
      if (server.running) child!.kill('SIGSTOP');
    },
    resume() {
      if (server.running) child!.kill('SIGCONT');
    },
    async stop() {
      const proc = child;
      if (proc && server.running) proc.kill('SIGCONT');
      if (proc && server.running) {
        proc.kill('SIGTERM');
        await exited(proc);
      }
      await proxy?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * The cache's Redis settings for a test server. Unless the test sets
 * LAKEGATE_CACHE_COMMAND_TIMEOUT_MS itself, the command timeout is raised to 1 s:
 * on a loaded two-core CI machine a 200 ms budget fails commands at random, and
 * only the fail-open tests are about that budget.
 */
export function redisConfigFor(server: RedisServer, env: Record<string, string> = {}): RedisConfig {
  const config = readCacheConfig({
    REDIS_URL: server.url,
    ...(server.caFile ? { REDIS_TLS_CA_FILE: server.caFile } : {}),
    ...env,
  }).redis!;
  return env.LAKEGATE_CACHE_COMMAND_TIMEOUT_MS ? config : { ...config, commandTimeoutMs: 1000 };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function command(url: string, argv: string[]): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [name, ...rest] = argv;
    return String(await client.call(name!, ...rest));
  } finally {
    client.disconnect();
  }
}

async function waitForPing(url: string, failed: () => string | undefined): Promise<void> {
  await waitFor(async () => {
    const problem = failed();
    if (problem) throw new Error(problem);
    try {
      return (await command(url, ['PING'])) === 'PONG';
    } catch {
      return false;
    }
  }, `PING on ${url}`);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server: timed out waiting for ${what}`);
}

/** TLS on `port`, plain TCP to redis-server on `target`. */
async function startTlsProxy(port: number, target: number, files: { cert: string; key: string }): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tlsModule.createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      // Either side gone (redis-server killed, client closed): drop the other.
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A throwaway CA and a server certificate for localhost / 127.0.0.1 (EC keys: fast). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=lakegate-test-ca']);
  openssl(['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(file('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl([
    'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.crt'), '-days', '2', '-extfile', file('san.cnf'),
  ]);
  return { ca: file('ca.crt'), cert: file('server.crt'), key: file('server.key') };
}
