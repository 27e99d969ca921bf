import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context/request-context';
import { settled } from '../../observability/query-accounting';

/** How long a final answer waits for its cancelled backend calls to settle and be accounted. */
const SETTLE_MS = 2000;

/**
 * When execution ends, nothing of the request may keep running. graphql-js ends an
 * operation as soon as an error reaches a non-null root field, while the other
 * root fields' resolvers are still running: without this, their scans went on
 * after the answer (29 DuckDB scans behind a 50 ms error answer) and their cost
 * was accounted after the request log line. Here they are cancelled at once, and
 * the answer waits (briefly) until they have stopped, so `extensions.cost`, the log
 * line and the ledger all count them.
 */
export function outstandingWorkPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue }) {
          return {
            async executionDidEnd() {
              const scope = contextValue.scope;
              // Always: a resolver still on its way to a backend (reading the cache,
              // planning a scan) must not start its query after the answer either.
              scope.cancel?.(new Error('the answer to this request is final; its other fields were cancelled'));
              if (scope.running) await settled(scope, SETTLE_MS);
            },
          };
        },
      };
    },
  };
}
