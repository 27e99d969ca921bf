// Overload (issue 11): 50 concurrent clients of distinct uncached eventStats LAKE
// queries against the embedded lake's default admission limit (DuckDB's threads).
// Targets, against floors measured in the same run:
//   - goodput (queries completed per second) at least 0.9 of the best goodput a
//     sweep of client concurrency (1, 2, 4, 8, admission limit out of the way) finds;
//   - p99 of a cached query (warmed before: a whole response from the response
//     cache) sampled during the overload at most 2x its p99 on the idle server.
//
// Two servers over the same lake (the second's Parquet files hard links): "limited"
// with the default LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE, "unlimited" with 1024 so that
// in the sweep the concurrency is the clients'. Every request is a distinct valid
// query (day range of 14-60 days inside the data, interval, groupBy: a seeded shuffle
// of all such combinations, each used once), checked in its answer to have run one
// backend query (a cache miss). The clients run closed loops in a process of their
// own (bench/lib/closed-loop-worker.mjs); a shed client waits the Retry-After it was
// given. The cached query is sampled every 20 ms by this process. Each round runs
// idle, the sweep, the overload and a reference (50 clients on the unlimited
// server), in alternating order; medians over rounds.
//
// Dataset: 1,000,000 events over 180 days (one such query takes ~90-115 ms alone on 2
// cores; the 10M-event dataset would make a sweep take minutes); --quick: 300,000 events.
//
// Run: node bench/overload.mjs [--quick] [--data-dir DIR] [--events N --days D]
//        [--rounds N] [--duration S] [--connections C] [--json-out FILE]
// Sizing experiments: LAKEGATE_BENCH_LAKE_LIMIT=N (the limited server's
// LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE), LAKEGATE_BENCH_DUCKDB_THREADS=N (both servers'
// LAKEGATE_DUCKDB_THREADS; the default limit follows it). docs/BENCHMARKS.md has the figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetSpec, figure, finish, median, onCleanup, parseArgs, percentile, ROOT, round, runMain, since, sleep } from './lib/common.mjs';
import { addDays, ensureDataset, linkedCopy, removeDir } from './lib/dataset.mjs';
import { gql } from './lib/graphql.mjs';
import { cpuMs } from './lib/load.mjs';
import { startLakegate, waitIdle } from './lib/server.mjs';

const LABEL = 'eventStats.lake';
const QUERY = `query OverloadStats($input: EventStatsInput!) { eventStats(input: $input) { periodStart customerType eventType totalEvents } }`;
const SWEEP = [1, 2, 4, 8];
const INTERVALS = ['DAY', 'WEEK', 'MONTH'];
const GROUPINGS = [[], ['EVENT_TYPE'], ['CUSTOMER_TYPE'], ['CUSTOMER_TYPE', 'EVENT_TYPE']];
// Days per query: 16 Parquet files a day, ~2 ms of engine time per file on this machine.
const MIN_SPAN = 14;
const MAX_SPAN = 60;

/** Every valid distinct query of MIN_SPAN-MAX_SPAN days inside the data, in a seeded random order (each phase takes the next slice: the same mix). */
function distinctInputs(manifest, seed = 11) {
  const all = [];
  for (let span = MIN_SPAN; span <= Math.min(MAX_SPAN, manifest.days); span++) {
    for (let start = 0; start + span <= manifest.days; start++) {
      const from = addDays(manifest.startDay, start);
      const to = addDays(from, span - 1);
      for (const interval of INTERVALS) for (const groupBy of GROUPINGS) all.push({ from, to, interval, groupBy, source: 'LAKE' });
    }
  }
  let s = seed >>> 0;
  const random = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}

/** Runs the closed-loop clients in a child process; resolves with its JSON line. */
function runClients(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/lib/closed-loop-worker.mjs'), JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const removeCleanup = onCleanup(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      removeCleanup();
      if (code !== 0) return reject(new Error(`closed-loop clients exited with ${code}`));
      const result = JSON.parse(out.trim().split('\n').pop());
      if (result.errors > 0) return reject(new Error(`${options.url}: ${result.errors} wrong answers, e.g. ${result.errorSamples.join(' | ')}`));
      if (result.exhausted) return reject(new Error('ran out of distinct queries'));
      resolve(result);
    });
  });
}

/** The cached query, every 20 ms until `until` (epoch ms): latencies; each must be a whole response from the cache. */
async function sampleCached(url, variables, until) {
  const samples = [];
  while (Date.now() < until) {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables }) });
    const body = await res.json();
    const ms = since(started);
    if (res.status !== 200 || body.errors || body.extensions?.cache?.response !== 'hit' || (body.extensions?.cost?.queries ?? []).length > 0) {
      throw new Error(`the cached query was not a response-cache hit: ${res.status} ${JSON.stringify(body.extensions ?? body.errors).slice(0, 300)}`);
    }
    samples.push(ms);
    await sleep(20);
  }
  return samples;
}

async function lakeGate(server) {
  const ready = await (await fetch(`${server.base}/readyz`)).json();
  return ready.admission.find((g) => g.engine === 'duckdb-lake');
}

/** The server's event-loop delay (prom-client's monitorEventLoopDelay, reset at each scrape): p99 and max in ms since the last call. */
async function eventLoopDelay(server) {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^lakegate_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]) * 1000;
  return { p99: value('p99'), max: value('max') };
}

/** Waits until the server runs and queues no lake query and its CPU has settled. */
async function drained(server) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const gate = await lakeGate(server);
    if (gate.inflight === 0 && gate.waiting === 0) break;
    if (Date.now() > deadline) throw new Error(`${server.name} still runs ${gate.inflight} and queues ${gate.waiting} lake queries`);
    await sleep(100);
  }
  await waitIdle(server.pid, 30_000);
}

async function main() {
  const options = parseArgs();
  const spec = datasetSpec({ ...options, events: options.events ?? (options.quick ? 300_000 : 1_000_000), days: options.days ?? 180 });
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const durationMs = (options.duration ?? (options.quick ? 3 : 10)) * 1000;
  const warmupMs = options.quick ? 1000 : 2000;
  const idleMs = options.quick ? 2000 : 5000;
  const overloadClients = options.connections ?? 50;
  const manifest = await ensureDataset(spec);

  const inputs = distinctInputs(manifest);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-overload-'));
  const inputsFile = path.join(tmp, 'inputs.json');
  writeFileSync(inputsFile, JSON.stringify(inputs));
  let offset = 0;
  // The cached query: the whole lake (180 days; no distinct query is that long), by week.
  const cached = { input: { from: manifest.startDay, to: manifest.endDay, interval: 'WEEK', groupBy: ['CUSTOMER_TYPE'], source: 'LAKE' } };
  console.log(`overload: ${inputs.length} distinct eventStats LAKE queries (${MIN_SPAN}-${MAX_SPAN} days, ${INTERVALS.join('/')}, ${GROUPINGS.length} groupings) over ${manifest.events.toLocaleString('en-US')} events / ${manifest.days} days`);

  const env = {
    LAKEGATE_LOG_LEVEL: 'warn',
    LAKEGATE_CACHE_BACKEND: 'memory',
    LAKEGATE_CACHE_MAX_ENTRIES: '1000000',
    LAKEGATE_CACHE_MAX_BYTES: String(2 * 2 ** 30),
    LAKEGATE_CACHE_RESPONSE_TTL_MS: '3600000',
    LAKEGATE_CACHE_TTL_LAKE_MS: '3600000',
    // Nothing may write to the shared dataset (development mode would run the demo producer and the loads).
    LAKEGATE_LOADS_SCHEDULER: 'false',
    LAKEGATE_LOADS_DEMO_PRODUCER_MS: '0',
    // LAKEGATE_BENCH_DUCKDB_THREADS: another DuckDB thread count for both servers (default: the cores; the default limit follows it).
    ...(process.env.LAKEGATE_BENCH_DUCKDB_THREADS ? { LAKEGATE_DUCKDB_THREADS: process.env.LAKEGATE_BENCH_DUCKDB_THREADS } : {}),
  };
  const copy = linkedCopy(spec.dataDir);
  const servers = {};
  try {
    // LAKEGATE_BENCH_LAKE_LIMIT: another limit than the default for the overload (sizing experiments).
    const limitEnv = process.env.LAKEGATE_BENCH_LAKE_LIMIT ? { LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE: process.env.LAKEGATE_BENCH_LAKE_LIMIT } : {};
    servers.limited = await startLakegate({ name: 'limited', dataDir: spec.dataDir, env: { ...env, ...limitEnv } });
    servers.unlimited = await startLakegate({ name: 'unlimited', dataDir: copy, env: { ...env, LAKEGATE_MAX_CONCURRENT_DUCKDB_LAKE: '1024' } });
    const limit = (await lakeGate(servers.limited)).limit;
    const limitSource = process.env.LAKEGATE_BENCH_LAKE_LIMIT ? 'LAKEGATE_BENCH_LAKE_LIMIT' : 'the default: DuckDB threads';
    console.log(`limited server: duckdb-lake limit ${limit} (${limitSource}), DuckDB threads ${env.LAKEGATE_DUCKDB_THREADS ?? os.availableParallelism()}; unlimited: ${(await lakeGate(servers.unlimited)).limit}`);

    const clients = async (server, connections, ms = durationMs, warm = warmupMs) => {
      const result = await runClients({ url: server.url, query: QUERY, inputsFile, offset, connections, warmupMs: warm, durationMs: ms, label: LABEL });
      offset += result.used;
      await drained(server);
      return result;
    };
    /**
     * Clients and, during their measured window, the cached query's samples, the
     * server's event-loop delay and its CPU time per completed query.
     */
    const withSampler = async (server, connections) => {
      const start = Date.now();
      const cpuBefore = cpuMs(server.pid);
      const load = clients(server, connections);
      await sleep(warmupMs + 300);
      await eventLoopDelay(server);
      const samples = await sampleCached(server.url, cached, start + warmupMs + durationMs);
      const loop = await eventLoopDelay(server);
      const result = await load;
      return { load: result, samples, loop, cpuPerQueryMs: (cpuMs(server.pid) - cpuBefore) / result.completedTotal };
    };

    // Warm-up: the cached query on both (a miss, then a whole-response hit), JIT and Parquet footers with a few distinct queries.
    for (const server of Object.values(servers)) {
      // A miss, a hit executed over the data-cache entry (which stores the response), then whole-response hits.
      let hit;
      for (let i = 0; i < 5 && hit?.body.extensions.cache.response !== 'hit'; i++) hit = await gql(server.url, QUERY, cached);
      if (hit.body.extensions.cache.response !== 'hit') throw new Error(`${server.name}: the cached query is not answered from the response cache: ${JSON.stringify(hit.body.extensions.cache)}`);
      await clients(server, 2, options.quick ? 1000 : 3000, 0);
    }

    const runs = { idle: [], overload: [], reference: [], ...Object.fromEntries(SWEEP.map((c) => [`c${c}`, []])) };
    const steps = [
      [
        'idle',
        async () => {
          await eventLoopDelay(servers.limited);
          const samples = await sampleCached(servers.limited.url, cached, Date.now() + idleMs);
          return { samples, loop: await eventLoopDelay(servers.limited) };
        },
      ],
      // The cached query is sampled during the sweep too: every measured load carries the same extra requests.
      ...SWEEP.map((c) => [`c${c}`, () => withSampler(servers.unlimited, c)]),
      ['overload', () => withSampler(servers.limited, overloadClients)],
      ['reference', () => withSampler(servers.unlimited, overloadClients)],
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [name, step] of r % 2 === 0 ? steps : [...steps].reverse()) {
        const result = await step();
        const run = {};
        if (result.load) {
          const l = result.load;
          Object.assign(run, {
            goodput: l.goodput,
            completed: l.completed,
            shed: l.shed,
            p50Ms: percentile(l.latencyMs, 0.5),
            p99Ms: percentile(l.latencyMs, 0.99),
            queueP50Ms: percentile(l.queueMs, 0.5),
            retryWaitMs: l.retryWaitMs,
          });
        }
        if (result.cpuPerQueryMs !== undefined) run.cpuPerQueryMs = result.cpuPerQueryMs;
        if (result.samples) Object.assign(run, { cachedP50Ms: percentile(result.samples, 0.5), cachedP99Ms: percentile(result.samples, 0.99), cachedMaxMs: Math.max(...result.samples), samples: result.samples.length });
        if (result.loop) Object.assign(run, { loopDelayP99Ms: result.loop.p99, loopDelayMaxMs: result.loop.max });
        runs[name].push(run);
        console.log(
          `  round ${r + 1}/${rounds} ${name}: ${Object.entries(run)
            .map(([k, v]) => `${k} ${round(v, 1)}`)
            .join(', ')}`,
        );
      }
    }

    const med = (name, key) => median(runs[name].map((x) => x[key]));
    const sweep = SWEEP.map((c) => ({
      connections: c,
      goodput: med(`c${c}`, 'goodput'),
      p50Ms: med(`c${c}`, 'p50Ms'),
      cpuPerQueryMs: med(`c${c}`, 'cpuPerQueryMs'),
      cachedP99Ms: med(`c${c}`, 'cachedP99Ms'),
      loopDelayP99Ms: med(`c${c}`, 'loopDelayP99Ms'),
    }));
    const best = sweep.reduce((a, b) => (b.goodput > a.goodput ? b : a));
    const idleP99 = med('idle', 'cachedP99Ms');
    const o = {
      goodput: med('overload', 'goodput'),
      completed: runs.overload.reduce((n, x) => n + x.completed, 0),
      shed: runs.overload.reduce((n, x) => n + x.shed, 0),
      p50Ms: med('overload', 'p50Ms'),
      p99Ms: med('overload', 'p99Ms'),
      queueP50Ms: med('overload', 'queueP50Ms'),
      cachedP50Ms: med('overload', 'cachedP50Ms'),
      cachedP99Ms: med('overload', 'cachedP99Ms'),
      cpuPerQueryMs: med('overload', 'cpuPerQueryMs'),
      loopDelayP99Ms: med('overload', 'loopDelayP99Ms'),
      loopDelayMaxMs: med('overload', 'loopDelayMaxMs'),
    };
    const ref = {
      goodput: med('reference', 'goodput'),
      p50Ms: med('reference', 'p50Ms'),
      p99Ms: med('reference', 'p99Ms'),
      cachedP99Ms: med('reference', 'cachedP99Ms'),
      cpuPerQueryMs: med('reference', 'cpuPerQueryMs'),
      loopDelayP99Ms: med('reference', 'loopDelayP99Ms'),
    };
    const figures = [
      figure(
        `goodput, ${overloadClients} clients at ${process.env.LAKEGATE_BENCH_LAKE_LIMIT ? 'the' : 'the default'} limit (${limit}) / best of the sweep (${best.connections} clients)`,
        o.goodput / best.goodput,
        '',
        { op: '>=', value: 0.9 },
        `${round(o.goodput, 1)} / ${round(best.goodput, 1)} queries/s; sweep ${sweep.map((s) => `c${s.connections} ${round(s.goodput, 1)}`).join(', ')}`,
      ),
      figure(`cached query p99, during the overload / idle`, o.cachedP99Ms / idleP99, '', { op: '<=', value: 2 }, `${round(o.cachedP99Ms, 1)} / ${round(idleP99, 1)} ms (p50 ${round(o.cachedP50Ms, 1)} / ${round(med('idle', 'cachedP50Ms'), 1)} ms)`),
      figure(`overload: completed / shed (BACKEND_BUSY), ${rounds} x ${durationMs / 1000} s`, `${o.completed} / ${o.shed}`, '', undefined, `latency of completed p50 ${round(o.p50Ms)} ms, p99 ${round(o.p99Ms)} ms; queue wait p50 ${round(o.queueP50Ms)} ms`),
      figure(
        'server CPU per completed query, overload / best of the sweep',
        o.cpuPerQueryMs / best.cpuPerQueryMs,
        '',
        undefined,
        `${round(o.cpuPerQueryMs, 1)} / ${round(best.cpuPerQueryMs, 1)} ms (steadier than goodput on a shared machine); sweep ${sweep.map((s) => `c${s.connections} ${round(s.cpuPerQueryMs, 1)}`).join(', ')}`,
      ),
      figure(
        'server event-loop delay p99, overload / idle',
        o.loopDelayP99Ms / med('idle', 'loopDelayP99Ms'),
        '',
        undefined,
        `${round(o.loopDelayP99Ms, 1)} / ${round(med('idle', 'loopDelayP99Ms'), 1)} ms (max ${round(o.loopDelayMaxMs, 1)} ms); cached p99 during the sweep ${sweep.map((s) => `c${s.connections} ${round(s.cachedP99Ms, 1)}`).join(', ')} ms`,
      ),
      figure('one distinct query alone (1 client), p50', sweep[0].p50Ms, 'ms', undefined, `${manifest.events.toLocaleString('en-US')} events over ${manifest.days} days`),
      figure(
        `reference: ${overloadClients} clients, limit 1024 (the connection pool of 3 bounds DuckDB): goodput / best`,
        ref.goodput / best.goodput,
        '',
        undefined,
        `${round(ref.goodput, 1)} queries/s; cached p99 ${round(ref.cachedP99Ms, 1)} ms = ${round(ref.cachedP99Ms / idleP99, 2)}x idle; latency p50 ${round(ref.p50Ms)} ms, p99 ${round(ref.p99Ms)} ms; CPU ${round(ref.cpuPerQueryMs, 1)} ms/query`,
      ),
    ];
    finish('overload', options, {
      figures,
      details: {
        dataset: { dir: spec.dataDir, events: manifest.events, days: manifest.days, startDay: manifest.startDay, endDay: manifest.endDay },
        limit,
        duckdbThreads: Number(env.LAKEGATE_DUCKDB_THREADS ?? os.availableParallelism()),
        rounds,
        durationMs,
        warmupMs,
        overloadClients,
        distinctQueriesUsed: offset,
        sweep,
        best,
        idle: { cachedP50Ms: med('idle', 'cachedP50Ms'), cachedP99Ms: idleP99 },
        overload: o,
        reference: ref,
        runs,
      },
    });
  } finally {
    for (const server of Object.values(servers)) await server.stop();
    removeDir(copy);
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
