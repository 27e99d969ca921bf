import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context/request-context';

/**
 * An operation that failed as a whole because an engine shed its queries (no data,
 * only BACKEND_BUSY errors) answers HTTP 503 with Retry-After, which load
 * balancers and clients understand; a partial answer stays 200.
 */
export function busyStatusPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (!errors?.length || (data !== null && data !== undefined)) return;
          if (!errors.every((e) => e.extensions?.code === 'BACKEND_BUSY')) return;
          const retry = Math.max(...errors.map((e) => Number(e.extensions?.retryAfterSeconds) || 1));
          response.http.status = 503;
          response.http.headers.set('retry-after', String(retry));
        },
      };
    },
  };
}
