import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context/request-context';

/**
 * `extensions.dataWindow: { oldestDay, newestDay }` on an answer whose events or
 * eventStats came back empty with a range reaching outside the days the data
 * holds (resolvers/event.resolver.ts): an empty answer then says where to look.
 * A key someone else set is left alone.
 */
export function dataWindowPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const window = contextValue.scope.dataWindow;
          if (!window || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.extensions?.dataWindow !== undefined) return;
          result.extensions = { ...result.extensions, dataWindow: window };
        },
      };
    },
  };
}
