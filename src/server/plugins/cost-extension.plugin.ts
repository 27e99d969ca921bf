import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context/request-context';
import type { QueryStats } from '../../ports/sql-engine';

/**
 * Puts what the request cost into the response: `extensions.cost` lists every
 * backend query (engine, ms, bytes read, estimated USD) and a total, and
 * `extensions.cache` every cache read (hit, miss, stale).
 */
export function costExtensionPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const queries = contextValue.scope.queries.map(publicStats);
          const total = queries.reduce(
            (sum, q) => ({ queries: sum.queries + 1, ms: sum.ms + q.ms, bytesScanned: sum.bytesScanned + q.bytesScanned, costUsd: sum.costUsd + q.costUsd }),
            { queries: 0, ms: 0, bytesScanned: 0, costUsd: 0 },
          );
          const cache = contextValue.scope.cache;
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            cost: { queries, total: { ...total, ms: round3(total.ms), costUsd: Math.round(total.costUsd * 1e6) / 1e6 } },
            cache: {
              reads: cache,
              hits: cache.filter((c) => c.status === 'hit').length,
              misses: cache.filter((c) => c.status === 'miss').length,
              stale: cache.filter((c) => c.status === 'stale').length,
            },
          };
        },
      };
    },
  };
}

function publicStats(s: QueryStats) {
  return {
    engine: s.backend,
    label: s.label,
    ms: round3(s.ms),
    ...(s.engineMs !== undefined ? { engineMs: round3(s.engineMs) } : {}),
    bytesScanned: s.bytesScanned,
    rows: s.rows,
    costUsd: s.costUsd,
    ...(s.partitions !== undefined ? { partitions: s.partitions } : {}),
    ...(s.files !== undefined ? { files: s.files } : {}),
    ...(s.capacityUnits !== undefined ? { capacityUnits: s.capacityUnits } : {}),
    ...(s.queryId !== undefined ? { queryId: s.queryId } : {}),
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
