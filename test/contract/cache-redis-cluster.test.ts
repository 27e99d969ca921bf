import { createRedisCache } from '../../src/adapters/redis/redis-cache';
import { redisConfigFor, startRedisServer } from '../helpers/redis-server';
import { describeCacheContract } from './cache.contract';

// A one-node cluster: the Cluster client and its same-slot rules (no cross-slot MGET, UNLINK or Lua).
describeCacheContract('redis (cluster)', async () => {
  const server = await startRedisServer({ cluster: true });
  const config = redisConfigFor(server, { REDIS_CLUSTER: 'true' });
  expect(config.cluster).toBe(true);
  const open = async () => {
    const cache = createRedisCache(config, { keyPrefix: 'contract:' });
    expect(await cache.ready()).toBe(true);
    return cache;
  };
  return { open, openFresh: open, teardown: () => server.stop() };
});
