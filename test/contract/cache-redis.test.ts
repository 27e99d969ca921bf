import { createRedisCache } from '../../src/adapters/redis/redis-cache';
import { redisConfigFor, startRedisServer } from '../helpers/redis-server';
import { describeCacheContract } from './cache.contract';

describeCacheContract('redis (single node)', async () => {
  const server = await startRedisServer();
  const config = redisConfigFor(server);
  const open = async () => {
    const cache = createRedisCache(config, { keyPrefix: 'contract:' });
    expect(await cache.ready()).toBe(true);
    return cache;
  };
  return { open, openFresh: open, teardown: () => server.stop() };
});
