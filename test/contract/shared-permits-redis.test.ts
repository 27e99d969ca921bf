import { EngineGate } from '../../src/admission/engine-gate';
import { RedisSharedPermits } from '../../src/adapters/redis/shared-permits';
import { readCacheConfig } from '../../src/config/cache';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

/**
 * The Redis semaphore behind LAKEGATE_SHARED_LIMITS, against a real redis-server:
 * two "processes" (gates with their own clients) never hold more than the shared
 * limit together, and the permits of one that dies without giving them back
 * return after one lease.
 */
jest.setTimeout(60_000);

let redis: RedisServer;
const open: RedisSharedPermits[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const p of open) await p.close();
  await redis?.stop();
});

function permits(limit: number, leaseMs = 30_000): RedisSharedPermits {
  const config = readCacheConfig({ REDIS_URL: redis.url }).redis!;
  const p = RedisSharedPermits.connect(config, { keyPrefix: 'test:', engine: `athena-${limit}-${leaseMs}`, limit, leaseMs, pollMs: 5 });
  open.push(p);
  return p;
}

test('two processes of 5 slots each never run more than the shared 3 at once', async () => {
  const [a, b] = [permits(3), permits(3)];
  const gates = [new EngineGate('athena', { limit: 5, maxDepth: 100, maxWaitMs: 20_000, shared: a }), new EngineGate('athena', { limit: 5, maxDepth: 100, maxWaitMs: 20_000, shared: b })];
  let running = 0;
  let peak = 0;
  const work = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
  };
  await Promise.all(Array.from({ length: 30 }, (_, i) => gates[i % 2]!.run({ principal: 'p', priority: 'interactive' }, work)));
  expect(peak).toBe(3);
  expect(await a.held()).toBe(0);
});

test('a process that dies holding permits gives them back after one lease', async () => {
  const dying = permits(2, 1000);
  const survivor = permits(2, 1000);
  expect(await dying.acquire(Date.now() + 1000)).not.toBeNull();
  expect(await dying.acquire(Date.now() + 1000)).not.toBeNull();
  await dying.close(); // dies: no release, no renewal
  const started = Date.now();
  expect(await survivor.acquire(Date.now() + 100)).toBeNull(); // still held
  const release = await survivor.acquire(Date.now() + 5000);
  expect(release).not.toBeNull();
  expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  expect(Date.now() - started).toBeLessThan(3000);
  await release!();
});

test('a held permit is renewed while its query runs longer than the lease', async () => {
  const holder = permits(1, 600);
  const other = permits(1, 600);
  const release = await holder.acquire(Date.now() + 1000);
  expect(release).not.toBeNull();
  expect(await other.acquire(Date.now() + 1500)).toBeNull(); // renewed past 2.5 leases
  await release!();
  const next = await other.acquire(Date.now() + 1000);
  expect(next).not.toBeNull();
  await next!();
});
