import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { isDay, type Day } from '../../util/days';
import { manifestPath } from './layout';

/**
 * `<dataDir>/lakegate.json`: what the data directory holds. The seeder writes the
 * `seed` section last, so a directory without it (or with an incomplete one) was
 * never seeded or was left half-seeded, and is seeded again. Other top-level keys
 * belong to other modules and are kept. (The development subject-hash key is a
 * file of its own, subject-hash.key: src/wiring/subject-hash-key.ts.)
 */
export const MANIFEST_VERSION = 1;

export interface SeedManifest {
  /** Layout version of the seeded data (bump when the layout changes). */
  version: number;
  seededAt: string;
  randomSeed: number;
  events: number;
  customers: number;
  decisions: number;
  jobs: number;
  jobRuns: number;
  days: number;
  startDay: Day;
  endDay: Day;
  /** Files per day partition: customers are hashed into this many buckets. */
  buckets: number;
  files: number;
  bytes: number;
  durationMs: number;
}

export type DataManifest = Record<string, unknown> & { version?: number; seed?: SeedManifest };

function isSeedManifest(value: unknown): value is SeedManifest {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const counts = ['version', 'randomSeed', 'events', 'customers', 'decisions', 'jobs', 'jobRuns', 'days', 'buckets', 'files', 'bytes', 'durationMs'];
  return (
    counts.every((k) => typeof v[k] === 'number' && Number.isFinite(v[k])) &&
    typeof v.seededAt === 'string' &&
    typeof v.startDay === 'string' &&
    isDay(v.startDay) &&
    typeof v.endDay === 'string' &&
    isDay(v.endDay)
  );
}

function parse(text: string): DataManifest | null {
  try {
    const json: unknown = JSON.parse(text);
    return json && typeof json === 'object' && !Array.isArray(json) ? (json as DataManifest) : null;
  } catch {
    return null;
  }
}

/** The whole manifest, or null when missing or unreadable. */
export async function readDataManifest(dataDir: string): Promise<DataManifest | null> {
  try {
    return parse(await readFile(manifestPath(dataDir), 'utf8'));
  } catch {
    return null;
  }
}

export function readDataManifestSync(dataDir: string): DataManifest | null {
  try {
    return parse(readFileSync(manifestPath(dataDir), 'utf8'));
  } catch {
    return null;
  }
}

/** The seed section when the directory was completely seeded, else null. */
export async function readSeedManifest(dataDir: string): Promise<SeedManifest | null> {
  const manifest = await readDataManifest(dataDir);
  return manifest && isSeedManifest(manifest.seed) ? manifest.seed : null;
}

export function readSeedManifestSync(dataDir: string): SeedManifest | null {
  const manifest = readDataManifestSync(dataDir);
  return manifest && isSeedManifest(manifest.seed) ? manifest.seed : null;
}

/** Read-modify-write of lakegate.json, atomically (temporary file + rename). */
export async function updateDataManifest(dataDir: string, change: (current: DataManifest) => DataManifest): Promise<DataManifest> {
  const next = change((await readDataManifest(dataDir)) ?? {});
  const target = manifestPath(dataDir);
  const temporary = `${target}.${randomUUID()}.tmp`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, 'utf8');
  await rename(temporary, target);
  return next;
}
