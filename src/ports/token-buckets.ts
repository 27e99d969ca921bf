/**
 * Token buckets by key (per-principal rate limits, src/server/rate-limits.ts): Redis
 * when configured, so every lakegate process draws from the same bucket; in process
 * otherwise. A bucket holds at most `burst` tokens, refills at `perSecond`, and
 * starts full; each request takes one.
 */
export interface TokenBucketRule {
  /** Refill rate, tokens per second (> 0). */
  perSecond: number;
  /** Size of the bucket (>= 1). */
  burst: number;
}

export interface TokenBuckets {
  readonly adapter: 'redis' | 'memory';
  /**
   * Takes one token from bucket `key`. Returns 0 when it was taken, else the
   * milliseconds until the next token is there (nothing is taken then).
   * The Redis adapter rejects when Redis cannot be reached.
   */
  take(key: string, rule: TokenBucketRule): Promise<number>;
  close(): Promise<void>;
}
