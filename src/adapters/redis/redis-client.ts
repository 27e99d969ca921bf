import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../../config/cache';

export type RedisClient = Redis | Cluster;

/**
 * An ioredis client tuned for a cache that must never hold a request up:
 * no offline queue (commands fail at once while disconnected), a command timeout
 * of at most 250 ms, few retries, and a reconnect backoff capped at
 * `reconnectMaxDelayMs` so caching resumes soon after Redis is back.
 * Auto-pipelining batches the commands of concurrent requests into one write.
 */
/** `queueWhileConnecting`: commands wait for the connection instead of failing (clients that must wait, e.g. shared permits). */
export function createRedisClient(config: RedisConfig, options: { queueWhileConnecting?: boolean } = {}): RedisClient {
  const offlineQueue = options.queueWhileConnecting ?? false;
  const url = new URL(config.url);
  const tls = config.tls ? tlsOptions(config) : undefined;
  const common: RedisOptions = {
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest,
    enableAutoPipelining: true,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(tls ? { tls } : {}),
  };
  const retryStrategy = (times: number): number => Math.min(50 * 2 ** Math.min(times, 10), config.reconnectMaxDelayMs);

  if (config.cluster) {
    const nodes = config.clusterNodes.map((node) => {
      const at = node.lastIndexOf(':');
      return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
    });
    return new Cluster(nodes, {
      enableOfflineQueue: offlineQueue,
      enableAutoPipelining: true,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: Math.max(config.commandTimeoutMs, 500),
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      // Managed clusters (ElastiCache) announce IPs that the certificate does not name.
      ...(tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
      redisOptions: common,
    });
  }

  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return new Redis({
    ...common,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    db: Number.isInteger(db) ? db : 0,
    enableOfflineQueue: offlineQueue,
    retryStrategy,
  });
}

function tlsOptions(config: RedisConfig): ConnectionOptions {
  return {
    rejectUnauthorized: config.tlsRejectUnauthorized,
    ...(config.tlsCaFile ? { ca: readFileSync(config.tlsCaFile) } : {}),
  };
}
