import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ErasureStoreName, Residue, ResidueScan } from '../ports/erasure';
import { ByteSearch } from '../util/byte-search';

export interface FileOwner {
  store: ErasureStoreName;
  /** Absolute path of a file or directory; every file whose path starts with it belongs to the store. */
  path: string;
  /**
   * A decoded view of a file of this store, searched besides its raw bytes (the
   * embedded DynamoDB's LevelDB files: Snappy blocks, prefix-compressed keys, log
   * records split across blocks); null when the file has none.
   */
  plainBytes?: (file: string) => Promise<Buffer | null>;
  /** The deletion ledger keeps its items here too. */
  ledger?: boolean;
}

/** Files read at once. */
const READERS = 4;

export interface DirectoryResidueScanOptions {
  /** The directory searched, every file under it (the embedded data directory). */
  root: string;
  owners: readonly FileOwner[];
  afterCompleted?: (signal?: AbortSignal) => Promise<void>;
  /** Bytes read at a time (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * The byte-level verification of the embedded mode: every file under the data
 * directory (lake Parquet files, warehouse.duckdb and its .wal, the LevelDB files
 * of the decisions and of the ledger, anything else) is read once per batch, in
 * chunks, and searched for all of the batch's raw subject ids at once (ByteSearch:
 * Aho-Corasick); chunks overlap by the longest id, so an id across two chunks is
 * found. A file that holds a subject's id fails that subject's verification, naming
 * the file and the store that owns it (whose step then runs again).
 *
 * Matching is by substring, not by whole token: binary and compressed files put
 * arbitrary bytes around a value, so token boundaries cannot be trusted and a
 * whole-token rule would miss real copies. The price: an id that is part of another
 * id still held (cus_4 inside cus_42) is reported too. Ids of fixed width or with a
 * terminator (the demo's cus_NNNNNN) never are; see docs/OPERATIONS.md.
 *
 * Compressed contents are searched only where a decoder is given (LevelDB); that
 * the other compressed formats hold nothing of the subject follows from how they
 * are erased (Parquet files and warehouse.duckdb are rewritten from live rows, and
 * the stores' own queries found no row).
 */
export class DirectoryResidueScan implements ResidueScan {
  private readonly root: string;
  private readonly owners: FileOwner[];
  private readonly chunkBytes: number;

  constructor(private readonly options: DirectoryResidueScanOptions) {
    this.root = path.resolve(options.root);
    // Longest path first: the most specific owner wins.
    this.owners = [...options.owners].map((o) => ({ ...o, path: path.resolve(o.path) })).sort((a, b) => b.path.length - a.path.length);
    this.chunkBytes = options.chunkBytes ?? 1 << 20;
  }

  async scan(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, Residue[]>> {
    const ids = [...new Set(subjects)].filter((id) => id.length > 0);
    const out = new Map<string, Residue[]>();
    if (ids.length === 0) return out;
    const search = new ByteSearch(ids.map((id) => Buffer.from(id, 'utf8')));
    const files = await filesUnder(this.root);
    const hits: Array<Set<number>> = new Array(files.length);
    // A few files at a time (their reads overlap), each reader with one buffer for all its files.
    let next = 0;
    const reader = async () => {
      const buffer = Buffer.allocUnsafe(this.chunkBytes + Math.max(0, search.longest - 1));
      for (let i = next++; i < files.length; i = next++) {
        signal?.throwIfAborted();
        const file = files[i]!;
        const found = new Set<number>();
        await this.searchFile(file, search, found, buffer);
        const owner = this.ownerOf(file);
        const plain = found.size < ids.length ? await owner?.plainBytes?.(file) : null;
        if (plain) search.search(plain, found);
        hits[i] = found;
      }
    };
    await Promise.all(Array.from({ length: Math.min(READERS, files.length) }, reader));
    files.forEach((file, i) => {
      const owner = this.ownerOf(file);
      for (const index of hits[i] ?? []) {
        const residues = out.get(ids[index]!) ?? [];
        residues.push({ file: path.relative(this.root, file), store: owner?.store ?? null, ...(owner?.ledger ? { ledger: true } : {}) });
        out.set(ids[index]!, residues);
      }
    });
    return out;
  }

  private ownerOf(file: string): FileOwner | undefined {
    return this.owners.find((o) => file === o.path || file.startsWith(o.path));
  }

  async afterCompleted(signal?: AbortSignal): Promise<void> {
    await this.options.afterCompleted?.(signal);
  }

  /** The file's bytes in chunks that overlap by longest - 1 (a file removed meanwhile holds nothing). */
  private async searchFile(file: string, search: ByteSearch, found: Set<number>, buffer: Buffer): Promise<void> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const overlap = Math.max(0, search.longest - 1);
      let carried = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, carried, this.chunkBytes, null);
        if (bytesRead === 0) break;
        const end = carried + bytesRead;
        search.search(buffer.subarray(0, end), found);
        if (found.size === search.patterns.length) return;
        carried = Math.min(overlap, end);
        buffer.copy(buffer, 0, end - carried, end);
      }
    } finally {
      await handle.close();
    }
  }
}

/** Every regular file under `dir` (symbolic links are not followed), sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
