import type { ApolloServerPlugin } from '@apollo/server';
import { Histogram } from 'prom-client';
import type { RequestContext } from '../../context/request-context';
import { metricsRegistry } from '../../observability/metrics';

const operationDuration = new Histogram({
  name: 'lakegate_graphql_operation_seconds',
  help: 'GraphQL operations by name and outcome',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** One JSON log line per operation (with the request id) and an operation histogram. */
export function requestLogPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, errors, operationName, operation }) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const codes = (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          const outcome = codes.length === 0 ? 'ok' : codes[0]!;
          const name = operationName ?? operation?.name?.value ?? 'anonymous';
          operationDuration.observe({ operation: name.slice(0, 64), outcome }, ms / 1000);
          const queries = contextValue.scope.queries;
          contextValue.logger.info(
            {
              operation: name,
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
