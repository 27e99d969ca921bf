// Runs the benchmarks, prints a summary table (figure, target, PASS/MISS) and writes
// bench/results/latest.json (bench/results/latest-quick.json with --quick).
//
// Usage: node bench/run.mjs [--quick] [--only name[,name...]] [--data-dir DIR] [--list]
//   --quick      small data and short runs: a smoke run, figures not comparable
//   --only       run only these (names as listed by --list, e.g. stampede,cache-speedup)
//   --data-dir   the seeded data directory to use (seeded there when missing or different;
//                default: <tmp>/lakegate-bench-<events>e-<days>d, reused across runs)
//
// Needs the built server (npm run build, or `npm run bench`, which builds first).
// Each benchmark runs in a process of its own, one after the other. With --only,
// latest.json keeps the other benchmarks' last results.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertBuilt, CLI, datasetSpec, ROOT } from './lib/common.mjs';
import { ensureDataset } from './lib/dataset.mjs';

const BENCH = path.join(ROOT, 'bench');
const TIMEOUT_MS = 45 * 60_000;

/** Benchmarks in the order they run; `dataset`: needs the seeded 10M-event data directory. */
const OURS = [
  { name: 'event-stats-vs-duckdb', issue: 2, dataset: true },
  { name: 'partition-pruning', issue: 2, dataset: true },
  { name: 'framework-overhead', issue: 2, dataset: true },
  { name: 'cache-vs-constant', issue: 4, dataset: true },
  { name: 'cache-speedup', issue: 4, dataset: true },
  { name: 'stampede', issue: 4, dataset: true },
  { name: 'attack-latency', issue: 16, dataset: false },
  // Seeds its own small base (200,000 events over 30 days) and loads 2,000,000-event days into copies of it.
  { name: 'loads', issue: 8, dataset: false },
  // Its own 1,000,000-event dataset (a concurrency sweep over the 10M one would take too long on 2 cores).
  { name: 'overload', issue: 11, dataset: false },
  // Its own 1,000,000-event dataset: a tenant's lake scan reads only its bucket files.
  { name: 'tenant-scan', issue: 10, dataset: false },
  // Its own tiny dataset ({ __typename } reads none): JWT vs API key on the request path.
  { name: 'jwt-overhead', issue: 10, dataset: false },
];

function benchmarks() {
  const list = OURS.map((b) => ({ ...b, kind: 'standard' }));
  if (existsSync(path.join(BENCH, 'athena-overhead.mjs'))) list.push({ name: 'athena-overhead', issue: 3, dataset: false, kind: 'athena' });
  // Erasure benchmarks (issue 5), if present: same conventions as ours (see docs/BENCHMARKS.md).
  for (const file of readdirSync(BENCH).filter((f) => /^erasure.*\.mjs$/.test(f)).sort()) {
    list.push({ name: file.replace(/\.mjs$/, ''), issue: 5, dataset: true, kind: 'external' });
  }
  return list;
}

function parseArgs(argv) {
  const o = { quick: false, only: undefined, dataDir: undefined, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--list') o.list = true;
    else if (a === '--only') o.only = String(argv[++i] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--data-dir') o.dataDir = path.resolve(String(argv[++i]));
    else throw new Error(`unknown option ${a} (use --quick, --only name[,name], --data-dir DIR, --list)`);
  }
  return o;
}

/** Runs one benchmark process; resolves with its exit code and captured stdout (when piped). */
function runProcess(args, { env, capture }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      console.error(`run: ${args[0]} exceeded ${TIMEOUT_MS / 60_000} min, stopping it`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, TIMEOUT_MS);
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

function lastJsonLine(text) {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t);
    } catch {
      // not JSON after all
    }
  }
  return undefined;
}

/** bench/athena-overhead.mjs --json -> figures (target: p50 overhead <= 150 ms). */
function athenaFigures(report) {
  const a = report.athenaOverhead;
  const r = report.redshiftOverhead;
  const c = report.conversion;
  const settings = `engine answers after ${report.settings.engineLatencyMs} ms; ${a.queries} queries`;
  return [
    { name: 'Athena: lakegate time minus engine time, p50', value: a.p50Ms, unit: 'ms', target: '<= 150', pass: a.p50Ms <= 150, note: `p90 ${a.p90Ms} ms, max ${a.maxMs} ms; ${settings}` },
    { name: 'Redshift Data: lakegate time minus engine time, p50', value: r.p50Ms, unit: 'ms', note: `p90 ${r.p90Ms} ms, max ${r.maxMs} ms` },
    { name: `Athena result conversion (${c.rows} rows)`, value: c.athenaConversionRowsPerSec, unit: 'rows/s', note: `DuckDB direct conversion ${c.duckdbConversionRowsPerSec} rows/s, ratio ${c.athenaVsDuckdbConversion}` },
    { name: `Athena end to end minus engine time (${c.rows} rows)`, value: c.athenaEndToEndMs, unit: 'ms', note: `${c.athenaEndToEndRowsPerSec} rows/s; DuckDB end to end ${c.duckdbEndToEndMs} ms` },
  ];
}

async function runOne(bench, options, dataDir, tmp) {
  const started = Date.now();
  const jsonOut = path.join(tmp, `${bench.name}.json`);
  let result;
  if (bench.kind === 'athena') {
    const args = [path.join(BENCH, 'athena-overhead.mjs'), '--json', ...(options.quick ? ['--queries', '10', '--rows', '20000'] : [])];
    const { code, out } = await runProcess(args, { capture: true, env: {} });
    const report = code === 0 ? lastJsonLine(out) : undefined;
    result = report ? { ok: true, figures: athenaFigures(report), details: report } : { ok: false, error: `exit ${code}` };
  } else {
    const args = [path.join(BENCH, `${bench.name}.mjs`), ...(options.quick ? ['--quick'] : []), '--json-out', jsonOut];
    // Benchmarks with a dataset of their own (dataset: false) get no --data-dir (they would seed into it).
    if (bench.kind === 'standard' && dataDir) args.push('--data-dir', dataDir);
    // External benchmarks get the seeded dataset as a hint (LAKEGATE_BENCH_DATA_DIR: read it, copy it, never modify it).
    const env = dataDir ? { LAKEGATE_BENCH_DATA_DIR: dataDir } : {};
    const { code, out } = await runProcess(args, { capture: bench.kind === 'external', env });
    let parsed;
    if (existsSync(jsonOut)) parsed = JSON.parse(readFileSync(jsonOut, 'utf8'));
    else if (bench.kind === 'external') parsed = lastJsonLine(out);
    if (code === 0 && parsed) {
      const figures = Array.isArray(parsed.figures) ? parsed.figures : [{ name: 'result (see details)', value: '-', unit: '' }];
      result = { ok: true, figures, details: parsed.details ?? parsed };
    } else {
      result = { ok: false, error: `exit ${code}${parsed ? '' : ', no result written'}` };
    }
  }
  return { name: bench.name, issue: bench.issue, seconds: Math.round((Date.now() - started) / 1000), finishedAt: new Date().toISOString(), ...result };
}

function table(entries) {
  const rows = [['benchmark', 'figure', 'value', 'target', 'result']];
  for (const e of entries) {
    if (!e.ok) {
      rows.push([e.name, `FAILED (${e.error})`, '', '', 'FAIL']);
      continue;
    }
    for (const f of e.figures) {
      rows.push([e.name, f.name, `${f.value}${f.unit ? ` ${f.unit}` : ''}`, f.target ?? '', f.pass === undefined ? '' : f.pass ? 'PASS' : 'MISS']);
    }
  }
  const widths = rows[0].map((_, c) => Math.min(c === 1 ? 70 : 40, Math.max(...rows.map((r) => String(r[c]).length))));
  const line = (r) => r.map((cell, c) => String(cell).slice(0, widths[c]).padEnd(widths[c])).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const all = benchmarks();
  if (options.list) {
    for (const b of all) console.log(`${b.name} (issue ${b.issue})`);
    return 0;
  }
  const unknown = (options.only ?? []).filter((n) => !all.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${all.map((b) => b.name).join(', ')}`);
  const selected = options.only ? all.filter((b) => options.only.includes(b.name)) : all;
  assertBuilt();

  const startedAt = new Date().toISOString();
  const machineAtStart = machine();
  console.log(`lakegate benchmarks${options.quick ? ' (quick: small data, figures not comparable)' : ''}: ${selected.map((b) => b.name).join(', ')}`);
  console.log(`machine: ${machineAtStart.cpus} x ${machineAtStart.cpuModel}, ${machineAtStart.memoryGiB} GiB, Node ${machineAtStart.node}, load ${machineAtStart.loadAverage1m}; server ${path.relative(ROOT, CLI)}`);

  const spec = datasetSpec({ quick: options.quick, dataDir: options.dataDir });
  let manifest;
  if (selected.some((b) => b.dataset)) manifest = await ensureDataset(spec);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-run-'));
  const entries = [];
  try {
    for (const bench of selected) {
      console.log(`\n=== ${bench.name} (issue ${bench.issue}) ===`);
      const entry = await runOne(bench, options, bench.dataset ? spec.dataDir : undefined, tmp);
      entries.push(entry);
      if (!entry.ok) console.error(`run: ${bench.name} failed: ${entry.error}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  console.log(`\nSummary${options.quick ? ' (quick)' : ''}\n${table(entries)}`);
  const resultsDir = path.join(BENCH, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, options.quick ? 'latest-quick.json' : 'latest.json');
  let previous = [];
  if (options.only && existsSync(file)) {
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')).benchmarks ?? [];
    } catch {
      previous = [];
    }
  }
  const benchmarksOut = [...previous.filter((p) => !entries.some((e) => e.name === p.name)), ...entries].sort(
    (a, b) => all.findIndex((x) => x.name === a.name) - all.findIndex((x) => x.name === b.name),
  );
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt,
        finishedAt: new Date().toISOString(),
        quick: options.quick,
        server: path.relative(ROOT, CLI),
        machine: { ...machineAtStart, loadAverage1mAtEnd: machine().loadAverage1m },
        dataset: manifest ? { dir: spec.dataDir, events: manifest.events, days: manifest.days, startDay: manifest.startDay, endDay: manifest.endDay, files: manifest.files, bytes: manifest.bytes } : undefined,
        benchmarks: benchmarksOut,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(ROOT, file)}`);
  return entries.every((e) => e.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
