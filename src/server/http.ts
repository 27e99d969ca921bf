import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import { withTenantScopes } from '../auth/tenant';
import type { Config } from '../config/config';
import { createLoaders, type RequestContext, type RequestLoaders } from '../context/request-context';
import { ErrorCode, isAppError } from '../errors/app-error';
import type { Logger } from '../observability/logger';
import { metricsRegistry } from '../observability/metrics';
import { runInQueryScope, type QueryScope } from '../observability/query-accounting';
import { currentRequestSpan, markSpanFailed, runInRequestSpan, tracingEnabled } from '../observability/tracing';
import { RequestBudget } from '../observability/request-budget';
import type { Services } from '../services/services';
import { registerCors } from './cors';
import { exampleValuesSource } from './example-values';
import { registerGraphiql } from './graphiql';
import { registerHealth, type ReadinessCheck } from './health';
import { knownOperationNames, recordOperation } from './plugins/request-log.plugin';
import type { TrustedDocumentList } from './persisted-queries';
import type { RateLimiter } from './rate-limits';
import { RequestAbort } from './request-abort';

declare module 'fastify' {
  interface FastifyRequest {
    lakegate?: { scope: QueryScope; abort: RequestAbort; startedAt: number };
  }
}

export interface HttpServerOptions {
  config: Config;
  logger: Logger;
  services: Services;
  /** API keys and, when configured, JWT bearer tokens (src/auth/authenticator.ts). */
  authenticator: Authenticator;
  readiness: ReadinessCheck[];
  /** Admission control's state per engine, shown by /readyz (shedding is not unreadiness). */
  admissionState?: () => unknown;
  graphiqlAssetsDir: string;
  isDraining: () => boolean;
  /** Per-principal token buckets (LAKEGATE_RATE_LIMITS); undefined: no limit. */
  rateLimiter?: RateLimiter;
  /** LAKEGATE_TRUSTED_DOCUMENTS: only these operations run. */
  trustedDocuments?: TrustedDocumentList;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Fastify app: the Fastify instance is created first; Apollo is mounted by `mountGraphql` once started. */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One log line per GraphQL operation comes from the request-log plugin instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Honour a caller's request id (trace across services), else make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  // Callback hooks, not async ones: they run on every request, and a promise per hook is measurable.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    // GraphQL POSTs are logged per operation (request-log plugin).
    if (!(req.url.startsWith('/graphql') && req.method !== 'GET')) {
      req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'http request');
    }
    done();
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) req.log.error({ err: error }, 'unhandled HTTP error');
    return reply.code(status).send({ errors: [{ message: status === 500 ? 'Internal server error' : error.message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  // Browser pages on LAKEGATE_CORS_ORIGINS (none by default: no CORS headers at all).
  registerCors(app, options.config.cors.origins);
  registerHealth(app, options.readiness, options.isDraining, options.admissionState);
  const metricsToken = options.config.server.metricsToken;
  app.get('/metrics', async (req, reply) => {
    // LAKEGATE_METRICS_TOKEN set: scrapers present it as a bearer token.
    if (metricsToken !== undefined && !sameSecret(req.headers.authorization, `Bearer ${metricsToken}`)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').header('cache-control', 'no-store').send({ error: 'metrics need Authorization: Bearer <LAKEGATE_METRICS_TOKEN>' });
    }
    return reply.header('content-type', metricsRegistry.contentType).header('cache-control', 'no-store').send(await metricsRegistry.metrics());
  });
  registerGraphiql(app, {
    endpoint: '/graphql',
    assetsDir: options.graphiqlAssetsDir,
    enabled: options.config.server.graphiql,
    // The example tabs' dates and ids come from the data (ids only outside production).
    exampleValues: exampleValuesSource(options.services, { production: options.config.server.production, logger: options.logger }),
  });
  return app;
}

/**
 * Mounts Apollo at /graphql (GET and POST). Call after `apollo.start()`. Shutdown is
 * ordered by src/main.ts (stop accepting, drain, stop Apollo, close stores).
 */
export function mountGraphql(app: FastifyInstance, apollo: ApolloServer<RequestContext>, options: HttpServerOptions): void {
  const known = knownOperationNames(options.config.server.metricsOperations);
  const apolloHandler = fastifyApolloHandler<RequestContext>(apollo, {
    context: async (request) => {
      const state = request.lakegate!;
      let principal: Principal;
      try {
        principal = await authenticate(options.authenticator, request);
      } catch (error) {
        // Refused before Apollo has a context: no plugin of the request runs, so it is logged and counted here.
        logRefused(request, error, known);
        throw error;
      }
      // Admission control queues per caller (src/admission).
      state.scope.principal = principal.id;
      // Tenants: every service restricts its backend queries and cache keys to these customers (src/auth/tenant.ts);
      // platform scopes (catalog, cost, GDPR, administration) are never a tenant's, whatever a token claims.
      if (principal.customerIds) {
        principal = withTenantScopes(principal);
        state.scope.tenant = principal.customerIds;
      }
      try {
        // Before the document is parsed or validated: a refused request costs a bucket check and a hash lookup.
        if (options.rateLimiter) await options.rateLimiter.admit(principal, request.ip);
        options.trustedDocuments?.check(request);
      } catch (error) {
        logRefused(request, error, known);
        throw error;
      }
      return new HttpRequestContext(request.id, principal, request.log as unknown as Logger, state.scope, () => createLoaders(options.services, principal), state.abort);
    },
  });
  const handler = apolloHandler as unknown as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  const timeoutMs = options.config.server.requestTimeoutMs;
  const limits = options.config.limits;
  const run = async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    // Answers are per caller and may hold personal data: never stored by HTTP caches.
    reply.header('cache-control', 'no-store');
    // The abort signal is made on first use (see RequestAbort): a cache hit needs none.
    const abort = new RequestAbort(request, reply, timeoutMs);
    const scope: QueryScope = {
      requestId: request.id,
      queries: [],
      cache: [],
      get signal() {
        return abort.signal;
      },
      cancel: (reason) => abort.cancel(reason),
      budget: new RequestBudget(limits),
      deadline: Date.now() + timeoutMs,
    };
    request.lakegate = { scope, abort, startedAt: performance.now() };
    try {
      const serve = () => runInQueryScope(scope, () => handler.call(this, request, reply));
      // With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT): one span per request, under the caller's traceparent.
      return await (tracingEnabled() ? runInRequestSpan(request.headers, { 'http.request.method': request.method, 'url.path': '/graphql', 'lakegate.request_id': request.id }, serve) : serve());
    } finally {
      abort.dispose();
    }
  };
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/graphql', handler: run });
}

/**
 * The context of one GraphQL request. A class, so that `signal` and `loaders` stay
 * getters on the prototype: Apollo copies the context's own properties
 * (Object.assign) before executing, which would run own getters for every request.
 * The loaders are then memoized on the copy that the resolvers see.
 */
class HttpRequestContext implements RequestContext {
  private madeLoaders: RequestLoaders | undefined;

  constructor(
    readonly requestId: string,
    readonly principal: Principal,
    readonly logger: Logger,
    readonly scope: QueryScope,
    private readonly makeLoaders: () => RequestLoaders,
    private readonly abort: RequestAbort,
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Made on first use too: most operations resolve no customer or decision by key. */
  get loaders(): RequestLoaders {
    return (this.madeLoaders ??= this.makeLoaders());
  }
}

/** Constant-time comparison of a presented secret (digests: equal lengths whatever was sent). */
function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The log line and metrics of a request refused while its context was made (an unknown API key). */
function logRefused(request: FastifyRequest, error: unknown, known: ReadonlySet<string>): void {
  const extensions = error instanceof GraphQLError ? error.extensions : {};
  const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
  const http = extensions.http as { status?: number } | undefined;
  const name = requestedOperationName(request);
  const span = currentRequestSpan();
  if (span) {
    span.setAttributes({ 'http.response.status_code': http?.status ?? 500, 'lakegate.error_codes': [code] });
    markSpanFailed(span, [code]);
  }
  recordOperation(request.log as unknown as Logger, known, {
    name,
    ms: request.lakegate ? performance.now() - request.lakegate.startedAt : 0,
    status: http?.status ?? 500,
    codes: [code],
    backendQueries: 0,
    bytesScanned: 0,
    cacheHits: 0,
  });
}

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const FIRST_OPERATION = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,99})/;

/** The operation a request names (operationName, else its document's first named operation), without parsing it. */
function requestedOperationName(request: FastifyRequest): string | null {
  const params = (request.method === 'GET' ? request.query : request.body) as { operationName?: unknown; query?: unknown } | undefined;
  if (typeof params?.operationName === 'string') return OPERATION_NAME.test(params.operationName) ? params.operationName : 'other';
  return typeof params?.query === 'string' ? (FIRST_OPERATION.exec(params.query.slice(0, 2000))?.[1] ?? null) : null;
}

async function authenticate(authenticator: Authenticator, request: FastifyRequest): Promise<Principal> {
  try {
    return await authenticator.authenticate(request.headers.authorization);
  } catch (error) {
    if (isAppError(error)) {
      // The identity provider's key set is down and the token needs a key not fetched yet: retry, not re-login.
      if (error.code === ErrorCode.BACKEND_UNAVAILABLE) {
        throw new GraphQLError(error.message, { extensions: { ...error.details, code: error.code, retryable: true, http: { status: 503, headers: new Map([['retry-after', '5']]) } } });
      }
      // A refused JWT says why (RFC 6750: invalid_token); an unknown API key just asks for credentials.
      const reason = typeof error.details.reason === 'string' ? error.details.reason : undefined;
      const challenge = reason ? `Bearer error="invalid_token", error_description="${reason}"` : 'Bearer';
      throw new GraphQLError(error.message, { extensions: { ...error.details, code: error.code, http: { status: 401, headers: new Map([['www-authenticate', challenge]]) } } });
    }
    throw error;
  }
}
