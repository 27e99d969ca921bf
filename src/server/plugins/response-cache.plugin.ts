import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { ResponseCache } from '../../cache/response-cache';
import type { RequestContext } from '../../context/request-context';

/**
 * Serves a repeated query from the response cache (src/cache/response-cache.ts)
 * without executing it, and offers each successful query's answer to it. Runs after
 * parsing, validation and the limits (they ran for this query text before); the
 * caller's scopes are part of the key, so authorization and masking are those of
 * an execution for the same scopes. Mutations are never cached.
 */
export function responseCachePlugin(responses: ResponseCache | undefined): ApolloServerPlugin<RequestContext> {
  if (!responses) return {};
  return {
    async requestDidStart() {
      let key: string | undefined;
      return {
        async responseForOperation({ operation, source, request, contextValue }) {
          // No operation: an unknown operationName, or several operations and none named;
          // execution answers it (400 OPERATION_RESOLUTION_FAILURE).
          if (!operation || operation.operation !== 'query') return null;
          key = responses.key({ query: source, operationName: request.operationName, variables: request.variables, scopes: contextValue.principal.scopes, tenant: contextValue.principal.customerIds });
          const found = await responses.lookup(key);
          if (!found) return null;
          contextValue.scope.cache.push(...found.reads);
          contextValue.scope.response = 'hit';
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: found.data } } };
        },
        async willSendResponse({ response, errors, contextValue }) {
          if (key === undefined || contextValue.scope.response === 'hit' || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if ((errors && errors.length > 0) || (result.errors && result.errors.length > 0) || !result.data) return;
          // Not awaited: the answer does not wait for the store.
          void responses.store(key, result.data, contextValue.scope);
        },
      };
    },
  };
}
