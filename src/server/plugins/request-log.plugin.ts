import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { Counter, Histogram } from 'prom-client';
import type { RequestContext } from '../../context/request-context';
import { metricsRegistry } from '../../observability/metrics';
import { buildExampleTabs, WELCOME_QUERY } from '../graphiql-app/examples';

const operationDuration = new Histogram({
  name: 'lakegate_graphql_operation_seconds',
  help: 'GraphQL operations by name (known names only, others as "other") and outcome (ok, or the first error code sent)',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

const operationErrors = new Counter({
  name: 'lakegate_graphql_errors_total',
  help: 'Errors sent to clients, by code (extensions.code as the client received it)',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

/** The operation names of GraphiQL's bundled examples: known without configuration. */
export function exampleOperationNames(): string[] {
  const names = new Set<string>();
  for (const text of [WELCOME_QUERY, ...buildExampleTabs().map((tab) => tab.query)]) {
    for (const match of text.matchAll(/\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]!);
  }
  return [...names];
}

/**
 * One JSON log line per operation (with the request id) and an operation histogram.
 *
 * Codes are those the client received (the formatted errors): the raw errors of a
 * resolver are GraphQLErrors wrapping an AppError, without a code of their own.
 * Metric labels are bounded: an operation name is a label only when it is known
 * (LAKEGATE_METRICS_OPERATIONS, or one of GraphiQL's examples); any other name is
 * `other`, so invented names cannot grow /metrics. The log line keeps the name.
 */
export function requestLogPlugin(options: { knownOperations?: Iterable<string> } = {}): ApolloServerPlugin<RequestContext> {
  const known = new Set(options.knownOperations ?? []);
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operationName, operation }) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const sent: readonly GraphQLFormattedError[] | undefined = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          const codes = (sent ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR'));
          const outcome = codes.length === 0 ? 'ok' : codes[0]!;
          const name = operationName ?? operation?.name?.value ?? null;
          const label = name === null ? 'anonymous' : known.has(name) ? name : 'other';
          operationDuration.observe({ operation: label, outcome }, ms / 1000);
          for (const code of codes) operationErrors.inc({ code });
          const queries = contextValue.scope.queries;
          contextValue.logger.info(
            {
              operation: name ?? 'anonymous',
              type: operation?.operation,
              principal: contextValue.principal.id,
              ms: Math.round(ms * 100) / 100,
              status: response.http.status ?? 200,
              errors: codes.length ? codes : undefined,
              backendQueries: queries.length,
              bytesScanned: queries.reduce((s, q) => s + q.bytesScanned, 0),
              cacheHits: contextValue.scope.cache.filter((c) => c.status === 'hit').length,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
