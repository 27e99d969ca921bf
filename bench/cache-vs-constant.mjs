// A cached eventStats query through lakegate's whole stack with Redis vs a minimal
// Apollo Server 5 (Fastify, plain resolver) answering a constant: the same answer,
// held in memory. Same load generator (autocannon in its own process), same
// concurrency and duration, interleaved rounds. Targets, against the minimal
// server with Apollo's defaults: throughput ratio at least 0.8 and p99 latency
// ratio at most 1.5. Also reported: the same ratios against a minimal server with
// Apollo's cache-control plugin off, as lakegate runs (like for like).
//
// The query is the weekly dataset (WEEK, 30 weeks, CUSTOMER_TYPE x EVENT_TYPE,
// Reseller excluded, source LAKE); lakegate answers every measured request from
// Redis (a real redis-server on a free port, started and stopped here). The
// constant is the very rows lakegate returns, so all serialize the same answer:
// the difference is the stack and the cache read (Redis round trip and decoding).
//
// Run: node bench/cache-vs-constant.mjs [--quick] [--data-dir DIR] [--rounds N] [--duration S] [--connections C] [--json-out FILE]
import { cleanup, datasetSpec, figure, finish, parseArgs, round, runMain } from './lib/common.mjs';
import { ensureDataset, weeklyWindow } from './lib/dataset.mjs';
import { gql, WEEKLY_STATS_QUERY, weeklyStatsInput } from './lib/graphql.mjs';
import { startLakegate, startRedis } from './lib/server.mjs';
import { loadSettings, MINIMAL, MINIMAL_NO_CC, versusMinimal } from './lib/versus-minimal.mjs';

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const { rounds, duration, connections } = loadSettings(options);
  const manifest = await ensureDataset(spec);
  const window = weeklyWindow(manifest);
  const variables = { input: weeklyStatsInput(window, 'LAKE') };
  console.log(`cached eventStats (weekly dataset ${window.from}..${window.to}, LAKE) via Redis vs a constant; ${connections} connections, ${rounds} x ${duration} s`);

  const redis = await startRedis();
  let ours;
  try {
    ours = await startLakegate({ dataDir: spec.dataDir, env: { REDIS_URL: redis.url, LAKEGATE_CACHE_BACKEND: 'redis' } });
    const miss = await gql(ours.url, WEEKLY_STATS_QUERY, variables);
    const { body } = await gql(ours.url, WEEKLY_STATS_QUERY, variables);
    if (body.extensions.cache.hits !== 1 || body.extensions.cache.reads[0]?.backend !== 'redis' || body.extensions.cost.queries.length !== 0) {
      throw new Error(`the warmed query is not a Redis hit: ${JSON.stringify(body.extensions)}`);
    }
    const { results, ratios, rows } = await versusMinimal({ ours, body, query: WEEKLY_STATS_QUERY, variables, rounds, duration, warmup: options.quick ? 1 : 3, connections });
    const ourRun = results.lakegate;
    const figures = [
      figure('lakegate (Redis hit, full stack)', ourRun.requestsPerSec, 'req/s', undefined, `p50 ${ourRun.p50Ms} ms, p99 ${ourRun.p99Ms} ms`),
      ...[MINIMAL, MINIMAL_NO_CC].map((name) => figure(name, results[name].requestsPerSec, 'req/s', undefined, `p50 ${results[name].p50Ms} ms, p99 ${results[name].p99Ms} ms`)),
      figure(`throughput ratio lakegate / ${MINIMAL}`, ratios[MINIMAL].throughput, 'x', { op: '>=', value: 0.8 }, `paired median ${ratios[MINIMAL].throughputPaired}`),
      figure(`p99 latency ratio lakegate / ${MINIMAL}`, ratios[MINIMAL].p99, 'x', { op: '<=', value: 1.5 }, `paired median ${ratios[MINIMAL].p99Paired}`),
      figure(`throughput ratio lakegate / ${MINIMAL_NO_CC}`, ratios[MINIMAL_NO_CC].throughput, 'x', undefined, `paired median ${ratios[MINIMAL_NO_CC].throughputPaired}`),
      figure(`p99 latency ratio lakegate / ${MINIMAL_NO_CC}`, ratios[MINIMAL_NO_CC].p99, 'x', undefined, `paired median ${ratios[MINIMAL_NO_CC].p99Paired}`),
      figure(`server CPU per request lakegate / ${MINIMAL}`, ratios[MINIMAL].cpu, 'x', undefined, `${round(ourRun.serverCpuMsPerRequest, 3)} vs ${round(results[MINIMAL].serverCpuMsPerRequest, 3)} ms`),
    ];
    finish('cache vs constant', options, {
      figures,
      details: { window, rows, responseBytes: JSON.stringify(body).length, firstRequestMs: round(miss.ms), connections, durationS: duration, rounds, results, ratios },
    });
  } finally {
    await ours?.stop();
    await redis.stop();
    await cleanup();
  }
}

runMain(main);
