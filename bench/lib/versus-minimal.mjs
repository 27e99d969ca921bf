// lakegate under load vs minimal Apollo Server 5 servers answering the same rows
// as a constant: one with Apollo's defaults (the floor the targets are about) and
// one with Apollo's cache-control plugin off as lakegate has it (the like-for-like
// floor, reported for information). Interleaved rounds, medians.
import { EVENT_STATS_SDL, gql } from './graphql.mjs';
import { interleavedLoad } from './load.mjs';
import { median, round } from './common.mjs';
import { startMinimalApollo } from './server.mjs';

export const MINIMAL = 'minimal Apollo (defaults)';
export const MINIMAL_NO_CC = 'minimal Apollo (cache-control off)';

/**
 * `ours`: a started lakegate; `body`: its (warmed) answer to `query`/`variables`.
 * Returns { results, ratios } with per-target medians and lakegate / floor ratios.
 */
/** Rounds, seconds per round and connections of a load comparison (--quick: 1 x 3 s). */
export function loadSettings(options) {
  return {
    rounds: options.rounds ?? (options.quick ? 1 : 3),
    duration: options.duration ?? (options.quick ? 3 : 10),
    connections: options.connections ?? 10,
  };
}

export async function versusMinimal({ ours, body, query, variables, rounds, duration, warmup, connections }) {
  const rows = body.data.eventStats;
  const minimals = [];
  try {
    for (const [name, cacheControl] of [
      [MINIMAL, true],
      [MINIMAL_NO_CC, false],
    ]) {
      const server = await startMinimalApollo({ typeDefs: EVENT_STATS_SDL, rootField: 'eventStats', data: rows, cacheControl, name });
      minimals.push({ name, server });
      const check = await gql(server.url, query, variables);
      if (JSON.stringify(check.body.data) !== JSON.stringify(body.data)) throw new Error(`${name} does not answer the same data`);
    }
    const requestBody = JSON.stringify({ query, variables });
    const expect = `"eventStats":${JSON.stringify(rows)}`;
    const results = await interleavedLoad(
      [
        { name: 'lakegate', pid: ours.pid, load: { url: ours.url, body: requestBody, expect } },
        ...minimals.map(({ name, server }) => ({ name, pid: server.pid, load: { url: server.url, body: requestBody, expect } })),
      ],
      { rounds, duration, warmup, connections },
    );
    const ratios = {};
    for (const { name } of minimals) {
      const a = results.lakegate;
      const b = results[name];
      ratios[name] = {
        throughput: a.requestsPerSec / b.requestsPerSec,
        throughputPaired: round(median(a.runs.map((run, i) => run.requestsPerSec / b.runs[i].requestsPerSec)), 3),
        p99: a.p99Ms / b.p99Ms,
        p99Paired: round(median(a.runs.map((run, i) => run.p99Ms / b.runs[i].p99Ms)), 3),
        cpu: a.serverCpuMsPerRequest / b.serverCpuMsPerRequest,
      };
    }
    return { results, ratios, rows: rows.length };
  } finally {
    for (const { server } of minimals) await server.stop();
  }
}
