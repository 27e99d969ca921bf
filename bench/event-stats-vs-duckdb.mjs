// eventStats through lakegate (over HTTP, caching off) vs DuckDB running the
// equivalent SQL directly on the same files, in the same run.
//
// The query is the analytics team's weekly dataset (DESIGN.md): interval WEEK, the
// 30 full weeks before the week after the data ends, groupBy CUSTOMER_TYPE and
// EVENT_TYPE, excludeCustomerTypes ["Reseller"]; source LAKE (target: lakegate at
// most 1.2x DuckDB) and source WAREHOUSE (reported too).
//
// The floor is a fresh DuckDB instance in this process with the server's thread
// count, reading the lake's Parquet files through a hive glob (and a copy of
// warehouse.duckdb, which the server holds locked), rows read into JS. Runs are
// interleaved (lakegate, DuckDB, ... alternating the order each round) after
// warm-up runs; medians are reported, and the answers are checked to be equal.
//
// Run: node bench/event-stats-vs-duckdb.mjs [--quick] [--data-dir DIR] [--rounds N] [--json-out FILE]
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cleanup, datasetSpec, figure, finish, median, parseArgs, round, runMain, since } from './lib/common.mjs';
import { ensureDataset, removeDir, tempCopyOf, weeklyWindow } from './lib/dataset.mjs';
import { gql, WEEKLY_STATS_QUERY, weeklyStatsInput } from './lib/graphql.mjs';
import { startLakegate } from './lib/server.mjs';

const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

function floorSql(source, dataDir, window) {
  const where = `customer_type NOT IN ('Reseller') AND day BETWEEN DATE ${sqlString(window.from)} AND DATE ${sqlString(window.to)}`;
  if (source === 'LAKE') {
    const glob = path.join(dataDir, 'events', '*', '*.parquet');
    return (
      `SELECT CAST(date_trunc('week', day) AS DATE) AS first_day_of_week, customer_type, event_type, COUNT(*) AS total_events ` +
      `FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, hive_types = {'day': DATE}) ` +
      `WHERE ${where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
    );
  }
  return (
    `SELECT CAST(date_trunc('week', day) AS DATE) AS first_day_of_week, customer_type, event_type, CAST(SUM(total_events) AS BIGINT) AS total_events ` +
    `FROM wh.warehouse.daily_event_counts WHERE ${where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
  );
}

const key = (period, customerType, eventType, total) => `${period}|${customerType}|${eventType}|${total}`;

async function main() {
  const options = parseArgs();
  const spec = datasetSpec(options);
  const rounds = options.rounds ?? (options.quick ? 3 : 7);
  const threads = os.availableParallelism();
  const manifest = await ensureDataset(spec);
  const window = weeklyWindow(manifest);
  console.log(`eventStats WEEK ${window.from}..${window.to} (30 weeks), CUSTOMER_TYPE x EVENT_TYPE, Reseller excluded; DuckDB threads ${threads}; ${rounds} rounds`);

  const warehouseCopy = tempCopyOf(path.join(spec.dataDir, 'warehouse.duckdb'));
  const server = await startLakegate({ dataDir: spec.dataDir, env: { LAKEGATE_CACHE_BACKEND: 'off', LAKEGATE_LOG_LEVEL: 'warn' } });
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads), autoinstall_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run(`ATTACH ${sqlString(warehouseCopy.file)} AS wh (READ_ONLY)`);

    const lakegate = async (source) => {
      const { body, ms } = await gql(server.url, WEEKLY_STATS_QUERY, { input: weeklyStatsInput(window, source) });
      const rows = body.data.eventStats;
      return { ms, engineMs: body.extensions.cost.total.ms, keys: rows.map((r) => key(r.periodStart, r.customerType, r.eventType, r.totalEvents)) };
    };
    const duckdb = async (source) => {
      const started = process.hrtime.bigint();
      const reader = await connection.runAndReadAll(floorSql(source, spec.dataDir, window));
      const rows = reader.getRowObjectsJS();
      const ms = since(started);
      return { ms, keys: rows.map((r) => key(String(r.first_day_of_week instanceof Date ? r.first_day_of_week.toISOString().slice(0, 10) : r.first_day_of_week), r.customer_type, r.event_type, Number(r.total_events))) };
    };

    const sources = ['LAKE', 'WAREHOUSE'];
    const runners = sources.flatMap((source) => [
      { name: `lakegate ${source}`, source, run: () => lakegate(source) },
      { name: `duckdb ${source}`, source, run: () => duckdb(source) },
    ]);
    // Warm-up (footers, OS cache, plans) and the answers compared.
    const answers = {};
    for (let i = 0; i < 2; i++) for (const r of runners) answers[r.name] = (await r.run()).keys;
    for (const source of sources) {
      const a = [...answers[`lakegate ${source}`]].sort();
      const b = [...answers[`duckdb ${source}`]].sort();
      if (a.length === 0 || a.join('\n') !== b.join('\n')) throw new Error(`${source}: lakegate and DuckDB answers differ (${a.length} vs ${b.length} rows)`);
    }
    const rowCount = answers['lakegate LAKE'].length;

    const times = Object.fromEntries(runners.map((r) => [r.name, []]));
    const engine = { LAKE: [], WAREHOUSE: [] };
    for (let round_ = 0; round_ < rounds; round_++) {
      const order = round_ % 2 === 0 ? runners : [...runners].reverse();
      for (const r of order) {
        const result = await r.run();
        times[r.name].push(result.ms);
        if (result.engineMs !== undefined) engine[r.source].push(result.engineMs);
      }
      console.log(`  round ${round_ + 1}/${rounds}: ${runners.map((r) => `${r.name} ${times[r.name].at(-1).toFixed(0)} ms`).join(', ')}`);
    }

    const figures = [];
    const details = { window, rows: rowCount, threads, rounds, dataset: { events: manifest.events, days: manifest.days, files: manifest.files, bytes: manifest.bytes }, medians: {}, runsMs: times };
    for (const source of sources) {
      const ours = median(times[`lakegate ${source}`]);
      const floor = median(times[`duckdb ${source}`]);
      const paired = median(times[`lakegate ${source}`].map((t, i) => t / times[`duckdb ${source}`][i]));
      details.medians[source] = { lakegateMs: round(ours), duckdbMs: round(floor), lakegateEngineMs: round(median(engine[source])), pairedRatio: round(paired, 3) };
      figures.push(figure(`eventStats ${source} via lakegate (median)`, ours, 'ms'));
      figures.push(figure(`eventStats ${source} DuckDB direct (median)`, floor, 'ms'));
      figures.push(
        figure(
          `eventStats ${source} lakegate / DuckDB`,
          ours / floor,
          'x',
          source === 'LAKE' ? { op: '<=', value: 1.2 } : undefined,
          `paired median ${round(paired, 3)}; engine time inside lakegate ${round(median(engine[source]), 1)} ms`,
        ),
      );
    }
    finish('eventStats vs DuckDB', options, { figures, details });
  } finally {
    connection.closeSync();
    instance.closeSync();
    await server.stop();
    removeDir(warehouseCopy.dir);
    await cleanup();
  }
}

runMain(main);
