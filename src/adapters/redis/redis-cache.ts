import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { RedisConfig } from '../../config/cache';
import { backendUnavailable } from '../../errors/app-error';
import type { Logger } from '../../observability/logger';
import type { Cache, CacheLock, CacheSetOptions, WaitOptions } from '../../ports/cache';
import { createRedisClient, type RedisClient } from './redis-client';
import { FENCED_SET, PRUNE_ABOVE, PRUNE_SAMPLE, RENEW_LOCK, TAG_ADD, UNLOCK } from './scripts';

/**
 * The Cache port on Redis, single node or Cluster. Layout under the key prefix:
 *   e:<key>  entry (string, PX ttl)          t:<tag>  tag set of entry keys (PX >= its entries)
 *   v:<tag>  tag version (random token, PX 1 day)   l:<name>  lock (token, PX ttl)
 * Invalidation walks tag sets with SSCAN and UNLINKs in batches: never KEYS.
 *
 * On a single node a fenced write is one Lua script, atomic with invalidation. A
 * Cluster spreads these keys over slots, so there the write is check, write, check
 * again and delete if a version moved: a fill racing an invalidation is removed one
 * round trip after it was written.
 */
export interface RedisCacheOptions {
  keyPrefix: string;
  logger?: Logger;
}

/** Tag versions only matter while a fill runs; a day outlives any fill. */
const VERSION_TTL_MS = 86_400_000;
const SCAN_BATCH = 500;

interface ScriptCommands {
  lakegateFencedSet(numKeys: number, ...args: Array<string | number>): Promise<number>;
  lakegateTagAdd(key: string, member: string, ttlMs: number): Promise<number>;
  lakegateUnlock(key: string, token: string): Promise<number>;
  lakegateRenewLock(key: string, token: string, ttlMs: number): Promise<number>;
}

export class RedisCache implements Cache {
  readonly adapter = 'redis' as const;
  private readonly client: RedisClient;
  private readonly scripts: ScriptCommands;
  private readonly cluster: boolean;
  private readonly prefix: string;
  private closed = false;

  constructor(client: RedisClient, options: RedisCacheOptions) {
    this.client = client;
    this.cluster = client instanceof Cluster;
    this.prefix = options.keyPrefix;
    client.defineCommand('lakegateFencedSet', { lua: FENCED_SET });
    client.defineCommand('lakegateTagAdd', { lua: TAG_ADD, numberOfKeys: 1 });
    client.defineCommand('lakegateUnlock', { lua: UNLOCK, numberOfKeys: 1 });
    client.defineCommand('lakegateRenewLock', { lua: RENEW_LOCK, numberOfKeys: 1 });
    this.scripts = client as unknown as ScriptCommands;
    const logger = options.logger;
    if (logger) attachConnectionLogging(client, logger);
    else client.on('error', () => undefined); // errors surface on the commands; an unhandled 'error' would crash
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(this.entryKey(key));
  }

  async set(key: string, value: string, options: CacheSetOptions): Promise<boolean> {
    const entry = this.entryKey(key);
    const ttl = Math.max(1, Math.ceil(options.ttlMs));
    const tagKeys = (options.tags ?? []).map((t) => this.tagKey(t));
    const fenceTags = options.fence?.tags ?? [];
    const expected = options.fence?.versions ?? [];
    if (!this.cluster) {
      const versionKeys = fenceTags.map((t) => this.versionKey(t));
      const keys = [entry, ...versionKeys, ...tagKeys];
      const stored = await this.scripts.lakegateFencedSet(keys.length, ...keys, value, ttl, fenceTags.length, ...expected);
      return stored === 1;
    }
    if (!(await this.versionsMatch(fenceTags, expected))) return false;
    await this.client.set(entry, value, 'PX', ttl);
    const sizes = await Promise.all(tagKeys.map((tagKey) => this.scripts.lakegateTagAdd(tagKey, entry, ttl)));
    if (!(await this.versionsMatch(fenceTags, expected))) {
      await this.client.unlink(entry);
      return false;
    }
    tagKeys.forEach((tagKey, i) => {
      if ((sizes[i] ?? 0) > PRUNE_ABOVE) void this.pruneTagSet(tagKey).catch(() => undefined);
    });
    return true;
  }

  /** Cluster: the entries live on other slots, so the dead members are found from here (see FENCED_SET). */
  private async pruneTagSet(tagKey: string): Promise<void> {
    const sample = await this.client.srandmember(tagKey, PRUNE_SAMPLE);
    const exists = await Promise.all(sample.map((member) => this.client.exists(member)));
    const dead = sample.filter((_, i) => exists[i] === 0);
    if (dead.length > 0) await this.client.srem(tagKey, ...dead);
  }

  async delete(keys: readonly string[]): Promise<number> {
    return this.unlinkMany(keys.map((k) => this.entryKey(k)));
  }

  async tagVersions(tags: readonly string[]): Promise<string[]> {
    if (tags.length === 0) return [];
    const keys = tags.map((t) => this.versionKey(t));
    const values = this.cluster ? await Promise.all(keys.map((k) => this.client.get(k))) : await this.client.mget(...keys);
    return values.map((v) => v ?? '');
  }

  async invalidateTags(tags: readonly string[]): Promise<number> {
    // Versions first: a fill fenced on the old versions can no longer be stored,
    // and every fill stored before this point is in the sets walked below.
    await Promise.all(tags.map((t) => this.client.set(this.versionKey(t), newToken(), 'PX', VERSION_TTL_MS)));
    let deleted = 0;
    for (const tag of tags) {
      const setKey = this.tagKey(tag);
      let cursor = '0';
      do {
        const [next, members] = await this.client.sscan(setKey, cursor, 'COUNT', SCAN_BATCH);
        cursor = next;
        if (members.length > 0) {
          deleted += await this.unlinkMany(members);
          // SREM, not DEL: entries filed after the bump (fenced on the new version) stay filed.
          await this.client.srem(setKey, ...members);
        }
      } while (cursor !== '0');
    }
    return deleted;
  }

  async tryLock(name: string, ttlMs: number): Promise<CacheLock | null> {
    const token = newToken();
    const ok = await this.client.set(this.lockKey(name), token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return ok === 'OK' ? { name, token } : null;
  }

  async renewLock(lock: CacheLock, ttlMs: number): Promise<boolean> {
    return (await this.scripts.lakegateRenewLock(this.lockKey(lock.name), lock.token, Math.max(1, Math.ceil(ttlMs)))) === 1;
  }

  async unlock(lock: CacheLock): Promise<void> {
    await this.scripts.lakegateUnlock(this.lockKey(lock.name), lock.token);
  }

  /** Short polling (10 ms, growing to 100 ms): cheaper to run than a subscriber connection per process. */
  async waitFor(key: string, options: WaitOptions): Promise<string | null> {
    const entry = this.entryKey(key);
    const lockKey = options.lock === undefined ? undefined : this.lockKey(options.lock);
    const deadline = Date.now() + options.timeoutMs;
    let delay = 10;
    for (;;) {
      const [value, locked] = await Promise.all([this.client.get(entry), lockKey ? this.client.exists(lockKey) : Promise.resolve(1)]);
      if (value !== null) return value;
      // The lock went away: the value was stored just before, or the fill gave up.
      if (locked === 0) return this.client.get(entry);
      const left = deadline - Date.now();
      if (left <= 0 || this.closed || options.signal?.aborted) return null;
      await sleep(Math.min(delay, left));
      delay = Math.min(100, delay * 1.5);
    }
  }

  /**
   * Resolves true once connected (commands sent before fail at once: there is no
   * offline queue), false after `timeoutMs`. Boot can wait for it; it never throws.
   */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  async ping(): Promise<void> {
    try {
      await this.client.ping();
    } catch (error) {
      throw backendUnavailable('redis', error instanceof Error ? error.message : String(error), error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.client.disconnect();
  }

  private async versionsMatch(tags: readonly string[], expected: readonly string[]): Promise<boolean> {
    const current = await this.tagVersions(tags);
    return current.every((v, i) => v === expected[i]);
  }

  /** UNLINK in batches on a single node; one key per command on a Cluster (auto-pipelined per node). */
  private async unlinkMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    if (this.cluster) return (await Promise.all(keys.map((k) => this.client.unlink(k)))).reduce((a, b) => a + b, 0);
    let deleted = 0;
    for (let i = 0; i < keys.length; i += SCAN_BATCH) deleted += await this.client.unlink(...keys.slice(i, i + SCAN_BATCH));
    return deleted;
  }

  private entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }
  private tagKey(tag: string): string {
    return `${this.prefix}t:${tag}`;
  }
  private versionKey(tag: string): string {
    return `${this.prefix}v:${tag}`;
  }
  private lockKey(name: string): string {
    return `${this.prefix}l:${name}`;
  }
}

/** Builds the client from the configuration and wraps it. */
export function createRedisCache(config: RedisConfig, options: RedisCacheOptions): RedisCache {
  return new RedisCache(createRedisClient(config), options);
}

/** Connection trouble is logged at most once per 10 s (with how many were suppressed). */
function attachConnectionLogging(client: RedisClient, logger: Logger): void {
  let last = 0;
  let suppressed = 0;
  const log = (event: string, error?: unknown) => {
    const now = Date.now();
    if (now - last < 10_000) {
      suppressed++;
      return;
    }
    last = now;
    logger.warn({ event, err: error instanceof Error ? { message: error.message } : undefined, suppressed }, 'redis cache connection problem');
    suppressed = 0;
  };
  client.on('error', (error: unknown) => log('error', error));
  client.on('node error', (error: unknown) => log('node error', error));
  client.on('ready', () => {
    if (last > 0) logger.info('redis cache connection ready');
  });
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
