import { z } from 'zod';
import { envInt, readEnv, type Env } from './env';

/** Cache settings. (Extended by the "Redis caching" work.) */
export interface CacheConfig {
  redisUrl: string | undefined;
  keyPrefix: string;
  memoryMaxEntries: number;
}

export function readCacheConfig(env: Env): CacheConfig {
  const v = readEnv(env, {
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected redis://... or rediss://...').optional(),
    LAKEGATE_CACHE_PREFIX: z.string().default('lakegate:'),
    LAKEGATE_CACHE_MAX_ENTRIES: envInt(0, 10_000_000).default(10_000),
  });
  return { redisUrl: v.REDIS_URL, keyPrefix: v.LAKEGATE_CACHE_PREFIX, memoryMaxEntries: v.LAKEGATE_CACHE_MAX_ENTRIES };
}
