// Stampede: 100 concurrent identical requests for an entry that is not cached run
// exactly one backend query, with Redis:
//   1. one server process: 100 requests at once;
//   2. two server processes sharing one Redis: 50 requests to each, at once.
// Counted two ways: the backend queries listed in extensions.cost of the 100
// answers, and the servers' own metrics (/metrics: lakegate_backend_query_seconds_count
// for the query's label, the sink that also feeds the query ledger, and the cache
// miss counters). Target: 1 backend query in both cases. The query is the weekly
// dataset over the lake (the slowest read, so the misses truly overlap).
//
// The second process serves a second data directory over the same files (DuckDB
// and dynalite lock their files): the lake hard-linked, the rest copied, the same
// subject-hash key, so both build the same cache keys.
//
// Run: node bench/stampede.mjs [--quick] [--data-dir DIR] [--json-out FILE]
import { cleanup, datasetSpec, figure, finish, parseArgs, runMain } from './lib/common.mjs';
import { ensureDataset, linkedCopy, removeDir, weeklyWindow } from './lib/dataset.mjs';
import { backendQueries, gql, metricSum, WEEKLY_STATS_QUERY, weeklyStatsInput } from './lib/graphql.mjs';
import { startLakegate, startRedis } from './lib/server.mjs';

const LABEL = 'eventStats.lake';
const CONCURRENT = 100;

async function counters(servers) {
  let queries = 0;
  let misses = 0;
  let hits = 0;
  for (const s of servers) {
    queries += await metricSum(s.base, 'lakegate_backend_query_seconds_count', { label: LABEL });
    misses += await metricSum(s.base, 'lakegate_cache_misses_total', { domain: 'lake' });
    hits += await metricSum(s.base, 'lakegate_cache_hits_total', { domain: 'lake' });
  }
  return { queries, misses, hits };
}

/** Fires `CONCURRENT` identical requests at once, spread round-robin over `servers`. */
async function stampede(servers, redis, variables) {
  await redis.flush();
  const before = await counters(servers);
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => gql(servers[i % servers.length].url, WEEKLY_STATS_QUERY, variables)));
  const wallMs = Date.now() - started;
  const after = await counters(servers);
  const first = JSON.stringify(answers[0].body.data);
  if (answers.some((a) => JSON.stringify(a.body.data) !== first)) throw new Error('the answers differ');
  const statuses = {};
  for (const a of answers) for (const read of a.body.extensions.cache.reads) statuses[read.status] = (statuses[read.status] ?? 0) + 1;
  return {
    requests: answers.length,
    perServer: servers.map((_, k) => answers.filter((__, i) => i % servers.length === k).length),
    backendQueriesInResponses: answers.reduce((n, a) => n + backendQueries(a.body, LABEL).length, 0),
    backendQueriesInMetrics: after.queries - before.queries,
    cacheMissesInMetrics: after.misses - before.misses,
    cacheHitsInMetrics: after.hits - before.hits,
    cacheStatuses: statuses,
    wallMs,
  };
}

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const manifest = await ensureDataset(spec);
  const window = weeklyWindow(manifest);
  const variables = { input: weeklyStatsInput(window, 'LAKE') };
  console.log(`stampede: ${CONCURRENT} concurrent identical misses (eventStats weekly, LAKE ${window.from}..${window.to})`);

  const redis = await startRedis();
  const copy = linkedCopy(spec.dataDir);
  const servers = [];
  try {
    const env = { REDIS_URL: redis.url, LAKEGATE_CACHE_BACKEND: 'redis', LAKEGATE_LOG_LEVEL: 'warn' };
    servers.push(await startLakegate({ name: 'lakegate-1', dataDir: spec.dataDir, env }));
    servers.push(await startLakegate({ name: 'lakegate-2', dataDir: copy, env }));
    // Warm both (footers, JIT) with a different query shape, so the measured key stays cold.
    for (const s of servers) await gql(s.url, WEEKLY_STATS_QUERY, { input: { ...variables.input, groupBy: ['CUSTOMER_TYPE'] } });

    const single = await stampede([servers[0]], redis, variables);
    console.log(`  one process: ${JSON.stringify(single)}`);
    const shared = await stampede(servers, redis, variables);
    console.log(`  two processes: ${JSON.stringify(shared)}`);

    const figures = [
      figure('one process: backend queries (extensions.cost of 100 answers)', single.backendQueriesInResponses, '', { op: '==', value: 1 }),
      figure('one process: backend queries (metrics)', single.backendQueriesInMetrics, '', { op: '==', value: 1 }, `cache misses ${single.cacheMissesInMetrics}, statuses ${JSON.stringify(single.cacheStatuses)}, ${single.wallMs} ms`),
      figure('two processes, one Redis: backend queries (extensions.cost of 100 answers)', shared.backendQueriesInResponses, '', { op: '==', value: 1 }),
      figure('two processes, one Redis: backend queries (metrics of both)', shared.backendQueriesInMetrics, '', { op: '==', value: 1 }, `cache misses ${shared.cacheMissesInMetrics}, statuses ${JSON.stringify(shared.cacheStatuses)}, ${shared.wallMs} ms`),
    ];
    finish('stampede', options, { figures, details: { window, single, shared } });
  } finally {
    for (const s of servers) await s.stop();
    await redis.stop();
    removeDir(copy);
    await cleanup();
  }
}

runMain(main);
