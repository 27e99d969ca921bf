import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context/request-context';

/**
 * GraphQL over HTTP: a client that accepts only the legacy `application/json`
 * (not `application/graphql-response+json`) SHOULD get status 200 for documents
 * that fail to parse or validate and for bad variables; only the newer media type
 * signals those with 4xx. Apollo answers 400 either way, so adjust for those
 * clients. Authentication failures (401) and server errors are left alone.
 */
export function legacyJsonStatusPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request }) {
      const accept = request.http?.headers.get('accept') ?? '';
      const legacyOnly = /application\/json/i.test(accept) && !/application\/graphql-response\+json/i.test(accept);
      if (!legacyOnly) return;
      return {
        async willSendResponse({ response }) {
          if (response.http.status === 400 && response.body.kind === 'single' && response.body.singleResult.errors?.length) {
            response.http.status = 200;
          }
        },
      };
    },
  };
}
