import { AsyncLocalStorage } from 'node:async_hooks';
import type { QueryStats } from '../ports/sql-engine';
import type { RequestBudget } from './request-budget';
import { traceBackendWork, traceCacheRead, traceQueryStats, tracingEnabled } from './tracing';

/**
 * Every backend call lakegate makes is accounted here: adapters call
 * `accountQuery(stats)` once per call. The stats go to the current request's scope
 * (reported in the response's extensions.cost) and to every registered sink (the
 * query ledger, metrics). The scope follows the request through async work,
 * DataLoader batches included, via AsyncLocalStorage.
 */
export type CacheStatus = 'hit' | 'miss' | 'stale' | 'bypass' | 'error';

export interface CacheEvent {
  /** What was read, e.g. 'eventStats' (no user data). */
  label: string;
  status: CacheStatus;
  backend?: string;
  /** For a fresh hit: the entry the answer was built from (for the response cache; never sent to clients). */
  dependency?: CacheDependency;
}

/** A cache entry a response was built from: it stays valid while the entry is unchanged and fresh. */
export interface CacheDependency {
  key: string;
  /** Digest of the stored entry, as read. */
  digest: string;
  freshUntil: number;
  /** The entry's dataset and domain tags (what invalidates it). */
  tags: readonly string[];
}

export interface QueryScope {
  requestId: string;
  /** Aborted when the client goes away or the request times out. */
  signal?: AbortSignal;
  queries: QueryStats[];
  cache: CacheEvent[];
  /** 'hit' when the whole response came from the response cache (src/cache/response-cache.ts). */
  response?: 'hit';
  /** Backend calls of this request still running (see trackBackendWork). */
  running?: number;
  /** Resolves the waiters of `settled` once nothing is running. */
  idle?: Array<() => void>;
  /** Cancels what the request still runs (its abort signal): set by the HTTP layer. */
  cancel?: (reason: Error) => void;
  /** What the request may still spend (src/observability/request-budget.ts). */
  budget?: RequestBudget;
  /** Set when an events answer was empty and its range reaches outside the data: sent as extensions.dataWindow. */
  dataWindow?: { oldestDay: string; newestDay: string };
  /** Who asks (set once authenticated): admission control queues per principal. Absent: background work. */
  principal?: string;
  /** When the request times out (epoch ms): a backend query waits for a slot at most until then. */
  deadline?: number;
  /** The customers a tenant principal is bound to (sorted); absent: all. Read through src/auth/tenant.ts. */
  tenant?: readonly string[];
}

const storage = new AsyncLocalStorage<QueryScope>();
/** The queue wait of the backend call in progress (src/admission), added to the stats it accounts. */
const queueWait = new AsyncLocalStorage<number>();
const sinks = new Set<(stats: QueryStats) => void>();

export function newQueryScope(requestId: string, signal?: AbortSignal): QueryScope {
  return { requestId, signal, queries: [], cache: [] };
}

export function runInQueryScope<T>(scope: QueryScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentQueryScope(): QueryScope | undefined {
  return storage.getStore();
}

/** The abort signal of the current request, if any. */
export function currentSignal(): AbortSignal | undefined {
  return storage.getStore()?.signal;
}

/** Runs a backend call that waited `queueMs` for its slot: its accounted stats say so. */
export function withQueueWait<T>(queueMs: number, fn: () => T): T {
  return queueWait.run(queueMs, fn);
}

export function accountQuery(accounted: QueryStats): void {
  const waited = queueWait.getStore();
  const stats = waited !== undefined && waited >= 1 && accounted.queueMs === undefined ? { ...accounted, queueMs: waited } : accounted;
  storage.getStore()?.queries.push(stats);
  if (tracingEnabled()) traceQueryStats(stats);
  for (const sink of sinks) {
    try {
      sink(stats);
    } catch {
      // A failing sink (metrics, ledger buffer) must never fail the query.
    }
  }
}

export function accountCache(event: CacheEvent): void {
  storage.getStore()?.cache.push(event);
  if (tracingEnabled()) traceCacheRead(event.label, event.status);
}

/** Registers a sink; returns a function that removes it. */
export function addQuerySink(sink: (stats: QueryStats) => void): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/**
 * Runs one backend call counted as running in the current request's scope, so that
 * a request whose answer is final can cancel what it still runs and wait for it to
 * settle (and be accounted) before the answer leaves (src/server/plugins/outstanding-work.plugin.ts).
 * With tracing on, the call is a span (src/observability/tracing.ts), named and
 * filled by its accountQuery.
 */
export async function trackBackendWork<T>(run: () => Promise<T>): Promise<T> {
  const work = tracingEnabled() ? () => traceBackendWork(run) : run;
  const scope = storage.getStore();
  if (!scope) return work();
  scope.running = (scope.running ?? 0) + 1;
  try {
    return await work();
  } finally {
    scope.running--;
    if (scope.running === 0 && scope.idle) {
      const waiters = scope.idle;
      scope.idle = undefined;
      for (const resolve of waiters) resolve();
    }
  }
}

/** Runs a backend call that is not the request's to cancel (background writes) in a span of its own when tracing. */
export function inBackendSpan<T>(run: () => Promise<T>): Promise<T> {
  return tracingEnabled() ? traceBackendWork(run) : run();
}

/** Resolves once no backend call of the scope runs, or after `timeoutMs`; true when settled. */
export function settled(scope: QueryScope, timeoutMs: number): Promise<boolean> {
  if (!scope.running) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    (scope.idle ??= []).push(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Wall-clock helper for adapters: ms with sub-millisecond precision. */
export function elapsedMs(startedAt: bigint): number {
  return Number(process.hrtime.bigint() - startedAt) / 1e6;
}
