import { AppError, ErrorCode } from '../errors/app-error';

export type Priority = 'interactive' | 'background';

export interface GateTicket {
  /** Who asks (the principal of the request); background work has none. */
  principal: string;
  priority: Priority;
  /** Aborted when the request is answered or cancelled: the query leaves the queue at once. */
  signal?: AbortSignal;
  /** The request's deadline (epoch ms): the wait never goes past it. */
  deadline?: number;
}

export interface EngineGateOptions {
  /** Queries in flight at once. */
  limit: number;
  /** Queries waiting at most; one more is refused at once. */
  maxDepth: number;
  /** Longest wait for a slot. */
  maxWaitMs: number;
  /** One dispatch in this many goes to waiting background work when interactive work waits too (its bounded share). */
  backgroundEvery?: number;
  /** A permit shared with other processes (Redis), taken after the local one. */
  shared?: SharedPermits;
  clock?: () => number;
}

/** Permits shared by every process (src/adapters/redis: a semaphore with leases). */
export interface SharedPermits {
  /** Takes a permit, waiting at most until `deadline` (epoch ms); the release function, or null when none came in time. */
  acquire(deadline: number, signal?: AbortSignal): Promise<(() => Promise<void>) | null>;
}

export interface GateObserver {
  inflight(engine: string, n: number): void;
  depth(engine: string, n: number): void;
  waited(engine: string, ms: number): void;
  shed(engine: string, reason: 'depth' | 'wait' | 'deadline'): void;
  /** The shared permits could not be reached: the query ran under the local limit only. */
  sharedUnavailable?(engine: string): void;
}

export interface GateState {
  engine: string;
  limit: number;
  inflight: number;
  waiting: number;
  shed: number;
}

interface Waiter {
  ticket: GateTicket;
  enqueuedAt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * Admission control of one backend engine in this process: at most `limit`
 * queries run; the others wait in a bounded queue, per priority and, inside a
 * priority, per principal served round-robin (one caller's burst waits behind its
 * own queries, not in front of everyone's). Past the depth, the wait or the
 * request's deadline, a query is refused with BACKEND_BUSY and a retry hint,
 * before it reaches the engine. Background work (erasure, loads) gets one
 * dispatch in `backgroundEvery` while interactive work waits, so it progresses.
 */
export class EngineGate {
  private readonly options: Required<Omit<EngineGateOptions, 'shared'>> & Pick<EngineGateOptions, 'shared'>;
  private running = 0;
  private waitingCount = 0;
  /** Interactive queries admitted and not finished, and when the last one finished. */
  private interactive = 0;
  private interactiveEndedAt = 0;
  private shedCount = 0;
  private dispatches = 0;
  /** priority -> principal -> FIFO; Map iteration order gives the round-robin (a served principal moves to the end). */
  private readonly queues: Record<Priority, Map<string, Waiter[]>> = { interactive: new Map(), background: new Map() };

  constructor(
    readonly engine: string,
    options: EngineGateOptions,
    private readonly observer?: GateObserver,
  ) {
    this.options = { backgroundEvery: 4, clock: Date.now, ...options, limit: Math.max(1, options.limit), maxDepth: Math.max(0, options.maxDepth) };
  }

  state(): GateState {
    return { engine: this.engine, limit: this.options.limit, inflight: this.running, waiting: this.waitingCount, shed: this.shedCount };
  }

  /** Runs `fn` once admitted; its queue wait (ms) is passed to it. */
  async run<T>(ticket: GateTicket, fn: (queueMs: number) => Promise<T>): Promise<T> {
    const started = this.options.clock();
    ticket.signal?.throwIfAborted();
    if (ticket.deadline !== undefined && ticket.deadline <= started) throw this.refuse('deadline', 0);
    if (this.running >= this.options.limit || this.waitingCount > 0) await this.enqueue(ticket, started);
    else this.take();
    // From here on this query holds a slot.
    let releaseShared: (() => Promise<void>) | null = null;
    const interactive = ticket.priority === 'interactive';
    if (interactive) this.interactive++;
    try {
      if (this.options.shared) {
        const until = Math.min(started + this.options.maxWaitMs, ticket.deadline ?? Infinity);
        try {
          releaseShared = await this.options.shared.acquire(until, ticket.signal);
        } catch (error) {
          // Redis unreachable: fail open to this process's own limit, as the cache does.
          if (ticket.signal?.aborted) throw error;
          this.observer?.sharedUnavailable?.(this.engine);
          releaseShared = async () => undefined;
        }
        if (!releaseShared) throw this.refuse('wait', this.options.clock() - started);
      }
      const queueMs = this.options.clock() - started;
      this.observer?.waited(this.engine, queueMs);
      return await fn(queueMs);
    } finally {
      if (interactive) {
        this.interactive--;
        this.interactiveEndedAt = this.options.clock();
      }
      if (releaseShared) await releaseShared().catch(() => undefined);
      this.release();
    }
  }

  /**
   * Background work that runs outside the gate but shares the engine's resources
   * (the embedded loader's DuckDB statements use the same threads) waits here before
   * each unit of work: until no interactive query runs or waits and none ended in the
   * last `quietMs` (the next one of a busy client usually follows at once), at most
   * `maxWaitMs`, so it still progresses under constant interactive load.
   */
  async giveWay(options: { quietMs: number; maxWaitMs: number; signal?: AbortSignal }): Promise<void> {
    const until = this.options.clock() + options.maxWaitMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const now = this.options.clock();
      const busy = this.interactive > 0 || this.queues.interactive.size > 0 || now - this.interactiveEndedAt < options.quietMs;
      if (!busy || now >= until) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10, Math.max(1, until - now))));
    }
  }

  private take(): void {
    this.running++;
    this.observer?.inflight(this.engine, this.running);
  }

  private release(): void {
    this.running--;
    this.observer?.inflight(this.engine, this.running);
    this.dispatch();
  }

  private enqueue(ticket: GateTicket, started: number): Promise<void> {
    if (this.waitingCount >= this.options.maxDepth && !this.makeRoomFor(ticket)) throw this.refuse('depth', 0);
    return new Promise<void>((resolve, reject) => {
      const waitMs = Math.min(this.options.maxWaitMs, (ticket.deadline ?? Infinity) - started);
      const waiter: Waiter = { ticket, enqueuedAt: started, resolve, reject, cleanup: () => undefined };
      const timer = setTimeout(() => {
        if (this.remove(waiter)) reject(this.refuse(waitMs < this.options.maxWaitMs ? 'deadline' : 'wait', this.options.clock() - started));
      }, Math.max(0, waitMs));
      const onAbort = () => {
        if (this.remove(waiter)) reject(ticket.signal!.reason);
      };
      ticket.signal?.addEventListener('abort', onAbort, { once: true });
      waiter.cleanup = () => {
        clearTimeout(timer);
        ticket.signal?.removeEventListener('abort', onAbort);
      };
      const queue = this.queues[ticket.priority];
      const own = queue.get(ticket.principal);
      if (own) own.push(waiter);
      else queue.set(ticket.principal, [waiter]);
      this.waitingCount++;
      this.observer?.depth(this.engine, this.waitingCount);
    });
  }

  /**
   * A full queue sheds the caller with the most waiting, not the newcomer, when the
   * newcomer has fewer: one caller's flood fills the queue with its own queries and
   * loses its newest one to another caller's query.
   */
  private makeRoomFor(ticket: GateTicket): boolean {
    const queue = this.queues[ticket.priority];
    let heaviest: Waiter[] | undefined;
    for (const own of queue.values()) if (!heaviest || own.length > heaviest.length) heaviest = own;
    const mine = queue.get(ticket.principal)?.length ?? 0;
    if (!heaviest || heaviest.length <= mine + 1) return false;
    const victim = heaviest[heaviest.length - 1]!;
    if (!this.remove(victim)) return false;
    victim.reject(this.refuse('depth', this.options.clock() - victim.enqueuedAt));
    return true;
  }

  /** Takes a waiter out of its queue; false when it had left already. */
  private remove(waiter: Waiter): boolean {
    const queue = this.queues[waiter.ticket.priority];
    const own = queue.get(waiter.ticket.principal);
    const index = own ? own.indexOf(waiter) : -1;
    if (!own || index < 0) return false;
    own.splice(index, 1);
    if (own.length === 0) queue.delete(waiter.ticket.principal);
    waiter.cleanup();
    this.waitingCount--;
    this.observer?.depth(this.engine, this.waitingCount);
    return true;
  }

  private dispatch(): void {
    while (this.running < this.options.limit && this.waitingCount > 0) {
      const waiter = this.next();
      if (!waiter) return;
      this.remove(waiter);
      this.take();
      waiter.resolve();
    }
  }

  /** The next waiter: interactive first, except every backgroundEvery-th dispatch; round-robin over principals. */
  private next(): Waiter | undefined {
    this.dispatches++;
    const backgroundTurn = this.dispatches % this.options.backgroundEvery === 0;
    const order: Priority[] = backgroundTurn ? ['background', 'interactive'] : ['interactive', 'background'];
    for (const priority of order) {
      const queue = this.queues[priority];
      const first = queue.entries().next();
      if (first.done) continue;
      const [principal, own] = first.value;
      // The served principal goes to the back of the round.
      queue.delete(principal);
      queue.set(principal, own);
      return own[0];
    }
    return undefined;
  }

  private refuse(reason: 'depth' | 'wait' | 'deadline', waitedMs: number): AppError {
    this.shedCount++;
    this.observer?.shed(this.engine, reason);
    const retryAfterSeconds = Math.max(1, Math.ceil(this.options.maxWaitMs / 1000));
    const why =
      reason === 'depth'
        ? `${this.waitingCount} queries already wait for it`
        : reason === 'wait'
          ? `no slot came free within ${Math.round(waitedMs)} ms`
          : 'the request has no time left to wait for a slot';
    return new AppError(ErrorCode.BACKEND_BUSY, `${this.engine} is busy (${this.options.limit} queries in flight; ${why}); retry in ${retryAfterSeconds} s`, {
      details: { backend: this.engine, retryAfterSeconds },
      retryable: true,
    });
  }
}
