import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LakeColumn, LakeFile } from './athena-redshift-duckdb';
import { listLakeFiles } from './athena-redshift-duckdb';
import { TranslationError } from './athena-translate';

/**
 * An Iceberg table of the Athena emulator, with the parts of Iceberg that decide
 * whether an erasure really removes data from S3:
 *
 * - **Snapshots.** Each commit (the first listing, an INSERT/MERGE's new files, a
 *   DELETE, an OPTIMIZE) is a snapshot: the data files and position-delete files it
 *   references, and when it was committed. Readers see the current snapshot only.
 * - **DELETE is merge-on-read.** It writes one position-delete file per data file
 *   holding matching rows (`<day dir>/delete-<uuid>.parquet`: file_path, pos) and
 *   leaves the data file as it is; a data file whose every live row goes is dropped
 *   from the snapshot. The rows are gone for readers; their bytes are still on disk.
 * - **OPTIMIZE ... REWRITE DATA USING BIN_PACK [WHERE <partition predicate>]**
 *   rewrites, per partition (day, bucket), the data files with at least
 *   `optimize_rewrite_delete_file_threshold` delete files (default 2), if there are
 *   at least `optimize_rewrite_data_file_threshold` of them (default 5): their live
 *   rows go to one new file, and the new snapshot no longer references the old
 *   files or their deletes. (Small-file compaction is not emulated.)
 * - **VACUUM** expires the snapshots older than `vacuum_max_snapshot_age_seconds`
 *   (the emulator's `snapshotMaxAgeMs` overrides it), keeping the newest
 *   `vacuum_min_snapshots_to_keep` (default 1), then deletes every file under the
 *   table that no remaining snapshot references (expired snapshots' files and
 *   orphans) — unless the caller lacks s3:DeleteObject: then, as AWS documents,
 *   "the VACUUM query will succeed, but the files will not be deleted".
 *
 * Files that appear on disk (written by the emulator's INSERT/MERGE, or by a test)
 * are committed as an append the next time the table is read; files that disappear
 * from disk leave the current snapshot. `$partitions` and `$files` describe the
 * current snapshot's files as they are on disk (record counts from the Parquet
 * footers, sizes from the files).
 */
export interface IcebergFileInfo {
  path: string;
  day: string;
  bucket: number | undefined;
  bytes: number;
  rows: number;
}

interface Snapshot {
  id: number;
  committedAt: number;
  operation: 'append' | 'delete' | 'overwrite' | 'replace';
  data: Set<string>;
  /** delete file -> the data file its positions refer to */
  deletes: Map<string, string>;
}

const DELETE_PREFIX = 'delete-';

export class IcebergTable {
  private snapshots: Snapshot[] = [];
  /** Every file a snapshot ever referenced (a file that vanished from the snapshots is not re-added by a listing). */
  private readonly known = new Set<string>();
  private nextId = 1;
  private readonly footers = new Map<string, { stamp: string; rows: number }>();

  constructor(
    readonly dir: string,
    readonly columns: LakeColumn[],
    /** s3:// location of the table (ending in '/'), for "$path" and $files. */
    public location: string,
    readonly properties: Record<string, string>,
  ) {}

  get snapshotId(): number {
    return this.current().id;
  }

  current(): Snapshot {
    return this.snapshots[this.snapshots.length - 1] ?? { id: 0, committedAt: 0, operation: 'append', data: new Set(), deletes: new Map() };
  }

  allSnapshots(): ReadonlyArray<{ id: number; committedAt: number; operation: string; parent: number | null }> {
    return this.snapshots.map((s, i) => ({ id: s.id, committedAt: s.committedAt, operation: s.operation, parent: i > 0 ? this.snapshots[i - 1]!.id : null }));
  }

  /** The s3:// URI of a local file of the table. */
  uriOf(file: string): string {
    return `${this.location}${path.relative(this.dir, file).split(path.sep).join('/')}`;
  }

  /**
   * Commits what changed on disk since the last look: new data files (an append)
   * and vanished ones. Returns true when a snapshot was committed.
   */
  sync(now = Date.now()): boolean {
    const onDisk = listLakeFiles(this.dir).map((f) => f.path);
    const present = new Set(onDisk);
    const current = this.current();
    const added = onDisk.filter((f) => !this.known.has(f));
    const vanished = [...current.data].filter((f) => !present.has(f));
    const vanishedDeletes = [...current.deletes.keys()].filter((f) => !existsSync(f));
    if (added.length === 0 && vanished.length === 0 && vanishedDeletes.length === 0) return false;
    const data = new Set(current.data);
    const deletes = new Map(current.deletes);
    for (const f of vanished) {
      data.delete(f);
      for (const [d, target] of deletes) if (target === f) deletes.delete(d);
    }
    for (const d of vanishedDeletes) deletes.delete(d);
    for (const f of added) data.add(f);
    this.commit(added.length > 0 && vanished.length === 0 ? 'append' : 'overwrite', data, deletes, now);
    return true;
  }

  private commit(operation: Snapshot['operation'], data: Set<string>, deletes: Map<string, string>, now: number): void {
    for (const f of data) this.known.add(f);
    for (const f of deletes.keys()) this.known.add(f);
    this.snapshots.push({ id: this.nextId++, committedAt: now, operation, data, deletes });
  }

  /** The current snapshot's data files, with their partitions, sizes and record counts (Parquet footers). */
  async dataFiles(connection: DuckDBConnection): Promise<IcebergFileInfo[]> {
    const files = [...this.current().data].sort();
    const out: IcebergFileInfo[] = [];
    for (const file of files) {
      const info = describe(this.dir, file);
      if (!info) continue;
      out.push({ path: file, ...info, rows: await this.rowsOf(connection, file) });
    }
    return out;
  }

  /** Delete files of the current snapshot: path -> the data file they apply to. */
  deleteFiles(): Map<string, string> {
    return new Map(this.current().deletes);
  }

  private async rowsOf(connection: DuckDBConnection, file: string): Promise<number> {
    const s = statSync(file, { throwIfNoEntry: false });
    const stamp = s ? `${s.size}:${s.mtimeMs}` : '';
    const known = this.footers.get(file);
    if (known && known.stamp === stamp) return known.rows;
    const rows = Number((await connection.runAndReadAll(`SELECT COALESCE(SUM(num_rows), 0) FROM parquet_file_metadata(${literal(file)})`)).getRows()[0]?.[0] ?? 0);
    this.footers.set(file, { stamp, rows });
    return rows;
  }

  /**
   * The SELECT a reader sees: the current snapshot's data files without the rows
   * their delete files name, with Iceberg's hidden "$path"; undefined when the
   * snapshot holds no data file (the relation is then an empty table).
   */
  relationSql(): string | undefined {
    const { data, deletes } = this.current();
    if (data.size === 0) return undefined;
    const select = this.columns.map((c) => `CAST(d.${quote(c.name)} AS ${c.type}) AS ${quote(c.name)}`).join(', ');
    const files = [...data].sort().map(literal).join(', ');
    const source = `read_parquet([${files}], hive_partitioning = true, hive_types = {'day': DATE}, union_by_name = true, filename = true, file_row_number = true)`;
    const pathColumn = `${literal(this.location)} || substr(d.filename, ${this.dir.length + 2}) AS "$path"`;
    const applying = [...deletes.keys()].filter((f) => data.has(deletes.get(f)!));
    const anti = applying.length === 0 ? '' : ` ANTI JOIN read_parquet([${applying.sort().map(literal).join(', ')}]) x ON x.file_path = d.filename AND x.pos = d.file_row_number`;
    return `SELECT ${select}, ${pathColumn} FROM ${source} d${anti}`;
  }

  /**
   * DELETE FROM <table> WHERE <predicate (DuckDB SQL)>: position-delete files for
   * the data files holding matching live rows; a data file left without live rows
   * leaves the snapshot. Returns the bytes read (every current data file, whole).
   */
  async delete(connection: DuckDBConnection, predicate: string, now = Date.now()): Promise<number> {
    const current = this.current();
    const data = new Set(current.data);
    const deletes = new Map(current.deletes);
    let scanned = 0;
    let changed = false;
    for (const file of [...current.data].sort()) {
      const info = describe(this.dir, file);
      if (!info) continue;
      scanned += info.bytes;
      const existing = [...deletes].filter(([, target]) => target === file).map(([d]) => d);
      const live = this.liveRowsSql(file, existing);
      const hits = Number((await connection.runAndReadAll(`SELECT COUNT(*) FROM (${live}) r WHERE ${predicate}`)).getRows()[0]![0]);
      if (hits === 0) continue;
      changed = true;
      const remaining = Number((await connection.runAndReadAll(`SELECT COUNT(*) FROM (${live}) r WHERE (${predicate}) IS NOT TRUE`)).getRows()[0]![0]);
      if (remaining === 0) {
        data.delete(file);
        for (const d of existing) deletes.delete(d);
        continue;
      }
      const target = path.join(path.dirname(file), `${DELETE_PREFIX}${randomUUID()}.parquet`);
      await connection.run(`COPY (SELECT ${literal(file)} AS file_path, r.file_row_number AS pos FROM (${live}) r WHERE ${predicate} ORDER BY pos) TO ${literal(target)} (FORMAT parquet)`);
      deletes.set(target, file);
    }
    if (changed) this.commit('delete', data, deletes, now);
    return scanned;
  }

  /** A data file's rows that no delete file removed, with their position (file_row_number) and partition columns. */
  private liveRowsSql(file: string, deleteFiles: string[]): string {
    const source = `read_parquet(${literal(file)}, hive_partitioning = true, hive_types = {'day': DATE}, file_row_number = true)`;
    const columns = this.columns.map((c) => `CAST(${quote(c.name)} AS ${c.type}) AS ${quote(c.name)}`).join(', ');
    const anti = deleteFiles.length === 0 ? '' : ` WHERE file_row_number NOT IN (SELECT pos FROM read_parquet([${deleteFiles.map(literal).join(', ')}]))`;
    return `SELECT ${columns}, file_row_number FROM ${source}${anti}`;
  }

  /**
   * OPTIMIZE ... REWRITE DATA USING BIN_PACK [WHERE <predicate on day>]: see the
   * header. `dayMatches` says whether a partition day is selected by the WHERE.
   */
  async optimize(connection: DuckDBConnection, dayMatches: (day: string) => Promise<boolean>, now = Date.now()): Promise<number> {
    const deleteThreshold = intProperty(this.properties, 'optimize_rewrite_delete_file_threshold', 2);
    const dataThreshold = intProperty(this.properties, 'optimize_rewrite_data_file_threshold', 5);
    const current = this.current();
    const data = new Set(current.data);
    const deletes = new Map(current.deletes);
    const partitions = new Map<string, Array<{ file: string; info: NonNullable<ReturnType<typeof describe>>; deletes: string[] }>>();
    for (const file of current.data) {
      const info = describe(this.dir, file);
      if (!info) continue;
      const own = [...current.deletes].filter(([, target]) => target === file).map(([d]) => d);
      if (own.length < deleteThreshold || own.length === 0) continue;
      const key = `${info.day}/${info.bucket ?? ''}`;
      partitions.set(key, [...(partitions.get(key) ?? []), { file, info, deletes: own }]);
    }
    let scanned = 0;
    let changed = false;
    for (const group of partitions.values()) {
      if (group.length < dataThreshold) continue;
      const { day, bucket } = group[0]!.info;
      if (!(await dayMatches(day))) continue;
      changed = true;
      const stored = this.columns.filter((c) => c.name !== 'day').map((c) => quote(c.name));
      const order = ['customer_id', 'occurred_at'].every((n) => this.columns.some((c) => c.name === n)) ? ' ORDER BY customer_id, occurred_at' : '';
      const union = group.map((g) => `SELECT ${stored.join(', ')} FROM (${this.liveRowsSql(g.file, g.deletes)})`).join(' UNION ALL ');
      const name = `${bucket === undefined ? '' : `bucket-${String(bucket).padStart(2, '0')}-`}optimize-${randomUUID()}.parquet`;
      const target = path.join(this.dir, `day=${day}`, name);
      mkdirSync(path.dirname(target), { recursive: true });
      const written = Number((await connection.runAndReadAll(`COPY (SELECT * FROM (${union})${order}) TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd)`)).getRows()[0]?.[0] ?? 0);
      for (const g of group) {
        scanned += g.info.bytes;
        data.delete(g.file);
        for (const d of g.deletes) deletes.delete(d);
      }
      if (written > 0) data.add(target);
      else rmSync(target, { force: true });
    }
    if (changed) this.commit('replace', data, deletes, now);
    return scanned;
  }

  /**
   * VACUUM: expires old snapshots, then deletes the files no remaining snapshot
   * references unless `canDelete` is false (no s3:DeleteObject: nothing is deleted,
   * and VACUUM still succeeds). Returns what it expired and deleted, and the
   * unreferenced files it left.
   */
  vacuum(canDelete: boolean, maxAgeMsOverride: number | undefined, now = Date.now()): { expired: number; deleted: string[]; left: string[] } {
    const maxAgeMs = maxAgeMsOverride ?? intProperty(this.properties, 'vacuum_max_snapshot_age_seconds', 432_000) * 1000;
    const keep = Math.max(1, intProperty(this.properties, 'vacuum_min_snapshots_to_keep', 1));
    const cutoff = now - maxAgeMs;
    const before = this.snapshots.length;
    this.snapshots = this.snapshots.filter((s, i) => i >= this.snapshots.length - keep || s.committedAt >= cutoff);
    const referenced = new Set<string>();
    for (const s of this.snapshots) {
      for (const f of s.data) referenced.add(f);
      for (const f of s.deletes.keys()) referenced.add(f);
    }
    const unreferenced = allFiles(this.dir).filter((f) => !referenced.has(f));
    if (!canDelete) return { expired: before - this.snapshots.length, deleted: [], left: unreferenced };
    for (const f of unreferenced) rmSync(f, { force: true });
    return { expired: before - this.snapshots.length, deleted: unreferenced, left: [] };
  }
}

/** Day, bucket and size of a data or delete file under `dir` (day=YYYY-MM-DD/<name>); undefined when gone. */
function describe(dir: string, file: string): { day: string; bucket: number | undefined; bytes: number } | undefined {
  const s = statSync(file, { throwIfNoEntry: false });
  if (!s) return undefined;
  const day = /day=(\d{4}-\d{2}-\d{2})/.exec(path.relative(dir, file))?.[1] ?? '';
  const bucket = /bucket-(\d+)/.exec(path.basename(file))?.[1];
  return { day, bucket: bucket === undefined ? undefined : Number(bucket), bytes: s.size };
}

/** Every Parquet file under the table's day directories (data and delete files). */
function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^day=/.test(entry.name)) continue;
    for (const name of readdirSync(path.join(dir, entry.name))) if (name.endsWith('.parquet')) out.push(path.join(dir, entry.name, name));
  }
  return out.sort();
}

export function isDeleteFile(name: string): boolean {
  return path.basename(name).startsWith(DELETE_PREFIX);
}

function intProperty(properties: Record<string, string>, name: string, fallback: number): number {
  const value = properties[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new TranslationError(`INVALID_TABLE_PROPERTY: ${name} must be a non-negative integer, got '${value}'`, 'INVALID_TABLE_PROPERTY');
  return n;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export type { LakeFile };
