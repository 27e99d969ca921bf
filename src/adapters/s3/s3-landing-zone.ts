import type { LandingFile, LandingFormat, LandingZone } from '../../ports/loads';
import type { Day, DayRange } from '../../util/days';
import type { S3Objects } from './s3-objects';

/**
 * The landing zone on S3: the prefixes of the two landing tables (migrations/athena
 * 002 and 004), `<prefix>day=YYYY-MM-DD/<file>`. Parquet and JSON Lines live under
 * separate prefixes because Athena reads every object under a table's location and
 * cannot skip the ones of another format. A file's version is its ETag; the files
 * stay where they are (markLoaded does nothing): the bucket's lifecycle rule
 * expires them (docs/AWS.md), and the load ledger tells loaded versions apart.
 */
export interface LandingPrefixes {
  /** s3:// location of the Parquet landing table, ending in '/'. */
  parquet: string;
  /** s3:// location of the JSON Lines landing table. */
  jsonl: string;
}

const DAY_FILE = /^day=(\d{4}-\d{2}-\d{2})\/([^/]+)$/;

export class S3LandingZone implements LandingZone {
  constructor(
    private readonly objects: S3Objects,
    readonly prefixes: LandingPrefixes,
  ) {}

  /** The s3:// URI of a listed file (Athena's "$path"). */
  uriOf(file: LandingFile): string {
    return `${file.format === 'parquet' ? this.prefixes.parquet : this.prefixes.jsonl}${file.name}`;
  }

  async list(range?: DayRange): Promise<Map<Day, LandingFile[]>> {
    const files: LandingFile[] = [];
    for (const root of ['parquet', 'jsonl'] as const) {
      const entries = await this.objects.list(this.prefixes[root], {
        // Keys sort by day (day=YYYY-MM-DD/...): start at the first day, stop past the last.
        ...(range ? { startAfter: `day=${range.from}`, stopAt: (name: string) => name.slice(4, 14) > range.to } : {}),
      });
      for (const entry of entries) {
        const match = DAY_FILE.exec(entry.name);
        const format = match ? landingFormatOf(match[2]!, root) : null;
        if (!match || !format || (range && (match[1]! < range.from || match[1]! > range.to))) continue;
        files.push({ day: match[1]!, name: entry.name, format, bytes: entry.bytes, modifiedAt: entry.modifiedAt, version: entry.etag });
      }
    }
    files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const out = new Map<Day, LandingFile[]>();
    for (const file of files) out.set(file.day, [...(out.get(file.day) ?? []), file]);
    return out;
  }

  async markLoaded(_day: Day, _files: readonly LandingFile[]): Promise<void> {
    // Nothing to do on S3: the lifecycle rule expires landing objects.
  }
}

/**
 * The format of a file under a landing prefix; null for names that are not data
 * (hidden `.x` / `_x` files, other extensions, or another format's file under this
 * prefix, which the loader leaves alone).
 */
export function landingFormatOf(name: string, root: 'parquet' | 'jsonl'): LandingFormat | null {
  if (name.startsWith('.') || name.startsWith('_')) return null;
  if (root === 'parquet') return name.endsWith('.parquet') ? 'parquet' : null;
  if (name.endsWith('.jsonl.gz') || name.endsWith('.ndjson.gz')) return 'jsonl.gz';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  return null;
}
