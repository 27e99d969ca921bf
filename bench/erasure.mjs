// GDPR erasure in the embedded lake (src/adapters/duckdb/lake-erasure.ts), on a
// 10,000,000-event lake over 120 days (16 customer buckets per day, the default
// layout), figures measured in one run:
//
//   1. one subject (the busiest customer: present on every day): files rewritten
//      / total files (target <= 1/16) and time;
//   2. 1,000 subjects in one batch: each affected file rewritten exactly once;
//      time against the floor, DuckDB rewriting exactly those files without those
//      subjects (COPY ... WHERE customer_id NOT IN (<the file's subjects>), same
//      concurrency, same DuckDB instance, best of two runs before the erasure)
//      (target <= 1.2); bytes rewritten against the whole lake, and the time of a
//      rewrite of the whole lake for reference.
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
//   node bench/erasure.mjs [--events 10000000] [--days 120] [--subjects 1000] [--concurrency 2] [--no-full]
//                          [--data-dir DIR] [--json-out FILE] [--quick]
// The dataset is seeded with `node dist/src/cli.js seed --events 10000000 --days 120`
// into the data dir (default $TMPDIR/lakegate-bench-10000000e-120d) when missing.
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { assertBuilt, cleanup, datasetSpec, figure, finish, onCleanup, parseArgs, ROOT, runMain, since } from './lib/common.mjs';
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
  const spec = datasetSpec({ ...options, days: options.days ?? 120 });
  assertBuilt();
  const manifest = await ensureDataset(spec);
  const { DuckDbDatabase } = require('./dist/src/adapters/duckdb/database.js');
  const { DuckDbEngine } = require('./dist/src/adapters/duckdb/engine.js');
  const { DuckDbLake } = require('./dist/src/adapters/duckdb/lake.js');
  const { DuckDbLakeErasure } = require('./dist/src/adapters/duckdb/lake-erasure.js');

  const work = linkedCopy(spec.dataDir);
  onCleanup(() => removeDir(work));
  const scratch = path.join(work, 'floor-scratch');
  const threads = os.availableParallelism();
  const db = DuckDbDatabase.forDataDir(work, { threads });
  onCleanup(() => db.close());
  const engine = new DuckDbEngine(db, { defaultTimeoutMs: 3_600_000 });
  const lake = new DuckDbLake(engine, { dataDir: work, buckets: manifest.buckets });
  const partitions = await lake.partitions();
  const totalFiles = partitions.reduce((s, d) => s + d.files, 0);
  const lakeBytes = partitions.reduce((s, d) => s + d.bytes, 0);
  const allFiles = await lake.files({ from: '0001-01-01', to: '9999-12-31' });
  const fileList = `[${allFiles.map((f) => q(f.path)).join(', ')}]`;
  const sqlRows = async (text) => (await db.query({ kind: 'fragment', strings: [text], values: [] })).rows;
  console.log(
    `lake: ${manifest.events.toLocaleString('en-US')} events, ${partitions.length} days, ${totalFiles} files (${manifest.buckets} buckets a day), ` +
      `${(lakeBytes / 1e6).toFixed(1)} MB; DuckDB threads ${threads}; rewrite concurrency ${own.concurrency}`,
  );

  const swapped = [];
  const erasure = new DuckDbLakeErasure(lake, work, { concurrency: own.concurrency, beforeSwap: async (info) => void swapped.push(info.file) });
  const rowsOf = async () => Number((await sqlRows(`SELECT COUNT(*) AS n FROM read_parquet(${fileList}, hive_partitioning = false)`))[0].n);

  /** The files holding `subjects`, and which of them each holds (not timed). */
  async function affectedFiles(subjects) {
    const candidates = await lake.files({ from: '0001-01-01', to: '9999-12-31' }, subjects);
    const rows = await sqlRows(
      `SELECT filename AS file, list(DISTINCT customer_id) AS subjects FROM read_parquet([${candidates.map((f) => q(f.path)).join(', ')}], filename = true, hive_partitioning = false)
       WHERE customer_id IN (${subjects.map(q).join(', ')}) GROUP BY 1 ORDER BY 1`,
    );
    return rows.map((r) => ({ file: String(r.file), subjects: r.subjects.map(String) }));
  }

  /** The floor: DuckDB rewriting exactly these files without these subjects, to a scratch directory. */
  async function floor(files) {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const started = process.hrtime.bigint();
    await pool(files, own.concurrency, (f, i) =>
      db.exec(
        `COPY (SELECT * FROM read_parquet(${q(f.file)}, hive_partitioning = false) WHERE customer_id IS NULL OR customer_id NOT IN (${f.subjects.map(q).join(', ')}))
         TO ${q(path.join(scratch, `${i}.parquet`))} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`,
      ),
    );
    const ms = since(started);
    rmSync(scratch, { recursive: true, force: true });
    return ms;
  }

  // Customers by activity, and a deterministic spread of 1,000 of them (hash order).
  const customers = (await sqlRows(`SELECT customer_id, COUNT(*) AS n FROM read_parquet(${fileList}, hive_partitioning = false) GROUP BY 1 ORDER BY 2 DESC, 1`)).map((r) => ({
    id: String(r.customer_id),
    n: Number(r.n),
  }));
  const rowsBefore = await rowsOf();

  // 1. One subject.
  const one = customers[0];
  const oneFiles = await affectedFiles([one.id]);
  const oneFloorMs = Math.min(await floor(oneFiles), await floor(oneFiles));
  swapped.length = 0;
  let started = process.hrtime.bigint();
  const oneOutcome = await erasure.erase([one.id]);
  const oneMs = since(started);
  const oneLeft = (await erasure.find([one.id])).get(one.id) ?? 0;
  console.log(`one subject: ${one.n} events in ${oneOutcome.totals.filesRewritten} files, erased in ${oneMs.toFixed(0)} ms (floor ${oneFloorMs.toFixed(0)} ms)`);

  // 2. A batch of subjects.
  const pool1000 = customers.slice(1).map((c) => c.id);
  const hashOrder = (await sqlRows(`SELECT id FROM (SELECT unnest([${pool1000.map(q).join(', ')}]) AS id) ORDER BY hash(id), id LIMIT ${own.subjects}`)).map((r) => String(r.id));
  const batch = hashOrder;
  const batchEvents = customers.filter((c) => batch.includes(c.id)).reduce((s, c) => s + c.n, 0);
  const files = await affectedFiles(batch);
  const affectedBytes = allFiles.filter((f) => files.some((x) => x.file === f.path)).reduce((s, f) => s + f.bytes, 0);
  console.log(`batch: ${batch.length} subjects, ${batchEvents.toLocaleString('en-US')} events in ${files.length} of ${totalFiles} files; measuring the floor (twice)...`);
  const floors = [await floor(files), await floor(files)];
  const floorMs = Math.min(...floors);
  swapped.length = 0;
  started = process.hrtime.bigint();
  const outcome = await erasure.erase(batch);
  const batchMs = since(started);
  const rewritesPerFile = new Map();
  for (const f of swapped) rewritesPerFile.set(f, (rewritesPerFile.get(f) ?? 0) + 1);
  const maxRewrites = Math.max(0, ...rewritesPerFile.values());
  const left = [...(await erasure.find(batch)).values()].reduce((a, b) => a + b, 0);
  const rowsAfter = await rowsOf();
  console.log(`batch: erased in ${batchMs.toFixed(0)} ms; floor ${floors.map((m) => m.toFixed(0)).join(' / ')} ms`);

  // Reference: rewriting the whole lake.
  let fullMs;
  if (own.full) {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    started = process.hrtime.bigint();
    await pool(allFiles, own.concurrency, (f, i) =>
      db.exec(`COPY (SELECT * FROM read_parquet(${q(f.path)}, hive_partitioning = false)) TO ${q(path.join(scratch, `${i}.parquet`))} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`),
    );
    fullMs = since(started);
    rmSync(scratch, { recursive: true, force: true });
  }

  const figures = [
    figure('one subject: files rewritten / total files', oneOutcome.totals.filesRewritten / totalFiles, '', { op: '<=', value: 1 / manifest.buckets }, `${oneOutcome.totals.filesRewritten} of ${totalFiles}`),
    figure('one subject: erasure time', oneMs, 'ms', undefined, `${one.n} events removed; floor ${oneFloorMs.toFixed(0)} ms`),
    figure('one subject: rows left', oneLeft, '', { op: '==', value: 0 }),
    figure(`${batch.length} subjects: files rewritten / total files`, outcome.totals.filesRewritten / totalFiles, '', undefined, `${outcome.totals.filesRewritten} of ${totalFiles}`),
    figure(`${batch.length} subjects: rewrites of the most rewritten file`, maxRewrites, '', { op: '==', value: 1 }),
    figure(`${batch.length} subjects: files rewritten = files holding them`, outcome.totals.filesRewritten === files.length ? 1 : 0, '', { op: '==', value: 1 }),
    figure(`${batch.length} subjects: erasure time`, batchMs, 'ms'),
    figure(`${batch.length} subjects: floor (DuckDB rewriting exactly those files)`, floorMs, 'ms'),
    figure(`${batch.length} subjects: erasure / floor`, batchMs / floorMs, 'x', { op: '<=', value: 1.2 }),
    figure(`${batch.length} subjects: bytes rewritten / whole lake`, outcome.totals.bytesRewritten / lakeBytes, '', undefined, `${(outcome.totals.bytesRewritten / 1e6).toFixed(1)} MB written, ${(affectedBytes / 1e6).toFixed(1)} MB read of ${(lakeBytes / 1e6).toFixed(1)} MB`),
    figure(`${batch.length} subjects: rows removed = their events`, rowsBefore - one.n - rowsAfter === batchEvents && outcome.totals.recordsDeleted === batchEvents ? 1 : 0, '', { op: '==', value: 1 }),
    figure(`${batch.length} subjects: rows left`, left, '', { op: '==', value: 0 }),
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
      oneSubject: { events: one.n, files: oneOutcome.totals.filesRewritten, ms: oneMs, floorMs: oneFloorMs },
      batch: { subjects: batch.length, events: batchEvents, files: files.length, ms: batchMs, floorsMs: floors, bytesRewritten: outcome.totals.bytesRewritten, bytesRead: affectedBytes },
      fullRewriteMs: fullMs,
    },
  };
  finish('erasure', options, result);
  console.log(JSON.stringify({ bench: 'erasure', ...result.details, ratio: batchMs / floorMs, pass: figures.every((f) => f.pass !== false) }));
}

runMain(async () => {
  try {
    await main();
  } finally {
    await cleanup();
  }
});
