// GDPR erasure in the embedded lake (src/adapters/duckdb/lake-erasure.ts), on a
// 10,000,000-event lake over 120 days (16 customer buckets per day, the default
// layout), figures measured in one run:
//
//   1. one subject (the busiest customer: present on every day): files rewritten
//      / total files (target <= 1/16) and time;
//   2. 1,000 subjects in one batch: each affected file rewritten exactly once;
//      time against the floor, DuckDB rewriting exactly those files without those
//      subjects (the erasure's own statement: COPY (SELECT ... ANTI JOIN (VALUES
//      <the file's subjects>)) TO ..., as literal SQL, same concurrency, same DuckDB
//      instance, nothing else) (target <= 1.2); bytes rewritten against
//      the whole lake, and the time of a rewrite of the whole lake for reference.
//
// Floor and erasure alternate for --rounds rounds (default 3; each erasure on a
// fresh copy of the lake) after a warm-up floor run, and medians are compared, so
// that other load on the machine weighs on both alike.
//
// The erasure is timed end to end: finding the candidate files, the customer_id
// scan confirming them, the footers' row counts, every rewrite with its row-count
// check, fsync of the file and its directory, the atomic rename and the lake
// refresh. The floor writes its copies to a scratch directory and does no more.
//
// It works on a copy of the dataset whose Parquet files are hard links (the
// erasure renames new files over the names, so the shared dataset is never
// changed) and a copied warehouse.
//
// Run (after `node src/build.mjs --server-only`):
//   node bench/erasure.mjs [--events 10000000] [--days 120] [--subjects 1000] [--concurrency 2] [--rounds 3] [--no-full]
//                          [--data-dir DIR] [--json-out FILE] [--quick]
// The dataset is seeded with `node dist/src/cli.js seed --events 10000000 --days 120`
// into the data dir (default $TMPDIR/lakegate-bench-10000000e-120d) when missing.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { assertBuilt, cleanup, datasetSpec, figure, finish, median, onCleanup, parseArgs, ROOT, runMain, since } from './lib/common.mjs';
import { ensureDataset, linkedCopy, removeDir } from './lib/dataset.mjs';

const require = createRequire(path.join(ROOT, 'package.json'));

function ownArgs(argv) {
  const own = { subjects: 1000, concurrency: 2, full: true };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--subjects') own.subjects = Number(argv[++i]);
    else if (arg === '--concurrency') own.concurrency = Number(argv[++i]);
    else if (arg === '--no-full') own.full = false;
    else rest.push(arg);
  }
  if (!Number.isInteger(own.subjects) || own.subjects < 1) throw new Error('--subjects expects a positive integer');
  if (!Number.isInteger(own.concurrency) || own.concurrency < 1) throw new Error('--concurrency expects a positive integer');
  return { own, rest };
}

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const ALL_DAYS = { from: '0001-01-01', to: '9999-12-31' };
/** CPU time (user + system, every thread of this process: DuckDB's included) since `start`. */
const cpuMs = (start) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** Runs `work` over `items` with `concurrency` in flight. */
async function pool(items, concurrency, work) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  }));
}

async function main() {
  const { own, rest } = ownArgs(process.argv.slice(2));
  const options = parseArgs(rest);
  const rounds = options.rounds ?? (options.quick ? 2 : 3);
  const spec = datasetSpec({ ...options, days: options.days ?? 120 });
  assertBuilt();
  const manifest = await ensureDataset(spec);
  const { DuckDbDatabase } = require('./dist/src/adapters/duckdb/database.js');
  const { DuckDbEngine } = require('./dist/src/adapters/duckdb/engine.js');
  const { DuckDbLake } = require('./dist/src/adapters/duckdb/lake.js');
  const { DuckDbLakeErasure } = require('./dist/src/adapters/duckdb/lake-erasure.js');

  // One DuckDB instance (over an empty database file) runs everything: the floor and every erasure.
  const home = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-erasure-'));
  onCleanup(() => removeDir(home));
  const scratch = path.join(home, 'floor-scratch');
  const threads = os.availableParallelism();
  const db = DuckDbDatabase.forDataDir(home, { threads });
  onCleanup(() => db.close());
  const engine = new DuckDbEngine(db, { defaultTimeoutMs: 3_600_000 });
  const source = new DuckDbLake(engine, { dataDir: spec.dataDir, buckets: manifest.buckets });
  const partitions = await source.partitions();
  const totalFiles = partitions.reduce((s, d) => s + d.files, 0);
  const lakeBytes = partitions.reduce((s, d) => s + d.bytes, 0);
  const allFiles = await source.files(ALL_DAYS);
  const sqlRows = async (text) => (await db.query({ kind: 'fragment', strings: [text], values: [] })).rows;
  const fileList = (files) => `[${files.map((f) => q(f.path)).join(', ')}]`;
  console.log(
    `lake: ${manifest.events.toLocaleString('en-US')} events, ${partitions.length} days, ${totalFiles} files (${manifest.buckets} buckets a day), ` +
      `${(lakeBytes / 1e6).toFixed(1)} MB; DuckDB threads ${threads}; rewrite concurrency ${own.concurrency}; ${rounds} rounds`,
  );

  /** A fresh lake to erase from: the dataset's Parquet files hard-linked (the erasure renames new files over the names). */
  function freshLake() {
    const dir = linkedCopy(spec.dataDir);
    onCleanup(() => removeDir(dir));
    const lake = new DuckDbLake(engine, { dataDir: dir, buckets: manifest.buckets });
    const swapped = [];
    const erasure = new DuckDbLakeErasure(lake, db, dir, { concurrency: own.concurrency, beforeSwap: async (info) => void swapped.push(info.file) });
    return { dir, lake, erasure, swapped, done: () => removeDir(dir) };
  }

  /** The files holding `subjects`, and which of them each holds (input of the floor; not timed). */
  async function affectedFiles(subjects) {
    const candidates = await source.files(ALL_DAYS, subjects);
    const rows = await sqlRows(
      `SELECT filename AS file, list(DISTINCT customer_id) AS subjects FROM read_parquet(${fileList(candidates)}, filename = true, hive_partitioning = false)
       WHERE customer_id IN (${subjects.map(q).join(', ')}) GROUP BY 1 ORDER BY 1`,
    );
    return rows.map((r) => ({ file: String(r.file), subjects: r.subjects.map(String) }));
  }

  /** The floor: DuckDB rewriting exactly these files without these subjects, into a scratch directory. */
  async function floor(files, filter = true) {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await pool(files, own.concurrency, (f, i) =>
      db.exec(
        `COPY (SELECT e.* FROM read_parquet(${q(f.file)}, hive_partitioning = false) e${filter ? ` ANTI JOIN (VALUES ${f.subjects.map((id) => `(${q(id)})`).join(', ')}) s(id) ON e.customer_id = s.id` : ''})
         TO ${q(path.join(scratch, `${i}.parquet`))} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`,
      ),
    );
    const ms = since(started);
    lastCpuMs = cpuMs(cpu);
    rmSync(scratch, { recursive: true, force: true });
    return ms;
  }

  /** Rounds of (floor, erasure on a fresh lake), interleaved so that load on the machine hits both alike. */
  async function measure(subjects, files) {
    const floors = [];
    const erasures = [];
    const floorCpu = [];
    const erasureCpu = [];
    let last;
    await floor(files); // warm-up: the files in the page cache for everyone
    for (let round = 0; round < rounds; round++) {
      floors.push(await floor(files));
      floorCpu.push(lastCpuMs);
      const lake = freshLake();
      await lake.lake.partitions();
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const outcome = await lake.erasure.erase(subjects);
      erasures.push(since(started));
      erasureCpu.push(cpuMs(cpu));
      const left = [...(await lake.erasure.find(subjects)).values()].reduce((a, b) => a + b, 0);
      const rows = Number((await sqlRows(`SELECT COUNT(*) AS n FROM read_parquet(${fileList(await lake.lake.files(ALL_DAYS))}, hive_partitioning = false)`))[0].n);
      const perFile = new Map();
      for (const f of lake.swapped) perFile.set(f, (perFile.get(f) ?? 0) + 1);
      last = { outcome, left, rows, maxRewrites: Math.max(0, ...perFile.values()) };
      lake.done();
    }
    return { floorMs: median(floors), erasureMs: median(erasures), floorCpuMs: median(floorCpu), erasureCpuMs: median(erasureCpu), floors, erasures, ...last };
  }

  let lastCpuMs = 0;
  const customers = (await sqlRows(`SELECT customer_id, COUNT(*) AS n FROM read_parquet(${fileList(allFiles)}, hive_partitioning = false) GROUP BY 1 ORDER BY 2 DESC, 1`)).map((r) => ({
    id: String(r.customer_id),
    n: Number(r.n),
  }));
  const eventsOf = new Map(customers.map((c) => [c.id, c.n]));
  const rowsBefore = manifest.events;

  // 1. One subject: the busiest customer (events on every day).
  const one = customers[0];
  const oneFiles = await affectedFiles([one.id]);
  const single = await measure([one.id], oneFiles);
  console.log(`one subject: ${one.n} events in ${single.outcome.totals.filesRewritten} files: erasure ${single.erasures.map((m) => m.toFixed(0)).join(' / ')} ms, floor ${single.floors.map((m) => m.toFixed(0)).join(' / ')} ms`);

  // 2. A batch: a deterministic spread of customers (hash order), the busiest excluded.
  const batch = (await sqlRows(`SELECT id FROM (SELECT unnest([${customers.slice(1).map((c) => q(c.id)).join(', ')}]) AS id) ORDER BY hash(id), id LIMIT ${own.subjects}`)).map((r) => String(r.id));
  const batchEvents = batch.reduce((s, id) => s + eventsOf.get(id), 0);
  const files = await affectedFiles(batch);
  const affectedBytes = allFiles.filter((f) => files.some((x) => x.file === f.path)).reduce((s, f) => s + f.bytes, 0);
  console.log(`batch: ${batch.length} subjects, ${batchEvents.toLocaleString('en-US')} events in ${files.length} of ${totalFiles} files`);
  const many = await measure(batch, files);
  console.log(`batch: erasure ${many.erasures.map((m) => m.toFixed(0)).join(' / ')} ms, floor ${many.floors.map((m) => m.toFixed(0)).join(' / ')} ms (CPU medians ${many.erasureCpuMs.toFixed(0)} / ${many.floorCpuMs.toFixed(0)} ms)`);

  // Reference: rewriting the whole lake (every file, no filter).
  const fullMs = own.full ? await floor(allFiles.map((f) => ({ file: f.path, subjects: [] })), false) : undefined;

  const figures = [
    figure('one subject: files rewritten / total files', single.outcome.totals.filesRewritten / totalFiles, '', { op: '<=', value: 1 / manifest.buckets }, `${single.outcome.totals.filesRewritten} of ${totalFiles}`),
    figure('one subject: erasure time (median)', single.erasureMs, 'ms', undefined, `${one.n} events removed; floor ${single.floorMs.toFixed(0)} ms`),
    figure('one subject: rows left', single.left, '', { op: '==', value: 0 }),
    figure(`${batch.length} subjects: files rewritten / total files`, many.outcome.totals.filesRewritten / totalFiles, '', undefined, `${many.outcome.totals.filesRewritten} of ${totalFiles}`),
    figure(`${batch.length} subjects: rewrites of the most rewritten file`, many.maxRewrites, '', { op: '==', value: 1 }),
    figure(`${batch.length} subjects: files rewritten = files holding them`, many.outcome.totals.filesRewritten === files.length ? 1 : 0, '', { op: '==', value: 1 }),
    figure(`${batch.length} subjects: erasure time (median)`, many.erasureMs, 'ms'),
    figure(`${batch.length} subjects: floor, DuckDB rewriting exactly those files (median)`, many.floorMs, 'ms'),
    figure(`${batch.length} subjects: erasure / floor`, many.erasureMs / many.floorMs, 'x', { op: '<=', value: 1.2 }),
    figure(`${batch.length} subjects: erasure / floor in CPU time (all threads of the process)`, many.erasureCpuMs / many.floorCpuMs, 'x', undefined, `${many.erasureCpuMs.toFixed(0)} / ${many.floorCpuMs.toFixed(0)} ms`),
    figure(`${batch.length} subjects: bytes rewritten / whole lake`, many.outcome.totals.bytesRewritten / lakeBytes, '', undefined, `${(many.outcome.totals.bytesRewritten / 1e6).toFixed(1)} MB written, ${(affectedBytes / 1e6).toFixed(1)} MB read of ${(lakeBytes / 1e6).toFixed(1)} MB`),
    figure(`${batch.length} subjects: rows removed = their events`, rowsBefore - many.rows === batchEvents && many.outcome.totals.recordsDeleted === batchEvents ? 1 : 0, '', { op: '==', value: 1 }),
    figure(`${batch.length} subjects: rows left`, many.left, '', { op: '==', value: 0 }),
    ...(fullMs === undefined ? [] : [figure('whole lake rewrite (reference)', fullMs, 'ms', undefined, `${totalFiles} files`)]),
  ];
  const result = {
    figures,
    details: {
      events: manifest.events,
      days: partitions.length,
      files: totalFiles,
      buckets: manifest.buckets,
      lakeBytes,
      threads,
      concurrency: own.concurrency,
      rounds,
      oneSubject: { events: one.n, files: single.outcome.totals.filesRewritten, erasuresMs: single.erasures, floorsMs: single.floors },
      batch: { subjects: batch.length, events: batchEvents, files: files.length, erasuresMs: many.erasures, floorsMs: many.floors, erasureCpuMs: many.erasureCpuMs, floorCpuMs: many.floorCpuMs, bytesRewritten: many.outcome.totals.bytesRewritten, bytesRead: affectedBytes },
      fullRewriteMs: fullMs,
    },
  };
  finish('erasure', options, result);
  console.log(JSON.stringify({ bench: 'erasure', ...result.details, ratio: many.erasureMs / many.floorMs, pass: figures.every((f) => f.pass !== false) }));
}

runMain(async () => {
  try {
    await main();
  } finally {
    await cleanup();
  }
});
