import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../observability/metrics';

/** Load workflow metrics on the process registry. */
export const loadMetrics = {
  lag: new Gauge<'dataset'>({
    name: 'lakegate_dataset_lag_seconds',
    help: 'Seconds between now and the newest event loaded into the dataset, as last computed (after each load pass and each datasetFreshness query)',
    labelNames: ['dataset'],
    registers: [metricsRegistry],
  }),
  rows: new Counter<'dataset' | 'outcome'>({
    name: 'lakegate_load_rows_total',
    help: 'Landing rows by what the load did with them: lake.events added, duplicate, quarantined, erased; warehouse.daily_event_counts loaded (events aggregated)',
    labelNames: ['dataset', 'outcome'],
    registers: [metricsRegistry],
  }),
  seconds: new Histogram<'outcome'>({
    name: 'lakegate_load_seconds',
    help: 'Duration of the load of one day (landing -> lake -> warehouse), by outcome (loaded, failed)',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800],
    registers: [metricsRegistry],
  }),
};
