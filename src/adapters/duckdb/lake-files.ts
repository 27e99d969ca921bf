import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Day } from '../../util/days';
import { eventsDir, parseBucketFileName, parseDayDirName } from './layout';

export interface LakeFile {
  day: Day;
  bucket: number;
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface LakeDay {
  day: Day;
  dir: string;
  files: LakeFile[];
  bytes: number;
  /** When the partition directory was created (birth time where the file system keeps it). */
  createdAt: string;
  mtimeMs: number;
}

interface Snapshot {
  /** Identity of the events directory: a new day, or a swapped-in directory, changes it. */
  dirKey: string;
  days: LakeDay[];
  /** Day directories that had no files yet (a writer may be filling them): re-checked on every call. */
  pending: Array<{ dir: string; mtimeMs: number }>;
}

/**
 * The lake's directory listing, cached. Each call costs one stat of events/: a
 * new or removed day partition changes that directory, and only then is it listed
 * again (known days are kept). Files rewritten inside a day (erasure) do not show
 * there: whoever rewrites calls refresh().
 */
export class LakeDirectory {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;

  constructor(readonly dataDir: string) {}

  get root(): string {
    return eventsDir(this.dataDir);
  }

  async days(): Promise<LakeDay[]> {
    const key = await this.dirKey();
    if (this.snapshot && this.snapshot.dirKey === key && !(await this.pendingChanged(this.snapshot))) return this.snapshot.days;
    return (await this.load(key, false)).days;
  }

  /** Re-reads every partition (after files were written or rewritten). */
  async refresh(): Promise<void> {
    this.snapshot = undefined;
    await this.load(await this.dirKey(), true);
  }

  private async pendingChanged(snapshot: Snapshot): Promise<boolean> {
    for (const pending of snapshot.pending) {
      const s = await stat(pending.dir).catch(() => null);
      if (!s || s.mtimeMs !== pending.mtimeMs) return true;
    }
    return false;
  }

  private async dirKey(): Promise<string> {
    try {
      const s = await stat(this.root);
      return `${s.ino}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  private load(key: string, full: boolean): Promise<Snapshot> {
    if (!this.loading) {
      const previous = full ? undefined : this.snapshot;
      this.loading = this.list(key, previous).finally(() => {
        this.loading = undefined;
      });
    }
    return this.loading.then((snapshot) => {
      this.snapshot = snapshot;
      return snapshot;
    });
  }

  private async list(key: string, previous: Snapshot | undefined): Promise<Snapshot> {
    if (key === 'missing') return { dirKey: key, days: [], pending: [] };
    const known = new Map((previous?.days ?? []).map((d) => [d.day, d]));
    // The same directory inode: days seen before are unchanged (rewrites call refresh()).
    const sameRoot = previous !== undefined && previous.dirKey.split(':')[0] === key.split(':')[0];
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return { dirKey: 'missing', days: [], pending: [] };
    }
    const days: LakeDay[] = [];
    const pending: Snapshot['pending'] = [];
    for (const name of names) {
      const day = parseDayDirName(name);
      if (!day) continue;
      const cached = sameRoot ? known.get(day) : undefined;
      const listed = cached ?? (await this.listDay(day, path.join(this.root, name)));
      if (listed && listed.files.length > 0) days.push(listed);
      else if (listed) pending.push({ dir: listed.dir, mtimeMs: listed.mtimeMs });
    }
    days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    return { dirKey: key, days, pending };
  }

  private async listDay(day: Day, dir: string): Promise<LakeDay | null> {
    try {
      const dirStat = await stat(dir);
      const files: LakeFile[] = [];
      for (const name of await readdir(dir)) {
        const bucket = parseBucketFileName(name);
        if (bucket === null) continue;
        const file = path.join(dir, name);
        const s = await stat(file).catch(() => null);
        if (s?.isFile()) files.push({ day, bucket, path: file, bytes: s.size, mtimeMs: s.mtimeMs });
      }
      files.sort((a, b) => a.bucket - b.bucket);
      const born = dirStat.birthtimeMs > 0 ? dirStat.birthtimeMs : dirStat.mtimeMs;
      return {
        day,
        dir,
        files,
        bytes: files.reduce((sum, f) => sum + f.bytes, 0),
        createdAt: new Date(Math.floor(born)).toISOString(),
        mtimeMs: dirStat.mtimeMs,
      };
    } catch {
      return null; // removed while we listed it
    }
  }
}
