import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LandingFile, LandingFormat, LandingZone } from '../../ports/loads';
import type { Day, DayRange } from '../../util/days';
import { dayDirName, landingDir, parseDayDirName } from './layout';

export interface DirectoryLandingZoneOptions {
  /**
   * A file modified more recently than this is not listed yet (a producer still
   * writing it in place). Producers should write under a temporary name (a leading
   * `.` or `_`, or a `.tmp` suffix) and rename; this is the safety net. Default 1000.
   */
  minAgeMs?: number;
  now?: () => number;
}

/** `batch.jsonl.gz` -> jsonl.gz; null for names producers are still writing or that are not data. */
export function landingFormat(name: string): LandingFormat | null {
  if (name.startsWith('.') || name.startsWith('_')) return null;
  if (name.endsWith('.jsonl.gz') || name.endsWith('.ndjson.gz')) return 'jsonl.gz';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  if (name.endsWith('.parquet')) return 'parquet';
  return null;
}

/**
 * The embedded landing zone: `<dataDir>/landing/events/day=YYYY-MM-DD/<file>`.
 * Loaded files are deleted (their rows are in the lake; the ledger remembers
 * their versions until they are gone).
 */
export class DirectoryLandingZone implements LandingZone {
  private readonly root: string;
  private readonly minAgeMs: number;
  private readonly now: () => number;

  constructor(dataDir: string, options: DirectoryLandingZoneOptions = {}) {
    this.root = landingDir(dataDir);
    this.minAgeMs = options.minAgeMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get location(): string {
    return this.root;
  }

  /** Absolute path of a listed file. */
  pathOf(file: LandingFile): string {
    return path.join(this.root, file.name);
  }

  async list(range?: DayRange): Promise<Map<Day, LandingFile[]>> {
    const out = new Map<Day, LandingFile[]>();
    const dayNames = (await readdir(this.root).catch(() => [] as string[])).sort();
    const newest = this.now() - this.minAgeMs;
    for (const dayName of dayNames) {
      const day = parseDayDirName(dayName);
      if (!day || (range && (day < range.from || day > range.to))) continue;
      const files: LandingFile[] = [];
      for (const name of (await readdir(path.join(this.root, dayName)).catch(() => [] as string[])).sort()) {
        const format = landingFormat(name);
        if (!format) continue;
        const s = await stat(path.join(this.root, dayName, name)).catch(() => null);
        if (!s?.isFile() || Math.floor(s.mtimeMs) > newest) continue;
        files.push({
          day,
          name: `${dayName}/${name}`,
          format,
          bytes: s.size,
          modifiedAt: new Date(Math.floor(s.mtimeMs)).toISOString(),
          version: `${s.size}-${Math.floor(s.mtimeMs * 1000)}`,
        });
      }
      if (files.length > 0) out.set(day, files);
    }
    return out;
  }

  async markLoaded(day: Day, files: readonly LandingFile[]): Promise<void> {
    for (const file of files) {
      const target = this.pathOf(file);
      const s = await stat(target).catch(() => null);
      // Rewritten since it was taken: a new version, loaded next time.
      if (!s || `${s.size}-${Math.floor(s.mtimeMs * 1000)}` !== file.version) continue;
      await rm(target, { force: true });
    }
    await rmdir(path.join(this.root, dayDirName(day))).catch(() => undefined); // only when empty
  }
}
