import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../observability/metrics';

/** Erasure metrics on the process registry (served at /metrics by the server; a worker has no HTTP port). */
export const gdprMetrics = {
  settled: new Counter<'outcome'>({
    name: 'lakegate_gdpr_requests_settled_total',
    help: 'Deletion requests at the end of an executor pass, by outcome (completed, failed, waiting, interrupted)',
    labelNames: ['outcome'],
    registers: [metricsRegistry],
  }),
  passSeconds: new Histogram({
    name: 'lakegate_gdpr_pass_seconds',
    help: 'Duration of an executor pass (a batch of claimed requests through every store and the verification)',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [metricsRegistry],
  }),
  open: new Gauge({
    name: 'lakegate_gdpr_open_requests',
    help: 'Deletion requests not yet completed (PENDING, RUNNING or FAILED), as the executor last counted them when idle',
    registers: [metricsRegistry],
  }),
};
