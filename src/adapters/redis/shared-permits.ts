import { randomBytes } from 'node:crypto';
import type { SharedPermits } from '../../admission/engine-gate';
import { createRedisClient, type RedisClient } from './redis-client';
import type { RedisConfig } from '../../config/cache';

/**
 * A counting semaphore shared by every lakegate process, in one Redis sorted set
 * per engine: members are permits, scores their expiry (Redis's own clock, so
 * processes' clocks do not matter). Taking a permit first drops the expired ones, so
 * a process that died holding permits gives them back within one lease; a holder
 * renews its permits every third of the lease while the query runs.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local renewed = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return renewed`;

type WithScripts = RedisClient & {
  lakegatePermitAcquire(key: string, limit: number, leaseMs: number, member: string): Promise<number>;
  lakegatePermitRenew(key: string, leaseMs: number, member: string): Promise<number>;
};

export interface RedisSharedPermitsOptions {
  /** e.g. `lakegate:` (the cache's prefix): the set is `<prefix>permits:<engine>`. */
  keyPrefix: string;
  engine: string;
  limit: number;
  leaseMs: number;
  /** Pause between two attempts while every permit is taken (grows to 8 times this). Default 25 ms. */
  pollMs?: number;
}

export class RedisSharedPermits implements SharedPermits {
  private readonly key: string;
  private readonly pollMs: number;
  private readonly renewals = new Set<NodeJS.Timeout>();

  constructor(
    private readonly client: RedisClient,
    private readonly options: RedisSharedPermitsOptions,
  ) {
    this.key = `${options.keyPrefix}permits:{${options.engine}}`;
    this.pollMs = options.pollMs ?? 25;
    client.defineCommand('lakegatePermitAcquire', { lua: ACQUIRE, numberOfKeys: 1 });
    client.defineCommand('lakegatePermitRenew', { lua: RENEW, numberOfKeys: 1 });
  }

  /** A client of its own (commands must wait for permits, unlike the cache's fail-fast client). */
  static connect(config: RedisConfig, options: RedisSharedPermitsOptions): RedisSharedPermits {
    return new RedisSharedPermits(createRedisClient({ ...config, commandTimeoutMs: Math.max(config.commandTimeoutMs, 1000) }, { queueWhileConnecting: true }), options);
  }

  async acquire(deadline: number, signal?: AbortSignal): Promise<(() => Promise<void>) | null> {
    const member = `${process.pid}:${randomBytes(8).toString('hex')}`;
    const redis = this.client as WithScripts;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      if ((await redis.lakegatePermitAcquire(this.key, this.options.limit, this.options.leaseMs, member)) === 1) break;
      const pause = Math.min(this.pollMs * 2 ** Math.min(attempt, 3), deadline - Date.now());
      if (pause <= 0) return null;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    const renew = setInterval(() => {
      void redis.lakegatePermitRenew(this.key, this.options.leaseMs, member).catch(() => undefined);
    }, Math.max(100, Math.floor(this.options.leaseMs / 3)));
    renew.unref();
    this.renewals.add(renew);
    return async () => {
      clearInterval(renew);
      this.renewals.delete(renew);
      await this.client.zrem(this.key, member);
    };
  }

  /** Permits currently held in every process (expired ones not counted). */
  async held(): Promise<number> {
    return this.client.zcount(this.key, Date.now(), '+inf');
  }

  async close(): Promise<void> {
    for (const renew of this.renewals) clearInterval(renew);
    this.renewals.clear();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
