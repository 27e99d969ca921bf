import { ADMISSION_ENGINES, type AdmissionConfig, type AdmissionEngine } from '../config/admission';
import { currentQueryScope, withQueueWait } from '../observability/query-accounting';
import { EngineGate, type GateState, type GateTicket, type SharedPermits } from './engine-gate';
import { gateMetrics } from './metrics';

/**
 * The ticket of the current call: the request's principal, signal and deadline;
 * background work (no principal: erasure, loads, cache refreshes) has its own
 * class. `cancellable: false` (writes that must finish, e.g. ledger records) waits
 * without the request's signal and deadline.
 */
export function currentTicket(options: { cancellable?: boolean } = {}): GateTicket {
  const scope = currentQueryScope();
  const cancellable = options.cancellable !== false;
  if (!scope?.principal) return { principal: 'background', priority: 'background', signal: cancellable ? scope?.signal : undefined };
  return { principal: scope.principal, priority: 'interactive', ...(cancellable ? { signal: scope.signal, deadline: scope.deadline } : {}) };
}

/**
 * The process's admission control: one EngineGate per backend engine
 * (LAKEGATE_MAX_CONCURRENT_<ENGINE>), shared by every adapter calling that engine.
 * Health checks and cache reads never pass through it.
 */
export class Admission {
  private readonly gates = new Map<AdmissionEngine, EngineGate>();

  constructor(config: AdmissionConfig, shared: Partial<Record<AdmissionEngine, SharedPermits>> = {}) {
    for (const engine of ADMISSION_ENGINES) {
      this.gates.set(
        engine,
        new EngineGate(engine, { limit: config.limits[engine], maxDepth: config.queueMaxDepth, maxWaitMs: config.queueTimeoutMs, shared: shared[engine] }, gateMetrics),
      );
    }
  }

  /** Runs one backend call of `engine` once admitted; its stats carry the queue wait. */
  run<T>(engine: AdmissionEngine, fn: () => Promise<T>, options: { cancellable?: boolean } = {}): Promise<T> {
    return this.gates.get(engine)!.run(currentTicket(options), (queueMs) => withQueueWait(queueMs, fn));
  }

  /** Waits until these engines have no interactive work (see EngineGate.giveWay). */
  async giveWay(engines: readonly AdmissionEngine[], options: { quietMs: number; maxWaitMs: number; signal?: AbortSignal }): Promise<void> {
    for (const engine of engines) await this.gates.get(engine)!.giveWay(options);
  }

  state(): GateState[] {
    return [...this.gates.values()].map((g) => g.state());
  }
}

let installed: Admission | undefined;

/**
 * Makes `admission` the process's (src/wiring/backends.ts does, at boot): limits
 * are per process, whichever adapter instance calls the engine.
 */
export function installAdmission(admission: Admission | undefined): void {
  installed = admission;
}

export function installedAdmission(): Admission | undefined {
  return installed;
}

/** Runs one backend call of `engine` through the process's admission control (directly when none is installed). */
export function admitted<T>(engine: AdmissionEngine, fn: () => Promise<T>, options: { cancellable?: boolean } = {}): Promise<T> {
  return installed ? installed.run(engine, fn, options) : fn();
}
