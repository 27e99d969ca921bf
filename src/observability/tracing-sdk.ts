import type { TracingConfig } from '../config/tracing';
import type { Logger } from './logger';
import { setTracingEnabled } from './tracing';

export interface TracingHandle {
  /** Exports what is buffered, then stops tracing (the process may start it again). */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

let running: TracingHandle | undefined;

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): a Node tracer
 * provider (AsyncLocalStorage context, W3C trace context and baggage propagation)
 * exporting in batches over OTLP/HTTP as JSON. The SDK is loaded only then, so a
 * server without tracing pays nothing for it. One provider per process: a second
 * start while one runs is refused with a warning.
 */
export async function startTracing(config: TracingConfig, logger: Logger): Promise<TracingHandle | undefined> {
  if (!config.url) return undefined;
  if (running) {
    logger.warn('tracing: already started in this process; this app shares it');
    return undefined;
  }
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, api] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/api'),
  ]);
  // The SDK reports export failures (collector down) through its diagnostic logger.
  api.diag.setLogger(
    {
      error: (message, ...args) => logger.warn({ otel: args.map(String) }, `tracing: ${message}`),
      warn: (message, ...args) => logger.warn({ otel: args.map(String) }, `tracing: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    api.DiagLogLevel.WARN,
  );
  const exporter = new OTLPTraceExporter({ url: config.url, headers: config.headers });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  setTracingEnabled(true);
  logger.info({ url: withoutCredentials(config.url), serviceName: config.serviceName }, 'tracing: exporting spans over OTLP/HTTP (JSON)');

  let stopped: Promise<void> | undefined;
  const handle: TracingHandle = {
    forceFlush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= (async () => {
        setTracingEnabled(false);
        try {
          await provider.shutdown();
        } catch (error) {
          logger.warn({ err: error }, 'tracing: the last spans could not be exported');
        } finally {
          api.trace.disable();
          api.context.disable();
          api.propagation.disable();
          api.diag.disable();
          running = undefined;
        }
      })()),
  };
  running = handle;
  return handle;
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  return parsed.toString();
}
