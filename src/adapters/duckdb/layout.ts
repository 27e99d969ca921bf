import path from 'node:path';
import { isDay, type Day } from '../../util/days';

/**
 * The embedded data directory (docs/ARCHITECTURE.md):
 *   events/day=YYYY-MM-DD/bucket-BB.parquet   the lake
 *   landing/events/day=YYYY-MM-DD/*.{parquet,jsonl,jsonl.gz}   producers' drop zone (src/loads)
 *   quarantine/events/day=YYYY-MM-DD/*.jsonl  landing rows that failed validation, with their reason
 *   warehouse.duckdb                          schemas warehouse, ops, lakegate
 *   lakegate.json                             what was seeded
 * Every module that reads or writes these paths goes through this file.
 */
export const EVENTS_DIR = 'events';
export const WAREHOUSE_FILE = 'warehouse.duckdb';
export const MANIFEST_FILE = 'lakegate.json';
export const LANDING_DIR = path.join('landing', 'events');
export const QUARANTINE_DIR = path.join('quarantine', 'events');

const DAY_DIR = /^day=(\d{4}-\d{2}-\d{2})$/;
const BUCKET_FILE = /^bucket-(\d{2,4})\.parquet$/;

export function eventsDir(dataDir: string): string {
  return path.join(dataDir, EVENTS_DIR);
}

export function landingDir(dataDir: string): string {
  return path.join(dataDir, LANDING_DIR);
}

export function quarantineDir(dataDir: string): string {
  return path.join(dataDir, QUARANTINE_DIR);
}

export function warehousePath(dataDir: string): string {
  return path.join(dataDir, WAREHOUSE_FILE);
}

export function manifestPath(dataDir: string): string {
  return path.join(dataDir, MANIFEST_FILE);
}

export function dayDirName(day: Day): string {
  return `day=${day}`;
}

export function dayDir(dataDir: string, day: Day): string {
  return path.join(eventsDir(dataDir), dayDirName(day));
}

/** `bucket-03.parquet`: two digits (more only beyond 100 buckets). */
export function bucketFileName(bucket: number): string {
  return `bucket-${String(bucket).padStart(2, '0')}.parquet`;
}

export function bucketFilePath(dataDir: string, day: Day, bucket: number): string {
  return path.join(dayDir(dataDir, day), bucketFileName(bucket));
}

/** The day of a `day=YYYY-MM-DD` directory name, or null for anything else. */
export function parseDayDirName(name: string): Day | null {
  const match = DAY_DIR.exec(name);
  return match && isDay(match[1]!) ? match[1]! : null;
}

/** The bucket of a `bucket-BB.parquet` file name, or null (temporary files, other names). */
export function parseBucketFileName(name: string): number | null {
  const match = BUCKET_FILE.exec(name);
  return match ? Number(match[1]) : null;
}
