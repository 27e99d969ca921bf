import Redis, { Cluster } from 'ioredis';
import { createRedisCache } from '../../src/adapters/redis/redis-cache';
import { redisConfigFor, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { poll } from './cache.contract';

/**
 * Redis only: a tag that is never invalidated must not keep the keys of its expired
 * entries forever. Large tag sets shed dead members as new entries are filed.
 */
describe.each([{ cluster: false }, { cluster: true }])('Redis tag sets shed expired members (cluster: $cluster)', ({ cluster }) => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer({ cluster });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('a long-lived tag stays close to its live size, and live entries are never shed', async () => {
    const cache = createRedisCache(redisConfigFor(server, cluster ? { REDIS_CLUSTER: 'true' } : {}), { keyPrefix: 'prune:' });
    const raw = cluster ? new Cluster([{ host: '127.0.0.1', port: server.port }]) : new Redis(server.url);
    try {
      expect(await cache.ready()).toBe(true);
      const tag = 'domain:lake';
      const put = async (prefix: string, ttlMs: number) => {
        for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => cache.set(`${prefix}-${i + j}`, 'x', { ttlMs, tags: [tag] })));
      };
      // One long-lived entry keeps the set itself alive (its TTL follows its longest entry).
      await cache.set('anchor', 'x', { ttlMs: 60_000, tags: [tag] });
      await put('short', 100);
      expect(await poll(async () => (await cache.get('short-299')) === null)).toBe(true);
      await put('long', 60_000);
      const size = () => raw.scard(`prune:t:${tag}`);
      expect(await poll(async () => (await size()) < 450)).toBe(true);
      expect(await size()).toBeGreaterThanOrEqual(301);
      expect(await cache.invalidateTags([tag])).toBe(301);
    } finally {
      raw.disconnect();
      await cache.close();
    }
  });
});
