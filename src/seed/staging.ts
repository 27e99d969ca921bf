import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { EVENTS_DIR, WAREHOUSE_FILE } from '../adapters/duckdb/layout';

/**
 * Seeding writes into `<dataDir>/.seed-staging-*` (same file system, so moving
 * the result into place is a rename), and the previous data is moved aside and
 * deleted only after the new data is in place. lakegate.json is written after the
 * swap: a crash anywhere leaves a directory that is detected as not seeded.
 */
const STAGING_PREFIX = '.seed-staging-';
const TRASH_PREFIX = '.seed-trash-';

/** What the swap moves: the lake and the warehouse file with its write-ahead log. */
const SWAPPED = [EVENTS_DIR, WAREHOUSE_FILE, `${WAREHOUSE_FILE}.wal`];

export async function createStagingDir(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  // Leftovers of seeds that crashed.
  for (const name of await readdir(dataDir)) {
    if (name.startsWith(STAGING_PREFIX) || name.startsWith(TRASH_PREFIX)) await rm(path.join(dataDir, name), { recursive: true, force: true });
  }
  const staging = path.join(dataDir, `${STAGING_PREFIX}${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  return staging;
}

export async function swapIntoPlace(dataDir: string, staging: string): Promise<void> {
  const trash = path.join(dataDir, `${TRASH_PREFIX}${process.pid}-${Date.now()}`);
  await mkdir(trash, { recursive: true });
  for (const name of SWAPPED) {
    if (existsSync(path.join(dataDir, name))) await rename(path.join(dataDir, name), path.join(trash, name));
  }
  for (const name of SWAPPED) {
    if (existsSync(path.join(staging, name))) await rename(path.join(staging, name), path.join(dataDir, name));
  }
  await rm(trash, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
}

export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
