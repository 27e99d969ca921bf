import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../observability/metrics';
import type { GateObserver } from './engine-gate';

const inflight = new Gauge<'engine'>({ name: 'lakegate_backend_inflight', help: 'Backend queries running, per engine (admission control)', labelNames: ['engine'], registers: [metricsRegistry] });
const depth = new Gauge<'engine'>({ name: 'lakegate_backend_queue_depth', help: 'Backend queries waiting for a slot, per engine', labelNames: ['engine'], registers: [metricsRegistry] });
const wait = new Histogram<'engine'>({
  name: 'lakegate_backend_queue_wait_seconds',
  help: 'Time a backend query waited for a slot of its engine',
  labelNames: ['engine'],
  buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});
const shed = new Counter<'engine' | 'reason'>({
  name: 'lakegate_backend_shed_total',
  help: 'Backend queries refused with BACKEND_BUSY, per engine and reason (depth: queue full; wait: no slot in time; deadline: the request had no time left)',
  labelNames: ['engine', 'reason'],
  registers: [metricsRegistry],
});

const sharedUnavailable = new Counter<'engine'>({
  name: 'lakegate_backend_shared_limit_unavailable_total',
  help: 'Queries that ran under the local limit only because the shared limit (Redis) could not be reached',
  labelNames: ['engine'],
  registers: [metricsRegistry],
});

export const gateMetrics: GateObserver = {
  sharedUnavailable: (engine) => sharedUnavailable.inc({ engine }),
  inflight: (engine, n) => inflight.set({ engine }, n),
  depth: (engine, n) => depth.set({ engine }, n),
  waited: (engine, ms) => wait.observe({ engine }, ms / 1000),
  shed: (engine, reason) => shed.inc({ engine, reason }),
};
