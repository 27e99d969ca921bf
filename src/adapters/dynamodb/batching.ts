/** Small helpers for DynamoDB's batch APIs: chunks, bounded parallelism, backoff. */

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight. After the first
 * failure no new item starts; it rejects with that failure once the items in
 * flight have settled (so no write is still running when the caller sees it).
 */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.error;
}

export interface BackoffPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseMs: number;
  capMs: number;
}

/** Unprocessed batch items: DynamoDB asks for exponential backoff with jitter before resending. */
export const UNPROCESSED_BACKOFF: BackoffPolicy = { retries: 8, baseMs: 25, capMs: 2_000 };

/** "Full jitter": a random delay in [0, min(cap, base * 2^attempt)). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
