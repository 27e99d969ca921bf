/**
 * One run per key at a time inside this process: callers that arrive while a run
 * for their key is in flight share its promise (and see the leader's context).
 */
export interface Flight<T, C> {
  promise: Promise<T>;
  /** True for callers that shared a run started by someone else. */
  joined: boolean;
  /** What the leader attached to the run. */
  context: C;
}

export class SingleFlight<T, C = undefined> {
  private readonly inFlight = new Map<string, { promise: Promise<T>; context: C }>();

  run(key: string, context: C, fn: () => Promise<T>): Flight<T, C> {
    const existing = this.inFlight.get(key);
    if (existing) return { ...existing, joined: true };
    const promise = fn().finally(() => {
      if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, { promise, context });
    return { promise, context, joined: false };
  }

  /** Later callers start new runs; callers already waiting keep theirs. */
  detachAll(): void {
    this.inFlight.clear();
  }

  get size(): number {
    return this.inFlight.size;
  }
}
