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
          // Plain loops: this runs for every response, cache hits included.
          const { queries: accounted, cache } = contextValue.scope;
          const queries = [];
          let ms = 0;
          let bytesScanned = 0;
          let costUsd = 0;
          for (const stats of accounted) {
            const q = publicStats(stats);
            queries.push(q);
            ms += q.ms;
            bytesScanned += q.bytesScanned;
            costUsd += q.costUsd;
          }
          let hits = 0;
          let misses = 0;
          let stale = 0;
          const reads = [];
          for (const read of cache) {
            if (read.status === 'hit') hits++;
            else if (read.status === 'miss') misses++;
            else if (read.status === 'stale') stale++;
            // Never the dependency (internal cache keys).
            reads.push(read.backend === undefined ? { label: read.label, status: read.status } : { label: read.label, status: read.status, backend: read.backend });
          }
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            cost: { queries, total: { queries: queries.length, ms: round3(ms), bytesScanned, costUsd: Math.round(costUsd * 1e6) / 1e6 } },
            cache: { reads, hits, misses, stale, ...(contextValue.scope.response ? { response: contextValue.scope.response } : {}) },
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
    ...(s.queueMs !== undefined ? { queueMs: round3(s.queueMs) } : {}),
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
