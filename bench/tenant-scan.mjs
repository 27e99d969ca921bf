// Tenant restriction (issue 10): eventStats over the LAKE for a principal bound to
// one customer reads only that customer's bucket files. Figure: the bytes the lake
// query scans (extensions.cost) for the tenant over the bytes of the same query for
// an unrestricted reader; target at most 1/8. Also the times (caching off).
//
// Run: node bench/tenant-scan.mjs [--quick] [--data-dir DIR] [--rounds N] [--json-out FILE]
// Data: 1,000,000 events over 180 days (--quick: 300,000), seeded once and reused.
import { cleanup, datasetSpec, figure, finish, median, parseArgs, round, runMain } from './lib/common.mjs';
import { addDays, ensureDataset } from './lib/dataset.mjs';
import { gql } from './lib/graphql.mjs';
import { startLakegate } from './lib/server.mjs';

const STATS = `query TenantStats($input: EventStatsInput!) { eventStats(input: $input) { periodStart customerType eventType totalEvents } }`;
const READER_KEY = 'bench-reader-key-000000000001';
const TENANT_KEY = 'bench-tenant-key-000000000002';

const bytesOf = (body) => body.extensions.cost.queries.reduce((s, q) => s + q.bytesScanned, 0);

async function main() {
  const options = parseArgs();
  const spec = datasetSpec({ ...options, events: options.events ?? (options.quick ? 300_000 : 1_000_000), days: options.days ?? 180 });
  const rounds = options.rounds ?? (options.quick ? 3 : 7);
  const manifest = await ensureDataset(spec);
  const input = { from: addDays(manifest.endDay, -89), to: manifest.endDay, interval: 'WEEK', groupBy: ['CUSTOMER_TYPE', 'EVENT_TYPE'], source: 'LAKE' };

  // Find a customer with events first (unrestricted reader, warehouse), then bind the tenant key to it.
  const probe = await startLakegate({
    dataDir: spec.dataDir,
    env: { LAKEGATE_LOG_LEVEL: 'warn', LAKEGATE_API_KEYS: JSON.stringify([{ id: 'reader', key: READER_KEY, scopes: ['events:read'] }]) },
  });
  let customerId;
  try {
    const { body } = await gql(probe.url, `query Customers($input: EventStatsInput!) { eventStats(input: $input) { customerId totalEvents } }`, {
      input: { from: manifest.endDay, to: manifest.endDay, interval: 'DAY', groupBy: ['CUSTOMER'], source: 'WAREHOUSE' },
    }, { authorization: `Bearer ${READER_KEY}` });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    customerId = body.data.eventStats[0].customerId;
  } finally {
    await probe.stop();
  }

  const keys = [
    { id: 'reader', key: READER_KEY, scopes: ['events:read'] },
    { id: 'tenant', key: TENANT_KEY, scopes: ['events:read'], customerIds: [customerId] },
  ];
  const server = await startLakegate({ dataDir: spec.dataDir, env: { LAKEGATE_CACHE_BACKEND: 'off', LAKEGATE_LOG_LEVEL: 'warn', LAKEGATE_API_KEYS: JSON.stringify(keys) } });
  try {
    const run = (key) => gql(server.url, STATS, { input }, { authorization: `Bearer ${key}` });
    const who = { all: READER_KEY, tenant: TENANT_KEY };
    const bytes = {};
    const rows = {};
    for (const [name, key] of Object.entries(who)) {
      const { body } = await run(key);
      if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
      bytes[name] = bytesOf(body);
      rows[name] = body.data.eventStats.reduce((s, r) => s + r.totalEvents, 0);
    }
    const times = { all: [], tenant: [] };
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? ['all', 'tenant'] : ['tenant', 'all']) times[name].push((await run(who[name])).ms);
      console.log(`  round ${r + 1}/${rounds}: all ${times.all.at(-1).toFixed(1)} ms, tenant ${times.tenant.at(-1).toFixed(1)} ms`);
    }
    const ratio = bytes.tenant / bytes.all;
    finish('tenant scan', options, {
      figures: [
        figure('tenant / unrestricted bytes scanned', ratio, 'x', { op: '<=', value: 0.125 }, `${bytes.tenant} of ${bytes.all} bytes (1/${round(1 / ratio, 1)}); events counted ${rows.tenant} of ${rows.all}`),
        figure('eventStats LAKE, 90 days, unrestricted (median)', median(times.all), 'ms'),
        figure('eventStats LAKE, 90 days, one tenant (median)', median(times.tenant), 'ms'),
      ],
      details: { customerId, input, bytes, rows, runsMs: times },
    });
  } finally {
    await server.stop();
    await cleanup();
  }
}

runMain(main);
