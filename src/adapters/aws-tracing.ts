import { injectTraceContext, tracingEnabled, withClientSpan } from '../observability/tracing';

/**
 * AWS SDK v3 calls in the trace, without the OpenTelemetry AWS SDK instrumentation
 * (which patches module loading): two middlewares on each client we make.
 * - initialize: a CLIENT span per command (`DynamoDB.Query`, `Athena.StartQueryExecution`),
 *   child of the backend query or step that runs it, covering the SDK's retries,
 *   with the rpc.* attributes, the HTTP status and the AWS request id;
 * - build: the W3C trace context (`traceparent`) on the HTTP request, before it is
 *   signed, so that an endpoint that reads it (a proxy, an emulator, a collector
 *   sidecar) continues the trace. AWS services themselves ignore it.
 * Both are a flag check when tracing is off.
 */
interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}
interface HandlerArgs {
  request?: unknown;
}
interface CommandOutput {
  output?: { $metadata?: { httpStatusCode?: number; requestId?: string } };
}
type Handler = (args: HandlerArgs) => Promise<CommandOutput>;
type Middleware = (next: Handler, context: MiddlewareContext) => Handler;
interface TraceableClient {
  config: { region?: unknown };
  middlewareStack: { add(middleware: Middleware, options: { step: 'initialize' | 'build'; name: string; override?: boolean }): void };
}

const commandSpan: Middleware = (next, context) => async (args) => {
  if (!tracingEnabled()) return next(args);
  const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
  const method = (context.commandName ?? 'Command').replace(/Command$/, '');
  return withClientSpan(`${service}.${method}`, { 'rpc.system': 'aws-api', 'rpc.service': service, 'rpc.method': method }, () => next(args), (span, result) => {
    const metadata = result.output?.$metadata;
    if (metadata?.httpStatusCode !== undefined) span.setAttribute('http.response.status_code', metadata.httpStatusCode);
    if (metadata?.requestId) span.setAttribute('aws.request_id', metadata.requestId);
  });
};

const traceHeaders: Middleware = (next) => async (args) => {
  if (tracingEnabled()) {
    const request = args.request as { headers?: Record<string, string> } | undefined;
    if (request?.headers) injectTraceContext(request.headers);
  }
  return next(args);
};

/** Adds the tracing middlewares to an AWS SDK client (every client of src/adapters is made through this). */
export function traceAwsClient<C>(client: C): C {
  const stack = (client as unknown as TraceableClient).middlewareStack;
  stack.add(commandSpan, { step: 'initialize', name: 'lakegateTraceSpan', override: true });
  stack.add(traceHeaders, { step: 'build', name: 'lakegateTraceHeaders', override: true });
  return client;
}
