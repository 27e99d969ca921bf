import { loadConfig } from '../config/config';
import { createDeletionExecutor } from '../gdpr/create-executor';
import { createLogger } from '../observability/logger';
import { observeQuery } from '../observability/metrics';
import { addQuerySink } from '../observability/query-accounting';
import { startTracing } from '../observability/tracing-sdk';
import { createBackends } from '../wiring/backends';
import { createServices } from '../wiring/services';
import { resolveSubjectHashKey } from '../wiring/subject-hash-key';

/**
 * `lakegate worker [--exit-when-idle]`: the GDPR executor (and, without
 * --exit-when-idle, the load scheduler) on its own. The executor claims
 * deletion requests with a lease, so any number of workers (and servers with
 * LAKEGATE_GDPR_EXECUTOR=true) can run against one ledger.
 *
 * AWS mode: run it beside the servers (e.g. with LAKEGATE_GDPR_EXECUTOR=false on
 * the servers). Embedded mode is single-process: the server holds the data
 * directory's dynalite and DuckDB files, so a worker there runs only while the
 * server is stopped (it refuses to start otherwise, naming the lock).
 *
 * Runs until SIGTERM/SIGINT (the pass in progress gives its leases back first),
 * or with --exit-when-idle until no request is open any more.
 */
export async function worker(options: { exitWhenIdle: boolean }): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.server.logLevel);
  // Erasure passes as traces, when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing(config.tracing, logger);
  const subjectHashKey = await resolveSubjectHashKey(config, logger);
  const backends = await createBackends(config, logger, subjectHashKey);
  const removeSinks = [addQuerySink((stats) => backends.queryLedger.record(stats)), addQuerySink(observeQuery)];
  const executor = createDeletionExecutor(backends.gdpr, config.gdpr, logger);
  // The load scheduler too (LAKEGATE_LOADS_SCHEDULER): days are leased, so workers and servers share the work.
  const loadRunner = config.loads.scheduler && !options.exitWhenIdle ? createServices(config, backends).loads.runner : undefined;
  logger.info({ owner: executor.owner, mode: config.mode, batchSize: config.gdpr.batchSize, leaseMs: config.gdpr.leaseMs }, 'gdpr worker started');

  let stopped: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (signal: string) => {
    logger.info({ signal }, 'gdpr worker stopping');
    stopped();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  try {
    if (options.exitWhenIdle) {
      await Promise.race([executor.runUntilIdle(), stopping]);
    } else {
      executor.start();
      loadRunner?.start();
      await stopping;
    }
    await loadRunner?.stop();
    await executor.stop();
    logger.info('gdpr worker stopped');
    return 0;
  } finally {
    removeSinks.forEach((remove) => remove());
    await backends.close();
    await tracing?.shutdown();
  }
}
