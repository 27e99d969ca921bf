import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../observability/metrics';

/** Cache metrics on the process registry (served at /metrics). */
const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
  new Counter<L>({ name, help, labelNames, registers: [metricsRegistry] });

export const cacheMetrics = {
  hits: counter('lakegate_cache_hits_total', 'Reads answered from the cache (fresh)', ['domain']),
  misses: counter('lakegate_cache_misses_total', 'Reads that loaded from the backend', ['domain']),
  stale: counter('lakegate_cache_stale_total', 'Reads answered stale while one refresh runs', ['domain']),
  bypass: counter('lakegate_cache_bypass_total', 'Reads not cached (domain off, no freshness left)', ['domain']),
  errors: counter('lakegate_cache_errors_total', 'Cache operations that failed or timed out (the read fell back to the backend)', ['domain', 'op']),
  singleFlightJoins: counter('lakegate_cache_singleflight_joins_total', 'Reads that joined an identical read in flight in this process', ['domain']),
  lockWaits: counter('lakegate_cache_lock_waits_total', "Reads that waited for another process's fill, by outcome (value, released, timeout)", [
    'domain',
    'outcome',
  ]),
  fillsRefused: counter('lakegate_cache_fills_refused_total', 'Fills not stored because an invalidation ran while they loaded', ['domain']),
  refreshes: counter('lakegate_cache_refreshes_total', 'Background refreshes of stale entries, by outcome', ['domain', 'outcome']),
  responses: counter('lakegate_cache_responses_total', 'Whole responses: served from the response cache (hit), looked up and executed (miss), stored', ['outcome']),
  invalidated: counter('lakegate_cache_invalidated_entries_total', 'Entries dropped by invalidation, by kind (dataset, subject, tag)', ['kind']),
  opSeconds: new Histogram<'adapter' | 'op'>({
    name: 'lakegate_cache_op_seconds',
    help: 'Latency of cache operations',
    labelNames: ['adapter', 'op'],
    buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [metricsRegistry],
  }),
};
