import type { TokenBucketRule, TokenBuckets } from '../../ports/token-buckets';

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (ms). */
  at: number;
  /** When the bucket is full again if nothing more is taken (it can then be forgotten). */
  fullAt: number;
}

/** Buckets that are full again are dropped at most this often (a full bucket is the same as none). */
const SWEEP_EVERY_MS = 10_000;

/**
 * Token buckets in this process. Refilled lazily on each take (no timers); full
 * buckets are forgotten by a sweep at most every 10 s, so memory follows the
 * callers of the last few seconds, not every caller ever seen.
 */
export class MemoryTokenBuckets implements TokenBuckets {
  readonly adapter = 'memory' as const;
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.lastSweep = now();
  }

  /** Synchronous form of `take`, for callers that want no promise. */
  takeNow(key: string, rule: TokenBucketRule): number {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const perMs = rule.perSecond / 1000;
    const bucket = this.buckets.get(key);
    let tokens = bucket ? Math.min(rule.burst, bucket.tokens + Math.max(0, now - bucket.at) * perMs) : rule.burst;
    if (tokens < 1) {
      if (bucket) {
        bucket.tokens = tokens;
        bucket.at = now;
      }
      return Math.max(1, Math.ceil((1 - tokens) / perMs));
    }
    tokens -= 1;
    const fullAt = now + (rule.burst - tokens) / perMs;
    if (bucket) {
      bucket.tokens = tokens;
      bucket.at = now;
      bucket.fullAt = fullAt;
    } else {
      this.buckets.set(key, { tokens, at: now, fullAt });
    }
    return 0;
  }

  async take(key: string, rule: TokenBucketRule): Promise<number> {
    return this.takeNow(key, rule);
  }

  /** Buckets currently remembered (tests). */
  get size(): number {
    return this.buckets.size;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (bucket.fullAt <= now) this.buckets.delete(key);
  }
}
