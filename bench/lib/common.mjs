// Helpers shared by the benchmarks: arguments, statistics, figures, ports, paths.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// LAKEGATE_BENCH_CLI: another build of the server to measure (e.g. a copy of dist/ while dist/ is rebuilt).
export const CLI = process.env.LAKEGATE_BENCH_CLI ? path.resolve(process.env.LAKEGATE_BENCH_CLI) : path.join(ROOT, 'dist/src/cli.js');

/** The benchmarks run the built server (dist/): say how to build it when it is missing. */
export function assertBuilt() {
  if (!existsSync(CLI)) {
    throw new Error(`dist/ is missing: run \`npm run build\` (or \`node src/build.mjs --server-only\`) in ${ROOT} first`);
  }
}

/**
 * Common options of every benchmark script:
 *   --quick           small data, short runs (a smoke run: figures are not comparable)
 *   --data-dir DIR    the seeded data directory to use (seeded there when missing or different)
 *   --json-out FILE   also write the result (figures and details) as JSON
 *   --events N --days D   dataset size (default 10,000,000 events over 365 days; quick: 300,000)
 *   --rounds N --duration S --connections C   measurement knobs (per benchmark defaults)
 */
export function parseArgs(argv = process.argv.slice(2)) {
  const options = { quick: false, dataDir: undefined, jsonOut: undefined, events: undefined, days: undefined, rounds: undefined, duration: undefined, connections: undefined };
  const number = (name, value) => {
    const n = Number(String(value).replace(/_/g, ''));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number, got ${JSON.stringify(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} expects a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--quick': options.quick = true; break;
      case '--data-dir': options.dataDir = path.resolve(next()); break;
      case '--json-out': options.jsonOut = path.resolve(next()); break;
      case '--events': options.events = number('events', next()); break;
      case '--days': options.days = number('days', next()); break;
      case '--rounds': options.rounds = number('rounds', next()); break;
      case '--duration': options.duration = number('duration', next()); break;
      case '--connections': options.connections = number('connections', next()); break;
      default: throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}

/** Dataset size for the options: 10M events over 365 days, or a small one with --quick. */
export function datasetSpec(options) {
  const events = options.events ?? (options.quick ? 300_000 : 10_000_000);
  const days = options.days ?? 365;
  const dataDir = options.dataDir ?? path.join(os.tmpdir(), `lakegate-bench-${events}e-${days}d`);
  return { events, days, dataDir };
}

export function median(values) {
  return percentile(values, 0.5);
}

export function percentile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const round = (n, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** ms since `started` (from process.hrtime.bigint()). */
export const since = (started) => Number(process.hrtime.bigint() - started) / 1e6;

/**
 * One reported figure. `target` is { op: '<=' | '>=' | '==', value } or undefined
 * (information only); `pass` is computed from it.
 */
export function figure(name, value, unit, target, note) {
  let pass;
  if (target) {
    if (!Number.isFinite(value)) pass = false;
    else if (target.op === '<=') pass = value <= target.value;
    else if (target.op === '>=') pass = value >= target.value;
    else pass = value === target.value;
  }
  return { name, value: typeof value === 'number' ? round(value, Math.abs(value) < 0.1 && value !== 0 ? 4 : 2) : value, unit, ...(target ? { target: `${target.op} ${target.value}`, pass } : {}), ...(note ? { note } : {}) };
}

export function printFigures(title, figures) {
  console.log(`\n${title}`);
  for (const f of figures) {
    const verdict = f.pass === undefined ? '' : f.pass ? '  PASS' : '  MISS';
    console.log(`  ${f.name}: ${f.value}${f.unit ? ` ${f.unit}` : ''}${f.target ? ` (target ${f.target})${verdict}` : ''}${f.note ? `  [${f.note}]` : ''}`);
  }
}

/** Writes the result to --json-out (when given) and prints the figures. */
export function finish(name, options, result) {
  printFigures(`${name}${options.quick ? ' (quick: small data, not comparable)' : ''}`, result.figures);
  if (options.jsonOut) {
    mkdirSync(path.dirname(options.jsonOut), { recursive: true });
    writeFileSync(options.jsonOut, `${JSON.stringify({ name, quick: options.quick, ...result }, null, 2)}\n`);
  }
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Runs `main` and exits with 1 on failure (after the cleanups in `main` ran). */
export function runMain(main) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}

/** Closers run in reverse order on exit, SIGINT and SIGTERM, so children never outlive the bench. */
const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}
export async function cleanup() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (error) {
      console.error('cleanup failed:', error instanceof Error ? error.message : error);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}
