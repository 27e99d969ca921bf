// Partition pruning: the same events query over 1 day and over 365 days (caching
// off). Only the day partitions in range are read, so the 1-day query must take at
// most 1/50 of the 365-day one. Also reports what extensions.cost says each read:
// partitions, files, bytes.
//
// Query: events(filter: {from, to}, first: 50) { totalCount edges { node {...} } }:
// one page (newest first) and the count, i.e. two lake queries per request.
//
// Run: node bench/partition-pruning.mjs [--quick] [--data-dir DIR] [--rounds N] [--json-out FILE]
import { cleanup, datasetSpec, figure, finish, median, parseArgs, round, runMain } from './lib/common.mjs';
import { addDays, ensureDataset } from './lib/dataset.mjs';
import { gql } from './lib/graphql.mjs';
import { startLakegate } from './lib/server.mjs';

const EVENTS_QUERY = `query EventsPage($filter: EventFilter!) {
  events(filter: $filter, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id occurredAt day customerId customerType eventType source region severity } }
  }
}`;

function costOf(body) {
  const queries = body.extensions.cost.queries;
  return {
    queries: queries.length,
    partitions: Math.max(0, ...queries.map((q) => q.partitions ?? 0)),
    files: queries.reduce((s, q) => s + (q.files ?? 0), 0),
    bytesScanned: queries.reduce((s, q) => s + q.bytesScanned, 0),
    engineMs: body.extensions.cost.total.ms,
  };
}

const describe = (cost, events) =>
  `${cost.partitions} partition${cost.partitions === 1 ? '' : 's'}, ${cost.files} file reads over ${cost.queries} queries (page + count), ${cost.bytesScanned} bytes, totalCount ${events}`;

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const rounds = options.rounds ?? (options.quick ? 3 : 7);
  const manifest = await ensureDataset(spec);
  const to = manifest.endDay;
  const ranges = { '1 day': { from: to, to }, '365 days': { from: addDays(to, -364), to } };
  if (manifest.days < 365) throw new Error(`the dataset holds ${manifest.days} days; this benchmark needs 365`);
  console.log(`events(first: 50) + totalCount over 1 day (${to}) vs 365 days (${ranges['365 days'].from}..${to}); ${rounds} rounds`);

  const server = await startLakegate({ dataDir: spec.dataDir, env: { LAKEGATE_CACHE_BACKEND: 'off', LAKEGATE_LOG_LEVEL: 'warn' } });
  try {
    const run = (name) => gql(server.url, EVENTS_QUERY, { filter: ranges[name] });
    const names = Object.keys(ranges);
    const costs = {};
    const counts = {};
    for (let i = 0; i < 3; i++) {
      for (const name of names) {
        const { body } = await run(name);
        costs[name] = costOf(body);
        counts[name] = body.data.events.totalCount;
        if (body.data.events.edges.length !== 50) throw new Error(`${name}: expected a full page of 50 events`);
      }
    }
    const times = Object.fromEntries(names.map((n) => [n, []]));
    const engine = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const { body, ms } = await run(name);
        times[name].push(ms);
        engine[name].push(body.extensions.cost.total.ms);
      }
      console.log(`  round ${r + 1}/${rounds}: ${names.map((n) => `${n} ${times[n].at(-1).toFixed(1)} ms`).join(', ')}`);
    }
    const one = median(times['1 day']);
    const year = median(times['365 days']);
    const ratio = one / year;
    const figures = [
      figure('events 1 day (median)', one, 'ms', undefined, describe(costs['1 day'], counts['1 day'])),
      figure('events 365 days (median)', year, 'ms', undefined, describe(costs['365 days'], counts['365 days'])),
      figure('1 day / 365 days time', ratio, 'x', { op: '<=', value: round(1 / 50, 4) }, `1/${round(1 / ratio, 1)}`),
      figure('1 day / 365 days bytes read', costs['1 day'].bytesScanned / costs['365 days'].bytesScanned, 'x'),
    ];
    finish('partition pruning', options, {
      figures,
      details: { ranges, rounds, runsMs: times, engineMedianMs: Object.fromEntries(names.map((n) => [n, round(median(engine[n]))])), cost: costs, totalCount: counts },
    });
  } finally {
    await server.stop();
    await cleanup();
  }
}

runMain(main);
