import 'reflect-metadata';
import path from 'node:path';
import type { ApolloServer } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import { createAuthenticator } from './auth/authenticator';
import type { Config } from './config/config';
import type { RequestContext } from './context/request-context';
import { createLogger, setRootLogger, type Logger } from './observability/logger';
import { observeQuery } from './observability/metrics';
import { addQuerySink } from './observability/query-accounting';
import { tracingEnabled } from './observability/tracing';
import { startTracing } from './observability/tracing-sdk';
import { createSeedProgressReporter } from './seed/progress';
import { ensureSeeded } from './seed/seed-embedded';
import { seedOptionsFromConfig } from './seed/options';
import { createApolloServer } from './server/apollo';
import { persistedQueryOptions, TrustedDocumentList } from './server/persisted-queries';
import { RateLimiter } from './server/rate-limits';
import { responseCachePlugin } from './server/plugins/response-cache.plugin';
import { createHttpServer, mountGraphql } from './server/http';
import { buildLakegateSchema } from './server/schema';
import { traceResolvers } from './server/trace-resolvers';
import { LakeChangeWatcher } from './services/events/lake-watcher';
import type { Services } from './services/services';
import { createDeletionExecutor } from './gdpr/create-executor';
import type { DeletionExecutor } from './gdpr/executor';
import { PendingErasures } from './gdpr/pending-erasures';
import { createDemoProducer } from './wiring/demo-producer';
import { createBackends, type Backends } from './wiring/backends';
import { createServices } from './wiring/services';
import { resolveSubjectHashKey } from './wiring/subject-hash-key';

export interface App {
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  backends: Backends;
  services: Services;
  http: FastifyInstance;
  apollo: ApolloServer<RequestContext>;
  /** The in-server GDPR executor (absent with LAKEGATE_GDPR_EXECUTOR=false). */
  gdprExecutor: DeletionExecutor | undefined;
  /** Graceful stop: refuse new requests, drain in-flight ones (up to the grace period), close stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Seed progress output (default: stdout, a bar on a terminal). */
  progress?: NodeJS.WriteStream | false;
  /** Where the GraphiQL bundle is (default: dist/graphiql of this package). */
  graphiqlAssetsDir?: string;
}

/** The package root: dist/src/main.js and src/main.ts are both two levels below it. */
export const PACKAGE_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/**
 * Boots lakegate: stores (seeding the embedded data on first start), services,
 * schema, Apollo and HTTP. Resolves once the server listens.
 */
export async function startApp(config: Config, options: StartOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.server.logLevel);
  setRootLogger(logger);
  const started = Date.now();
  // Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set.
  const tracing = await startTracing(config.tracing, logger);
  const stopTracingOnFailure = async (error: unknown): Promise<never> => {
    await tracing?.shutdown();
    throw error;
  };
  const subjectHashKey = await resolveSubjectHashKey(config, logger).catch(stopTracingOnFailure);

  const backends = await createBackends(config, logger, subjectHashKey, {
    beforeSqlOpen: async ({ decisions }) => {
      if (config.aws.lake !== 'duckdb' && config.aws.warehouse !== 'duckdb') return;
      const reporter = options.progress === false ? undefined : createSeedProgressReporter(options.progress ?? process.stdout);
      const { seeded, manifest } = await ensureSeeded(seedOptionsFromConfig(config, decisions, { onProgress: reporter?.onProgress }));
      reporter?.stop();
      if (seeded) logger.info({ events: manifest.events, days: manifest.days, customers: manifest.customers, decisions: manifest.decisions, ms: Date.now() - started }, 'demo data generated');
      else logger.info({ events: manifest.events, days: manifest.days, endDay: manifest.endDay }, 'using the existing demo data');
    },
  }).catch(stopTracingOnFailure);
  const removeSinks = [addQuerySink((stats) => backends.queryLedger.record(stats)), addQuerySink(observeQuery)];
  let pendingErasures: PendingErasures | undefined;

  try {
    const services = createServices(config, backends);
    const lakeWatcher = new LakeChangeWatcher(backends.lake, backends.cacheReader, logger, config.embedded.lakeWatchMs);
    lakeWatcher.start();
    // The caches' view of erasures not yet purged from them (issue 16, M2): listed before the first request is served.
    pendingErasures = backends.cache
      ? new PendingErasures(backends.gdpr.ledger, backends.erasureGuard, { refreshMs: Math.max(1000, config.gdpr.pollIntervalMs), logger, wake: () => gdprExecutor?.wake() })
      : undefined;
    const gdprExecutor = config.gdpr.executorInServer
      ? createDeletionExecutor(backends.gdpr, config.gdpr, logger, { onPass: () => void pendingErasures?.refresh() })
      : undefined;
    services.deletions.onRequested((request) => {
      pendingErasures?.recorded(request.subjectHash);
      gdprExecutor?.wake();
    });
    await pendingErasures?.start();
    const loadRunner = config.loads.scheduler ? services.loads.runner : undefined;
    const demoProducer = createDemoProducer(config, backends, logger);
    const schema = buildLakegateSchema(services);
    if (tracingEnabled()) traceResolvers(schema);
    // Persisted queries: APQ in the shared cache, or only the trusted documents (LAKEGATE_TRUSTED_DOCUMENTS).
    const persistedQueries = persistedQueryOptions(config.persistedQueries, backends.cache, logger);
    const trustedDocuments = persistedQueries && persistedQueries.cache instanceof TrustedDocumentList ? persistedQueries.cache : undefined;
    if (trustedDocuments) logger.info({ operations: trustedDocuments.size, manifest: config.persistedQueries.trusted!.path }, 'trusted documents: only the listed operations run');
    const apollo = createApolloServer(schema, config, logger, [responseCachePlugin(backends.responseCache), ...(trustedDocuments ? [trustedDocuments.plugin()] : [])], persistedQueries);
    await apollo.start();

    let draining = false;
    const httpOptions = {
      config,
      logger,
      services,
      authenticator: createAuthenticator(config),
      readiness: backends.readiness,
      admissionState: () => backends.admission.state(),
      graphiqlAssetsDir: options.graphiqlAssetsDir ?? path.join(PACKAGE_ROOT, 'dist/graphiql'),
      isDraining: () => draining,
      // Per-principal token buckets (LAKEGATE_RATE_LIMITS): shared through Redis when REDIS_URL is set.
      rateLimiter: config.rateLimits.enabled ? new RateLimiter(config.rateLimits, { shared: backends.rateLimitBuckets, logger, breakerMs: config.cache.breakerMs }) : undefined,
      trustedDocuments,
    };
    const http = createHttpServer(httpOptions);
    mountGraphql(http, apollo, httpOptions);
    await http.listen({ port: config.server.port, host: config.server.host });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    const url = `http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${port}/graphql`;
    logger.info({ url, mode: config.mode, ms: Date.now() - started }, 'lakegate is ready');
    gdprExecutor?.start();
    loadRunner?.start();
    demoProducer?.start();
    if (demoProducer) logger.info({ everyMs: config.loads.demoProducerMs, events: config.loads.demoEventsPerFile }, 'demo producer: writing landing files for today (LAKEGATE_LOADS_DEMO_PRODUCER_MS=0 turns it off)');

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        draining = true;
        // First: a pass in progress gives its leases back before the stores close.
        demoProducer?.stop();
        await loadRunner?.stop();
        logger.debug('shutdown: loader stopped');
        await gdprExecutor?.stop();
        await pendingErasures?.stop();
        logger.debug('shutdown: erasure work stopped');
        await lakeWatcher.stop();
        logger.debug('shutdown: lake watcher stopped');
        const grace = setTimeout(() => http.server.closeAllConnections(), config.server.shutdownGraceMs);
        grace.unref();
        await http.close();
        clearTimeout(grace);
        logger.debug('shutdown: HTTP closed');
        await apollo.stop();
        logger.debug('shutdown: Apollo stopped');
        removeSinks.forEach((remove) => remove());
        await backends.close();
        logger.debug('shutdown: stores closed');
        await tracing?.shutdown();
        logger.info('lakegate stopped');
      })());
    return { url, port, config, logger, backends, services, http, apollo, gdprExecutor, close };
  } catch (error) {
    await pendingErasures?.stop();
    removeSinks.forEach((remove) => remove());
    await backends.close();
    await tracing?.shutdown();
    throw error;
  }
}
