import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { RequestContext } from '../../context/request-context';
import { currentRequestSpan, markSpanFailed } from '../../observability/tracing';
import { sentCodes } from './request-log.plugin';

/**
 * Names the span of the request (started by the HTTP layer, src/server/http.ts)
 * after its operation, `query Weekly`, and adds what the response said: the error
 * codes as sent, the backend queries, bytes scanned and estimated cost. Registered
 * only when tracing is on.
 */
export function tracingPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const span = currentRequestSpan();
      if (!span) return undefined;
      span.setAttribute('lakegate.request_id', contextValue.requestId);
      span.setAttribute('lakegate.principal', contextValue.principal.id);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const name = operationName ?? operation.name?.value ?? 'anonymous';
          span.updateName(`${operation.operation} ${name}`);
          span.setAttributes({ 'graphql.operation.type': operation.operation, 'graphql.operation.name': name });
        },
        async willSendResponse({ response }) {
          const sent: readonly GraphQLFormattedError[] | undefined = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          const codes = sentCodes(sent);
          const queries = contextValue.scope.queries;
          span.setAttributes({
            'http.response.status_code': response.http.status ?? 200,
            'lakegate.backend_queries': queries.length,
            'lakegate.bytes_scanned': queries.reduce((s, q) => s + q.bytesScanned, 0),
            'lakegate.cost_usd': queries.reduce((s, q) => s + q.costUsd, 0),
          });
          if (contextValue.scope.response === 'hit') span.setAttribute('lakegate.cache.response', 'hit');
          if (codes.length > 0) {
            span.setAttribute('lakegate.error_codes', codes);
            markSpanFailed(span, codes);
          }
        },
      };
    },
  };
}
