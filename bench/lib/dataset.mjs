// The benchmark dataset: seeded once with the CLI (`lakegate seed`) into a data
// directory and reused while its lakegate.json says it holds the same events and days.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertBuilt, CLI, ROOT } from './common.mjs';

export function readManifest(dataDir) {
  try {
    const json = JSON.parse(readFileSync(path.join(dataDir, 'lakegate.json'), 'utf8'));
    return json && typeof json.seed === 'object' ? json.seed : null;
  } catch {
    return null;
  }
}

/** Seeds `dataDir` unless it already holds `events` events over `days` days. Returns the seed manifest. */
export async function ensureDataset({ dataDir, events, days }, log = console.log) {
  assertBuilt();
  const existing = readManifest(dataDir);
  if (existing && existing.events === events && existing.days === days && existsSync(path.join(dataDir, 'warehouse.duckdb'))) {
    log(`dataset: reusing ${dataDir} (${events.toLocaleString('en-US')} events over ${days} days, to ${existing.endDay})`);
    return existing;
  }
  log(`dataset: seeding ${events.toLocaleString('en-US')} events over ${days} days into ${dataDir} (a minute or two for 10M)`);
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'seed', '--events', String(events), '--days', String(days)], {
      cwd: ROOT,
      env: { ...process.env, LAKEGATE_DATA_DIR: dataDir, LAKEGATE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`lakegate seed failed (${signal ?? `exit ${code}`})`))));
  });
  const manifest = readManifest(dataDir);
  if (!manifest || manifest.events !== events) throw new Error(`seeding ${dataDir} did not produce a manifest for ${events} events`);
  log(`dataset: seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return manifest;
}

/**
 * A second data directory over the same data, for a second server process (DuckDB
 * and dynalite lock their files): the lake's Parquet files are hard-linked (read
 * only by the benchmarks), the warehouse, dynamodb and the manifest (with the
 * subject-hash key, so both processes build the same cache keys and tags) copied.
 */
export function linkedCopy(dataDir) {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-copy-'));
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    const from = path.join(dataDir, entry.name);
    const to = path.join(copy, entry.name);
    if (entry.name === 'dynamodb.lock' || entry.name.endsWith('.tmp') || entry.name.endsWith('.wal')) continue;
    if (entry.name === 'events' && entry.isDirectory()) linkTree(from, to);
    else if (entry.isDirectory()) cpSync(from, to, { recursive: true });
    else copyFileSync(from, to);
  }
  return copy;
}

function linkTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target); // another file system
      }
    }
  }
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** A copy of one file into a temp dir (a DuckDB file another process holds open). */
export function tempCopyOf(file) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-file-'));
  const target = path.join(dir, path.basename(file));
  copyFileSync(file, target);
  return { dir, file: target, bytes: statSync(target).size };
}

/** Monday of the ISO week holding `day` ('YYYY-MM-DD', UTC). */
export function weekStart(day) {
  const ms = Date.parse(`${day}T00:00:00Z`);
  const weekday = new Date(ms).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

export function addDays(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The analytics team's weekly window (DESIGN.md): the 30 full weeks (Monday to
 * Sunday) before the week of "today", where today is the day after the data ends.
 */
export function weeklyWindow(manifest) {
  const today = addDays(manifest.endDay, 1);
  const thisMonday = weekStart(today);
  return { from: addDays(thisMonday, -7 * 30), to: addDays(thisMonday, -1) };
}
