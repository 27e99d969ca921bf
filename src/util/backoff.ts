/**
 * Waiting without fixed sleeps: abortable delays, polling intervals that grow, and
 * jittered retry delays. Used by the adapters of asynchronous query APIs (Athena,
 * the Redshift Data API), which submit a statement and then poll for its state.
 */

/** Resolves after `ms`; rejects at once with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Polling delays: starts at `initialMs` and grows by `factor` up to `maxMs`. Short
 * queries are seen finished soon after they finish; long ones are not polled more
 * than once per `maxMs` (the status APIs are rate limited per account).
 */
export class PollSchedule {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly factor = 1.5,
  ) {
    this.current = Math.min(initialMs, maxMs);
  }

  /** The delay before the next poll. */
  next(): number {
    const delay = this.current;
    this.current = Math.min(this.maxMs, Math.max(this.initialMs, this.current * this.factor));
    return delay;
  }
}

/**
 * Retry delay for attempt `attempt` (0-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that many processes throttled at once do not
 * retry in lockstep, and no retry fires immediately.
 */
export function jitteredDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return cap / 2 + random() * (cap / 2);
}

/** A point in time a piece of work must finish by. */
export class Deadline {
  readonly at: number;

  constructor(timeoutMs: number, now: number = Date.now()) {
    this.at = now + timeoutMs;
  }

  remaining(now: number = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  expired(now: number = Date.now()): boolean {
    return now >= this.at;
  }
}
