/**
 * What the Athena and Redshift Data emulators share about their asynchronous jobs
 * (query executions, statements): queued faults and the simulated engine latency
 * tests set, the waits of jobs in flight (cut short by wake()), and shutdown.
 */
export interface WaitingJob {
  /** Set while the job waits: ends the wait early (stop, cancel, close). */
  wake?: () => void;
  connection?: { interrupt(): void };
}

export interface Fault<F> {
  times: number;
  failure?: F;
  delayMs?: number;
}

export class AsyncJobs<F> {
  latencyMs: number;
  private readonly faults: Array<Fault<F>> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();

  constructor(latencyMs = 0) {
    this.latencyMs = latencyMs;
  }

  failNext(times: number, failure: F): void {
    this.faults.push({ times, failure });
  }

  delayNext(times: number, ms: number): void {
    this.faults.push({ times, delayMs: ms });
  }

  /** The fault for the job starting now, if one is queued. */
  takeFault(): Fault<F> | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.shift();
    return fault;
  }

  /** Runs a job in the background; close() waits for it. */
  track(run: Promise<void>): void {
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Waits up to `ms`, ending early when the job is woken (stopped, cancelled) or the emulator closes. */
  wait(job: WaitingJob, ms: number): Promise<void> {
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        job.wake = undefined;
        resolve();
      };
      // +1: libuv measures timers on a loop clock that may lag Date.now() by a millisecond.
      const timer = setTimeout(done, ms + 1);
      this.timers.add(timer);
      job.wake = done;
    });
  }

  /** Interrupts and wakes every job, then (after `closeServer`) waits for their runs to end. */
  async close(jobs: Iterable<WaitingJob>, closeServer: () => Promise<void>): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const job of jobs) {
      job.connection?.interrupt();
      job.wake?.();
    }
    await closeServer();
    await Promise.allSettled([...this.running]);
  }
}
