import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context/request-context';
import { LARGE_RESULT_ROWS, markLargeResult } from '../stringify-result';

/**
 * Tells the serializer (src/server/stringify-result.ts) which answers are large, from
 * the rows the request budget counted, so that only those pay for the sliced writer.
 */
export function responseSizePlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const data = response.body.singleResult.data;
          const rows = contextValue.scope.budget?.spent.rows ?? 0;
          if (data && rows > LARGE_RESULT_ROWS) markLargeResult(data);
        },
      };
    },
  };
}
