import { createRedisCache } from '../../src/adapters/redis/redis-cache';
import { redisConfigFor, startRedisServer } from '../helpers/redis-server';
import { describeCacheContract } from './cache.contract';

// rediss:// with the server's CA: the client verifies the certificate.
describeCacheContract('redis (TLS, rediss://)', async () => {
  const server = await startRedisServer({ tls: true });
  const config = redisConfigFor(server);
  expect(config.tls).toBe(true);
  const open = async () => {
    const cache = createRedisCache(config, { keyPrefix: 'contract-tls:' });
    expect(await cache.ready()).toBe(true);
    return cache;
  };
  return { open, openFresh: open, teardown: () => server.stop() };
});
