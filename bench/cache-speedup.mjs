// The same eventStats query cached vs uncached, through lakegate over HTTP with
// Redis (a real redis-server on a free port, started and stopped here). Target: the
// cached answer at least 100 times faster, source LAKE over the 10,000,000-event
// lake; source WAREHOUSE reported too.
//
// Each round empties Redis (FLUSHDB), sends the query once (a miss: the backend
// runs, the answer is stored) and then several times more (hits). Medians over
// rounds; every answer is checked to be a miss or a hit as expected. The first hit
// of a round executes the query over the data-cache entry (and offers the response
// to the response cache); the next ones are answered from the response cache, as a
// dashboard repeating the query is (LAKEGATE_CACHE_RESPONSES, on by default). Both
// are reported; the target is on the second kind.
//
// Also measured in the same rounds, with the same client: a minimal Apollo Server 5
// (cache-control off, as lakegate runs) answering the same LAKE rows as a constant.
// No GraphQL server that executes the answer field by field can be faster than that
// floor: uncached / constant is the ceiling of a speedup by a data cache alone.
//
// Run: node bench/cache-speedup.mjs [--quick] [--data-dir DIR] [--rounds N] [--json-out FILE]
import { cleanup, datasetSpec, figure, finish, median, parseArgs, round, runMain } from './lib/common.mjs';
import { ensureDataset, weeklyWindow } from './lib/dataset.mjs';
import { EVENT_STATS_SDL, gql, WEEKLY_STATS_QUERY, weeklyStatsInput } from './lib/graphql.mjs';
import { startLakegate, startMinimalApollo, startRedis } from './lib/server.mjs';

const HITS_PER_ROUND = 6;

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const rounds = options.rounds ?? (options.quick ? 2 : 5);
  const manifest = await ensureDataset(spec);
  const window = weeklyWindow(manifest);
  console.log(`eventStats weekly dataset ${window.from}..${window.to}: uncached (Redis emptied) vs cached (Redis hit); ${rounds} rounds`);

  const redis = await startRedis();
  let server;
  let minimal;
  try {
    server = await startLakegate({ dataDir: spec.dataDir, env: { REDIS_URL: redis.url, LAKEGATE_CACHE_BACKEND: 'redis', LAKEGATE_LOG_LEVEL: 'warn' } });
    const sources = ['LAKE', 'WAREHOUSE'];
    const times = Object.fromEntries(sources.map((s) => [s, { miss: [], hit: [], dataHit: [], engineMs: [] }]));
    const ask = (source) => gql(server.url, WEEKLY_STATS_QUERY, { input: weeklyStatsInput(window, source) });
    // Warm-up: footers, OS cache, JIT.
    for (const source of sources) {
      await redis.flush();
      await ask(source);
      await ask(source);
    }
    const lakeRows = (await ask('LAKE')).body.data;
    minimal = await startMinimalApollo({ typeDefs: EVENT_STATS_SDL, rootField: 'eventStats', data: lakeRows.eventStats, cacheControl: false });
    const askConstant = () => gql(minimal.url, WEEKLY_STATS_QUERY, { input: weeklyStatsInput(window, 'LAKE') });
    const constantMs = [];
    for (let i = 0; i < 3; i++) await askConstant();
    for (let r = 0; r < rounds; r++) {
      for (const source of r % 2 === 0 ? sources : [...sources].reverse()) {
        await redis.flush();
        const miss = await ask(source);
        if (miss.body.extensions.cache.misses !== 1 || miss.body.extensions.cost.queries.length === 0) {
          throw new Error(`${source}: expected a miss that runs a backend query: ${JSON.stringify(miss.body.extensions)}`);
        }
        times[source].miss.push(miss.ms);
        times[source].engineMs.push(miss.body.extensions.cost.total.ms);
        for (let i = 0; i < HITS_PER_ROUND; i++) {
          const hit = await ask(source);
          if (hit.body.extensions.cache.hits !== 1 || hit.body.extensions.cost.queries.length !== 0) {
            throw new Error(`${source}: expected a Redis hit: ${JSON.stringify(hit.body.extensions)}`);
          }
          if (JSON.stringify(hit.body.data) !== JSON.stringify(miss.body.data)) throw new Error(`${source}: the cached answer differs from the computed one`);
          (hit.body.extensions.cache.response === 'hit' ? times[source].hit : times[source].dataHit).push(hit.ms);
        }
        if (times[source].hit.length === 0) throw new Error(`${source}: no answer came from the response cache`);
      }
      for (let i = 0; i < HITS_PER_ROUND; i++) {
        const constant = await askConstant();
        if (JSON.stringify(constant.body.data) !== JSON.stringify(lakeRows)) throw new Error('the minimal server answered other rows');
        constantMs.push(constant.ms);
      }
      console.log(`  round ${r + 1}/${rounds}: ${sources.map((s) => `${s} miss ${times[s].miss.at(-1).toFixed(0)} ms, data-cache hit ${times[s].dataHit.at(-1)?.toFixed(2)} ms, response hit ${median(times[s].hit.slice(-(HITS_PER_ROUND - 1))).toFixed(2)} ms`).join('; ')}`);
    }
    const figures = [];
    const details = { window, rounds, hitsPerRound: HITS_PER_ROUND, runsMs: times, medians: {} };
    for (const source of sources) {
      const miss = median(times[source].miss);
      const hit = median(times[source].hit);
      const dataHit = median(times[source].dataHit);
      details.medians[source] = { uncachedMs: round(miss), cachedMs: round(hit, 3), dataCacheHitMs: round(dataHit, 3), engineMs: round(median(times[source].engineMs)) };
      figures.push(figure(`eventStats ${source} uncached (median)`, miss, 'ms', undefined, `engine ${round(median(times[source].engineMs), 1)} ms`));
      figures.push(figure(`eventStats ${source} cached in Redis (median)`, hit, 'ms', undefined, 'whole response from the response cache'));
      figures.push(figure(`eventStats ${source} speedup cached vs uncached`, miss / hit, 'x', source === 'LAKE' ? { op: '>=', value: 100 } : undefined));
      figures.push(figure(`eventStats ${source} executed over the data-cache entry (median)`, dataHit, 'ms', undefined, `speedup ${round(miss / dataHit, 1)}x`));
    }
    const constant = median(constantMs);
    details.minimalConstantMs = constantMs;
    figures.push(figure('LAKE rows as a constant from a minimal Apollo Server (median)', constant, 'ms', undefined, 'cache-control off, same client'));
    figures.push(figure('ceiling: LAKE uncached / minimal constant', median(times.LAKE.miss) / constant, 'x', undefined, 'the speedup of a cache with zero cost'));
    figures.push(figure('LAKE executed over the data cache / minimal constant', median(times.LAKE.dataHit) / constant, 'x'));
    figures.push(figure('LAKE from the response cache / minimal constant', median(times.LAKE.hit) / constant, 'x'));
    finish('cache speedup', options, { figures, details });
  } finally {
    await server?.stop();
    await minimal?.stop();
    await redis.stop();
    await cleanup();
  }
}

runMain(main);
