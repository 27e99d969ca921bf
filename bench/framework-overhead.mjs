// Framework overhead: a small query through lakegate's whole stack (Fastify,
// Apollo with our plugins, per-request context, type-graphql schema, auth, cost
// and cache extensions, request log) over in-memory data, vs a minimal Apollo
// Server 5 on Fastify (the same HTTP framework and integration) whose plain
// resolver returns the same rows. Same load generator (autocannon, in its own
// process), same concurrency, same duration, interleaved rounds. Target:
// throughput ratio at least 0.7 against the minimal server with Apollo's defaults.
// Also reported: the ratio against a minimal server with Apollo's cache-control
// plugin off, as lakegate runs (src/server/apollo.ts), i.e. like for like.
//
// The in-memory data: eventStats (WEEK, the last 4 full weeks, groupBy
// CUSTOMER_TYPE, source WAREHOUSE) with the in-process memory cache warmed, so
// every measured request is a cache hit answered without any backend; the minimal
// servers hold that very answer as a constant. All serve the same JSON rows.
//
// Run: node bench/framework-overhead.mjs [--quick] [--data-dir DIR] [--rounds N] [--duration S] [--connections C] [--json-out FILE]
import { cleanup, datasetSpec, figure, finish, parseArgs, round, runMain } from './lib/common.mjs';
import { addDays, ensureDataset, weekStart } from './lib/dataset.mjs';
import { gql } from './lib/graphql.mjs';
import { startLakegate } from './lib/server.mjs';
import { loadSettings, MINIMAL, MINIMAL_NO_CC, versusMinimal } from './lib/versus-minimal.mjs';

const QUERY = `query SmallStats($input: EventStatsInput!) {
  eventStats(input: $input) { periodStart customerType eventType customerId totalEvents }
}`;

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const { rounds, duration, connections } = loadSettings(options);
  const manifest = await ensureDataset(spec);
  const lastMonday = weekStart(addDays(manifest.endDay, 1));
  const input = { from: addDays(lastMonday, -28), to: addDays(lastMonday, -1), interval: 'WEEK', groupBy: ['CUSTOMER_TYPE'], source: 'WAREHOUSE' };
  const variables = { input };
  console.log(`framework overhead: eventStats ${input.from}..${input.to} WEEK by CUSTOMER_TYPE (memory cache warm); ${connections} connections, ${rounds} x ${duration} s`);

  // The response cache off: what is measured is the stack executing the query (type-graphql,
  // resolvers, service, data-cache read), as the issue asks, not a stored response.
  const ours = await startLakegate({ dataDir: spec.dataDir, env: { LAKEGATE_CACHE_BACKEND: 'memory', LAKEGATE_CACHE_RESPONSES: 'false' } });
  try {
    await gql(ours.url, QUERY, variables); // fills the cache
    const { body } = await gql(ours.url, QUERY, variables);
    if (body.extensions.cache.hits !== 1 || body.extensions.cost.queries.length !== 0) {
      throw new Error(`the warmed query is not a pure cache hit: ${JSON.stringify(body.extensions)}`);
    }
    const { results, ratios, rows } = await versusMinimal({ ours, body, query: QUERY, variables, rounds, duration, warmup: options.quick ? 1 : 3, connections });
    const ourRun = results.lakegate;
    const figures = [
      figure('lakegate (full stack, memory cache hit)', ourRun.requestsPerSec, 'req/s', undefined, `p50 ${ourRun.p50Ms} ms, p99 ${ourRun.p99Ms} ms`),
      ...[MINIMAL, MINIMAL_NO_CC].map((name) => figure(name, results[name].requestsPerSec, 'req/s', undefined, `p50 ${results[name].p50Ms} ms, p99 ${results[name].p99Ms} ms`)),
      figure(`throughput ratio lakegate / ${MINIMAL}`, ratios[MINIMAL].throughput, 'x', { op: '>=', value: 0.7 }, `paired median ${ratios[MINIMAL].throughputPaired}`),
      figure(`throughput ratio lakegate / ${MINIMAL_NO_CC}`, ratios[MINIMAL_NO_CC].throughput, 'x', undefined, `paired median ${ratios[MINIMAL_NO_CC].throughputPaired}`),
      figure(`p99 latency ratio lakegate / ${MINIMAL}`, ratios[MINIMAL].p99, 'x'),
      figure(`server CPU per request lakegate / ${MINIMAL}`, ratios[MINIMAL].cpu, 'x', undefined, `${round(ourRun.serverCpuMsPerRequest, 3)} vs ${round(results[MINIMAL].serverCpuMsPerRequest, 3)} ms`),
      figure(`server CPU per request lakegate / ${MINIMAL_NO_CC}`, ratios[MINIMAL_NO_CC].cpu, 'x', undefined, `${round(ourRun.serverCpuMsPerRequest, 3)} vs ${round(results[MINIMAL_NO_CC].serverCpuMsPerRequest, 3)} ms`),
    ];
    finish('framework overhead', options, {
      figures,
      details: {
        query: QUERY,
        variables,
        rows,
        responseBytes: JSON.stringify(body).length,
        connections,
        durationS: duration,
        rounds,
        why: 'eventStats is answered from the in-process memory cache after one warm-up request (extensions.cache.hits = 1, no backend query), so the measured difference is the stack: plugins, context, auth, type-graphql, extensions, logging',
        results,
        ratios,
      },
    });
  } finally {
    await ours.stop();
    await cleanup();
  }
}

runMain(main);
