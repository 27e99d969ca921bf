import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueryStats } from '../ports/sql-engine';

/**
 * Prometheus metrics, one registry per process (served at /metrics). Modules that
 * need their own metrics register them on `metricsRegistry`.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'lakegate_process_' });

export const backendQueryDuration = new Histogram({
  name: 'lakegate_backend_query_seconds',
  help: 'Backend query wall time seen by lakegate',
  labelNames: ['backend', 'label'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

export const backendBytesScanned = new Counter({
  name: 'lakegate_backend_bytes_scanned_total',
  help: 'Bytes scanned by backend queries',
  labelNames: ['backend'] as const,
  registers: [metricsRegistry],
});

export const backendCostUsd = new Counter({
  name: 'lakegate_backend_cost_usd_total',
  help: 'Estimated USD spent by backend queries',
  labelNames: ['backend'] as const,
  registers: [metricsRegistry],
});

export function observeQuery(stats: QueryStats): void {
  backendQueryDuration.observe({ backend: stats.backend, label: stats.label }, stats.ms / 1000);
  backendBytesScanned.inc({ backend: stats.backend }, stats.bytesScanned);
  if (stats.costUsd > 0) backendCostUsd.inc({ backend: stats.backend }, stats.costUsd);
}
