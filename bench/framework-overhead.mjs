// Framework overhead: a small query through lakegate's whole stack (Fastify,
// Apollo with our plugins, per-request context, type-graphql schema, auth, cost
// and cache extensions, request log) over in-memory data, vs a minimal Apollo
// Server 5 on Fastify (the same HTTP framework and integration) whose plain
// resolver returns the same rows. Same load generator (autocannon, in its own
// process), same concurrency, same duration, interleaved rounds. Target:
// throughput ratio at least 0.7.
//
// The in-memory data: eventStats (WEEK, the last 4 full weeks, groupBy
// CUSTOMER_TYPE, source WAREHOUSE) with the in-process memory cache warmed, so
// every measured request is a cache hit answered without any backend; the minimal
// server holds that very answer as a constant. Both serve the same JSON rows.
//
// Run: node bench/framework-overhead.mjs [--quick] [--data-dir DIR] [--rounds N] [--duration S] [--connections C] [--json-out FILE]
import { cleanup, datasetSpec, figure, finish, median, parseArgs, round, runMain } from './lib/common.mjs';
import { addDays, ensureDataset, weekStart } from './lib/dataset.mjs';
import { EVENT_STATS_SDL, gql } from './lib/graphql.mjs';
import { interleavedLoad } from './lib/load.mjs';
import { startLakegate, startMinimalApollo } from './lib/server.mjs';

const QUERY = `query SmallStats($input: EventStatsInput!) {
  eventStats(input: $input) { periodStart customerType eventType customerId totalEvents }
}`;

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const duration = options.duration ?? (options.quick ? 3 : 10);
  const connections = options.connections ?? 10;
  const manifest = await ensureDataset(spec);
  const lastMonday = weekStart(addDays(manifest.endDay, 1));
  const input = { from: addDays(lastMonday, -28), to: addDays(lastMonday, -1), interval: 'WEEK', groupBy: ['CUSTOMER_TYPE'], source: 'WAREHOUSE' };
  const variables = { input };
  console.log(`framework overhead: eventStats ${input.from}..${input.to} WEEK by CUSTOMER_TYPE (memory cache warm); ${connections} connections, ${rounds} x ${duration} s`);

  const ours = await startLakegate({ dataDir: spec.dataDir, env: { LAKEGATE_CACHE_BACKEND: 'memory' } });
  let minimal;
  try {
    await gql(ours.url, QUERY, variables); // fills the cache
    const { body } = await gql(ours.url, QUERY, variables);
    if (body.extensions.cache.hits !== 1 || body.extensions.cost.queries.length !== 0) {
      throw new Error(`the warmed query is not a pure cache hit: ${JSON.stringify(body.extensions)}`);
    }
    const rows = body.data.eventStats;
    minimal = await startMinimalApollo({ typeDefs: EVENT_STATS_SDL, rootField: 'eventStats', data: rows });
    const check = await gql(minimal.url, QUERY, variables);
    if (JSON.stringify(check.body.data) !== JSON.stringify(body.data)) throw new Error('the minimal server does not answer the same data');

    const requestBody = JSON.stringify({ query: QUERY, variables });
    const expect = `"eventStats":${JSON.stringify(rows)}`;
    const results = await interleavedLoad(
      [
        { name: 'lakegate', pid: ours.pid, load: { url: ours.url, body: requestBody, expect } },
        { name: 'minimal Apollo', pid: minimal.pid, load: { url: minimal.url, body: requestBody, expect } },
      ],
      { rounds, duration, warmup: options.quick ? 1 : 3, connections },
    );
    const a = results.lakegate;
    const b = results['minimal Apollo'];
    const paired = median(a.runs.map((run, i) => run.requestsPerSec / b.runs[i].requestsPerSec));
    const figures = [
      figure('lakegate (full stack, memory cache hit)', a.requestsPerSec, 'req/s', undefined, `p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms`),
      figure('minimal Apollo 5 + Fastify (constant)', b.requestsPerSec, 'req/s', undefined, `p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms`),
      figure('throughput ratio lakegate / minimal', a.requestsPerSec / b.requestsPerSec, 'x', { op: '>=', value: 0.7 }, `paired median ${round(paired, 3)}`),
      figure('p99 latency ratio lakegate / minimal', a.p99Ms / b.p99Ms, 'x'),
      figure('server CPU per request lakegate / minimal', a.serverCpuMsPerRequest / b.serverCpuMsPerRequest, 'x', undefined, `${round(a.serverCpuMsPerRequest, 3)} vs ${round(b.serverCpuMsPerRequest, 3)} ms`),
    ];
    finish('framework overhead', options, {
      figures,
      details: {
        query: QUERY,
        variables,
        rows: rows.length,
        responseBytes: JSON.stringify(body).length,
        connections,
        durationS: duration,
        rounds,
        why: 'eventStats is answered from the in-process memory cache after one warm-up request (extensions.cache.hits = 1, no backend query), so the measured difference is the stack: plugins, context, auth, type-graphql, extensions, logging',
        results,
      },
    });
  } finally {
    await minimal?.stop();
    await ours.stop();
    await cleanup();
  }
}

runMain(main);
