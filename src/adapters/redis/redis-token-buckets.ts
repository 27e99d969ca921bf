import { createHash } from 'node:crypto';
import type { RedisConfig } from '../../config/cache';
import type { TokenBucketRule, TokenBuckets } from '../../ports/token-buckets';
import { createRedisClient, type RedisClient } from './redis-client';

/**
 * Token buckets shared by every lakegate process: one Redis hash per bucket
 * (`tokens`, `at`), refilled and taken from in one script, on Redis's own clock
 * (processes' clocks do not matter). A bucket expires once it would be full again,
 * so idle callers cost no memory. One key per script: works on a Cluster too.
 *
 * KEYS: bucket. ARGV: perSecond, burst.
 * Returns 0 when a token was taken, else the milliseconds until the next one.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local perMs = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * perMs)
end
if tokens < 1 then
  local wait = math.ceil((1 - tokens) / perMs)
  if wait < 1 then wait = 1 end
  return wait
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perMs) + 1000)
return 0`;

type WithScripts = RedisClient & { lakegateTokenTake(key: string, perSecond: string, burst: string): Promise<number> };

export interface RedisTokenBucketsOptions {
  /** e.g. `lakegate:` (the cache's prefix): a bucket is `<prefix>rl:{<digest of its key>}`. */
  keyPrefix: string;
}

export class RedisTokenBuckets implements TokenBuckets {
  readonly adapter = 'redis' as const;

  constructor(
    private readonly client: RedisClient,
    private readonly options: RedisTokenBucketsOptions,
  ) {
    client.defineCommand('lakegateTokenTake', { lua: TAKE, numberOfKeys: 1 });
    // Errors surface on the commands (the caller fails open); an unhandled 'error' event would crash.
    client.on('error', () => undefined);
  }

  /** A fail-fast client of its own (no offline queue, the cache's command timeout): a limit check never holds a request up for long. */
  static connect(config: RedisConfig, options: RedisTokenBucketsOptions): RedisTokenBuckets {
    return new RedisTokenBuckets(createRedisClient(config), options);
  }

  async take(key: string, rule: TokenBucketRule): Promise<number> {
    // Principal ids (token subjects, client addresses) are not stored in clear.
    const digest = createHash('sha256').update(key).digest('base64url').slice(0, 32);
    return (this.client as WithScripts).lakegateTokenTake(`${this.options.keyPrefix}rl:{${digest}}`, String(rule.perSecond), String(rule.burst));
  }

  /** Resolves true once connected, false after `timeoutMs`. */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.client.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
