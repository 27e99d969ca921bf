import { readCacheConfig } from '../../../src/config/cache';
import { ConfigError } from '../../../src/config/env';

const problems = (env: Record<string, string>): string[] => {
  try {
    readCacheConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('cache configuration', () => {
  test('without REDIS_URL the cache is in memory, with safe defaults', () => {
    const config = readCacheConfig({});
    expect(config.backend).toBe('memory');
    expect(config.redis).toBeUndefined();
    expect(config.keyPrefix).toBe('lakegate:');
    expect(config.ttlMs.decisions).toBe(0);
    expect(config.staleMs.decisions).toBe(0);
    expect(config.ttlMs.lake).toBeGreaterThan(0);
    expect(config.maxSubjectTags).toBe(200);
  });

  test('REDIS_URL turns Redis on: single node by default, TLS with rediss://, cluster nodes from the URL', () => {
    const plain = readCacheConfig({ REDIS_URL: 'redis://cache.internal:6380/2' });
    expect(plain.backend).toBe('redis');
    expect(plain.redis).toMatchObject({ tls: false, cluster: false, commandTimeoutMs: 200, clusterNodes: ['cache.internal:6380'] });
    const tls = readCacheConfig({
      REDIS_URL: 'rediss://user:secret@cache.internal',
      REDIS_CLUSTER: 'true',
      REDIS_CLUSTER_NODES: 'a.internal:6379, b.internal:6379',
      LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: '150',
      LAKEGATE_CACHE_PREFIX: 'lg:prod:',
    });
    expect(tls.redis).toMatchObject({ tls: true, cluster: true, clusterNodes: ['a.internal:6379', 'b.internal:6379'], commandTimeoutMs: 150 });
    expect(tls.keyPrefix).toBe('lg:prod:');
    expect(readCacheConfig({ REDIS_URL: 'redis://h:1', LAKEGATE_CACHE_BACKEND: 'memory' }).backend).toBe('memory');
    expect(readCacheConfig({ LAKEGATE_CACHE_BACKEND: 'off' }).backend).toBe('off');
  });

  test('TTL and stale windows per domain are settable', () => {
    const config = readCacheConfig({ LAKEGATE_CACHE_TTL_JOB_RUNS_MS: '5000', LAKEGATE_CACHE_STALE_LAKE_MS: '0' });
    expect(config.ttlMs.jobRuns).toBe(5000);
    expect(config.staleMs.lake).toBe(0);
  });

  test('bad settings are named with what is expected', () => {
    expect(problems({ REDIS_URL: 'http://cache:6379' })[0]).toMatch(/^REDIS_URL: expected redis:\/\//);
    expect(problems({ LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: '1000' })[0]).toMatch(/^LAKEGATE_CACHE_COMMAND_TIMEOUT_MS:/);
    expect(problems({ REDIS_CLUSTER_NODES: 'a.internal' })[0]).toMatch(/^REDIS_CLUSTER_NODES: expected host:port/);
    expect(problems({ LAKEGATE_CACHE_BACKEND: 'redis' })[0]).toMatch(/needs REDIS_URL/);
    expect(problems({ LAKEGATE_CACHE_PREFIX: 'a{b}' })[0]).toMatch(/^LAKEGATE_CACHE_PREFIX:/);
    expect(problems({ LAKEGATE_CACHE_TTL_JITTER: '0.9' })[0]).toMatch(/^LAKEGATE_CACHE_TTL_JITTER:/);
  });
});
