/**
 * A small pool of reusable resources (DuckDB connections). At most `max` exist at
 * once; callers beyond that wait in FIFO order and may give up through their
 * AbortSignal. A resource that misbehaved is discarded instead of reused.
 */
export interface PoolOptions<T> {
  max: number;
  create: () => Promise<T>;
  destroy: (resource: T) => void;
}

interface Waiter<T> {
  resolve: (resource: T) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class PoolClosedError extends Error {
  constructor() {
    super('the connection pool is closed');
    this.name = 'PoolClosedError';
  }
}

export class ConnectionPool<T> {
  private readonly idle: T[] = [];
  private readonly leased = new Set<T>();
  private readonly waiters: Waiter<T>[] = [];
  private creating = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(private readonly options: PoolOptions<T>) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError(`pool size must be a positive integer, got ${options.max}`);
  }

  get size(): number {
    return this.idle.length + this.leased.size + this.creating;
  }

  /** Resources handed out, being created, or waited for: 0 when nobody uses the pool. */
  get busy(): number {
    return this.leased.size + this.creating + this.waiters.length;
  }

  /** Resources currently handed out (e.g. to interrupt them on shutdown). */
  inUse(): T[] {
    return [...this.leased];
  }

  async acquire(signal?: AbortSignal): Promise<T> {
    if (this.closed) throw new PoolClosedError();
    signal?.throwIfAborted();
    const ready = this.idle.pop();
    if (ready !== undefined) {
      this.leased.add(ready);
      return ready;
    }
    if (this.size < this.options.max) return this.createLeased();
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Returns a resource; `discard` destroys it (e.g. after an unexpected failure). */
  release(resource: T, discard = false): void {
    if (!this.leased.delete(resource)) return;
    if (discard || this.closed) {
      this.safeDestroy(resource);
      this.serveWaiterWithNew();
    } else {
      const waiter = this.nextWaiter();
      if (waiter) {
        this.leased.add(resource);
        waiter.resolve(resource);
      } else {
        this.idle.push(resource);
      }
    }
    if (this.closed && this.leased.size === 0) this.drained?.();
  }

  /**
   * Refuses new work, destroys idle resources, waits up to `graceMs` for leased ones
   * (call `inUse()` first to interrupt them), then destroys whatever is left.
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new PoolClosedError());
    }
    for (const resource of this.idle.splice(0)) this.safeDestroy(resource);
    if (this.leased.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const resource of this.leased) this.safeDestroy(resource);
    this.leased.clear();
  }

  private async createLeased(): Promise<T> {
    this.creating++;
    try {
      const resource = await this.options.create();
      if (this.closed) {
        this.safeDestroy(resource);
        throw new PoolClosedError();
      }
      this.leased.add(resource);
      return resource;
    } finally {
      this.creating--;
    }
  }

  private nextWaiter(): Waiter<T> | undefined {
    const waiter = this.waiters.shift();
    if (waiter?.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return waiter;
  }

  private serveWaiterWithNew(): void {
    if (this.closed || this.waiters.length === 0 || this.size >= this.options.max) return;
    const waiter = this.nextWaiter()!;
    this.createLeased().then(waiter.resolve, waiter.reject);
  }

  private safeDestroy(resource: T): void {
    try {
      this.options.destroy(resource);
    } catch {
      // Destroying a broken connection may fail again; nothing left to do.
    }
  }
}
