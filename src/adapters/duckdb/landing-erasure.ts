import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore, type SubjectErasure } from '../../ports/erasure';
import { raw, sql } from '../../ports/sql';
import type { DuckDbDatabase } from './database';
import { landingDir, quarantineDir } from './layout';
import { fileListLiteral, quoteSqlString } from './sql-literals';

/**
 * Erasure of the files still waiting in the landing zone and of the quarantine
 * (embedded mode): a landing file or quarantine file holding a subject is rewritten
 * without the subject's rows (temporary file, fsync, atomic rename), so that no row
 * of an erased customer is loaded later or kept among the rejected ones. JSON Lines
 * are filtered line by line (a line is the subject's when its customer_id is, or,
 * for a line that is not JSON, when it holds the id); Parquet through DuckDB.
 */
export class DirectoryLandingErasure implements ErasureStore {
  readonly store = 'landing' as const;

  constructor(
    private readonly database: DuckDbDatabase,
    private readonly dataDir: string,
  ) {}

  async recover(): Promise<void> {
    for (const file of await this.files()) if (file.endsWith('.gdpr.tmp')) await rm(file, { force: true });
  }

  async find(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const file of await this.files()) {
      signal?.throwIfAborted();
      for (const [id, n] of (await this.scan(file, new Set(subjects))).perSubject) found.set(id, (found.get(id) ?? 0) + n);
    }
    return found;
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    const wanted = new Set(subjects);
    for (const file of await this.files()) {
      context.signal?.throwIfAborted();
      const { perSubject, rewrite } = await this.scan(file, wanted);
      if (perSubject.size === 0) continue;
      const bytes = await rewrite();
      outcome.totals.filesRewritten += 1;
      outcome.totals.bytesRewritten += bytes;
      for (const [id, n] of perSubject) {
        const entry: SubjectErasure = outcome.subjects.get(id) ?? emptyErasure();
        entry.recordsDeleted += n;
        entry.filesRewritten += 1;
        entry.bytesRewritten += bytes;
        outcome.subjects.set(id, entry);
        outcome.totals.recordsDeleted += n;
      }
    }
    return outcome;
  }

  /** The subjects' rows in one file, and how to rewrite it without them. */
  private async scan(file: string, subjects: ReadonlySet<string>): Promise<{ perSubject: Map<string, number>; rewrite: () => Promise<number> }> {
    if (file.endsWith('.parquet')) return (await this.scanParquet(file, subjects)) ?? this.scanUnreadable(file, subjects);
    const gzip = file.endsWith('.gz');
    const content = await readFile(file);
    let text: Buffer;
    try {
      text = gzip ? gunzipSync(content) : content;
    } catch {
      return this.scanUnreadable(file, subjects);
    }
    const lines = text.toString('utf8').split('\n');
    const perSubject = new Map<string, number>();
    const kept: string[] = [];
    for (const line of lines) {
      const owner = lineSubject(line, subjects);
      if (owner === null) kept.push(line);
      else perSubject.set(owner, (perSubject.get(owner) ?? 0) + 1);
    }
    const rewrite = async () => {
      const text = Buffer.from(kept.join('\n'), 'utf8');
      return replaceFile(file, gzip ? gzipSync(text) : text);
    };
    return { perSubject, rewrite };
  }

  /**
   * A file that cannot be read as what its name says (kept whole in the quarantine
   * because the loader could not read it either): when its bytes hold a subject's
   * id, it goes as a whole, the only way to take the id out.
   */
  private async scanUnreadable(file: string, subjects: ReadonlySet<string>): Promise<{ perSubject: Map<string, number>; rewrite: () => Promise<number> }> {
    const bytes = await readFile(file);
    const perSubject = new Map<string, number>();
    for (const id of subjects) if (bytes.includes(Buffer.from(id, 'utf8'))) perSubject.set(id, 1);
    return { perSubject, rewrite: async () => (await rm(file, { force: true }), 0) };
  }

  private async scanParquet(file: string, subjects: ReadonlySet<string>): Promise<{ perSubject: Map<string, number>; rewrite: () => Promise<number> } | null> {
    const ids = [...subjects];
    const list = `(${ids.map((id) => quoteSqlString(id)).join(', ')})`;
    const source = `read_parquet(${fileListLiteral([file])}, hive_partitioning = false)`;
    let perSubject = new Map<string, number>();
    try {
      const { rows } = await this.database.query(sql`${raw(`SELECT CAST(customer_id AS VARCHAR) AS id, COUNT(*) AS n FROM ${source} WHERE CAST(customer_id AS VARCHAR) IN ${list} GROUP BY 1`)}`);
      perSubject = new Map(rows.map((r) => [String(r.id), Number(r.n)]));
    } catch {
      return null; // not readable as Parquet with a customer_id column
    }
    const rewrite = async () => {
      const temporary = `${file}.${randomBytes(6).toString('hex')}.gdpr.tmp`;
      await this.database.exec(
        `COPY (SELECT * FROM ${source} WHERE CAST(customer_id AS VARCHAR) IS NULL OR CAST(customer_id AS VARCHAR) NOT IN ${list}) TO ${quoteSqlString(temporary)} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`,
      );
      return swapIn(temporary, file);
    };
    return { perSubject, rewrite };
  }

  /** Every file of the landing zone and the quarantine. */
  private async files(): Promise<string[]> {
    const out: string[] = [];
    for (const root of [landingDir(this.dataDir), quarantineDir(this.dataDir)]) {
      for (const day of await readdir(root).catch(() => [] as string[])) {
        for (const name of await readdir(path.join(root, day)).catch(() => [] as string[])) out.push(path.join(root, day, name));
      }
    }
    return out;
  }
}

/** The subject a landing or quarantine line belongs to, or null. */
function lineSubject(line: string, subjects: ReadonlySet<string>): string | null {
  if (line.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    for (const id of subjects) if (line.includes(id)) return id;
    return null;
  }
  const record = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const direct = record.customer_id;
  if (typeof direct === 'string' && subjects.has(direct)) return direct;
  // A quarantine line: { reason, file, raw (the landing line), row (a Parquet row) }.
  const row = record.row as Record<string, unknown> | null | undefined;
  if (row && typeof row.customer_id === 'string' && subjects.has(row.customer_id)) return row.customer_id;
  if (typeof record.raw === 'string') return lineSubject(record.raw, subjects);
  return null;
}

async function replaceFile(file: string, contents: Buffer): Promise<number> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.gdpr.tmp`;
  await writeFile(temporary, contents);
  return swapIn(temporary, file);
}

async function swapIn(temporary: string, file: string): Promise<number> {
  const handle = await open(temporary, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return size;
}
