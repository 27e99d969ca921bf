import { existsSync, mkdirSync } from 'node:fs';
import { open as openFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AppError, backendUnavailable, ErrorCode } from '../../errors/app-error';
import { rootLogger } from '../../observability/logger';
import type { SqlFragment } from '../../ports/sql';
import { ConnectionPool, PoolClosedError } from './connection-pool';
import { duckDbErrorType, errorMessage } from './errors';
import { warehousePath } from './layout';
import { DuckDbSession, type QueryOutput } from './session';
import { quoteSqlString } from './sql-literals';

/** Name of the attached database file inside the DuckDB instance. */
export const DATABASE_ALIAS = 'lakegate_db';
/** The copy being written by rewriteFile(), attached beside it. */
const REWRITE_ALIAS = 'lakegate_rewrite';

/** What rewriteFile() did. */
export interface DatabaseRewrite {
  bytesBefore: number;
  bytesAfter: number;
  /** Time with the database held (statements waited meanwhile). */
  heldMs: number;
}

type Opened = { instance: DuckDBInstance; pool: ConnectionPool<DuckDbSession> };

export interface DuckDbDatabaseOptions {
  /** The database file, or ':memory:'. */
  path: string;
  /** DuckDB worker threads (default: DuckDB's, all cores). */
  threads?: number;
  /** e.g. '4GB' (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string;
  /** Where DuckDB spills when over the memory limit (default: next to the file). */
  tempDirectory?: string;
  /**
   * Connections open at once (default 3). Each running statement occupies one of
   * Node's libuv threads (4 unless UV_THREADPOOL_SIZE says otherwise), so keep this
   * below that to leave threads for file system work.
   */
  maxConnections?: number;
}

/**
 * The one DuckDB instance of a process over `<dataDir>/warehouse.duckdb`, opened
 * on first use. A failed open is forgotten, so the next call tries again (e.g.
 * once another process released the file). Statements run on a small pool of
 * connections so that several requests are served at once.
 */
export class DuckDbDatabase {
  readonly path: string;
  private opening: Promise<Opened> | undefined;
  private closed = false;
  /** Set while rewriteFile() holds the database: sessions wait for it. */
  private gate: Promise<void> | undefined;

  constructor(private readonly options: DuckDbDatabaseOptions) {
    this.path = options.path;
  }

  /** The warehouse database of an embedded data directory. */
  static forDataDir(dataDir: string, options: Omit<DuckDbDatabaseOptions, 'path'> = {}): DuckDbDatabase {
    return new DuckDbDatabase({ ...options, path: warehousePath(dataDir) });
  }

  /** Runs `fn` on a pooled connection; waiting for one honours `signal`. */
  async withSession<T>(fn: (session: DuckDbSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let pool: ConnectionPool<DuckDbSession>;
    let session: DuckDbSession;
    for (;;) {
      // A rewrite of the file holds the database for a moment: wait for it, then use the reopened file.
      while (this.gate) await waitFor(this.gate, signal);
      const opening = this.open();
      pool = (await opening).pool;
      try {
        session = await pool.acquire(signal);
        break;
      } catch (error) {
        // The pool was replaced meanwhile (a rewrite or a reset after a FATAL error): ask the new one.
        if (error instanceof PoolClosedError && !this.closed && this.opening !== opening) continue;
        if (error instanceof PoolClosedError) throw backendUnavailable('duckdb', 'the database is closing');
        throw error;
      }
    }
    let fatal = false;
    try {
      return await fn(session);
    } catch (error) {
      fatal = duckDbErrorType(error) === 'FATAL Error';
      throw error;
    } finally {
      pool.release(session, fatal);
      // After a FATAL error DuckDB refuses every statement until it is reopened.
      if (fatal) void this.reset();
    }
  }

  /** Trusted SQL text (several statements allowed). */
  exec(text: string, signal?: AbortSignal): Promise<void> {
    return this.withSession((s) => s.exec(text), signal);
  }

  /** One statement with typed parameters, unaccounted (internal use: migrations, seeding). */
  query(fragment: SqlFragment, signal?: AbortSignal): Promise<QueryOutput> {
    return this.withSession((s) => s.query(fragment), signal);
  }

  /** BEGIN ... COMMIT around `fn`, ROLLBACK when it throws. */
  transaction<T>(fn: (session: DuckDbSession) => Promise<T>): Promise<T> {
    return this.withSession(async (session) => {
      await session.exec('BEGIN TRANSACTION');
      try {
        const result = await fn(session);
        await session.exec('COMMIT');
        return result;
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Interrupts running statements, waits briefly for them, closes connections and the instance. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    while (this.gate) await this.gate; // a rewrite in progress finishes first (it never waits for new work)
    await this.reset(graceMs);
  }

  /**
   * Rewrites the database file from its live contents, so that no block of it still
   * holds rows that were deleted (GDPR erasure: DuckDB reuses freed blocks but never
   * clears them, and only compacts row groups where many rows went). Crash-safe:
   *
   *   1. new statements wait; the running ones finish (at most `drainTimeoutMs`,
   *      else nothing is done and a retryable error says so)
   *   2. `COPY FROM DATABASE` into `<file>.rewrite` (schemas, tables with their
   *      constraints and comments, views, sequences, macros), every table's row
   *      count checked against the original, the copy detached and fsynced
   *   3. the instance is closed (checkpointing the original: no .wal is left)
   *   4. the copy is renamed over the original and the directory fsynced
   *
   * then the waiting statements run on the file reopened. A crash before 4 leaves the
   * original and a stray `.rewrite` file (removed by the next rewrite); after 4, the
   * complete copy.
   */
  async rewriteFile(options: { drainTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<DatabaseRewrite> {
    if (this.path === ':memory:') return { bytesBefore: 0, bytesAfter: 0, heldMs: 0 };
    const held = Date.now();
    return this.hold(options, async (opened) => {
      const bytesBefore = (await stat(this.path)).size;
      await this.copyAndSwap(opened);
      return { bytesBefore, bytesAfter: (await stat(this.path)).size, heldMs: Date.now() - held };
    });
  }

  /**
   * Runs `fn` while no statement runs: new statements wait, the running ones finish
   * first (at most `drainTimeoutMs`, else a retryable error and `fn` is not run).
   * For swapping files that statements read (the lake's files of a day, replaced
   * together by a load: a statement sees all of them old or all new). `fn` must not
   * use the database.
   */
  async exclusive<T>(fn: () => Promise<T>, options: { drainTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    return this.hold(options, () => fn());
  }

  private async hold<T>(options: { drainTimeoutMs?: number; signal?: AbortSignal }, fn: (opened: Opened) => Promise<T>): Promise<T> {
    if (this.closed) throw backendUnavailable('duckdb', 'the database was closed');
    while (this.gate) await waitFor(this.gate, options.signal); // one holder at a time
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    try {
      const opened = await this.open();
      await drain(opened.pool, options.drainTimeoutMs ?? 30_000, options.signal);
      return await fn(opened);
    } finally {
      this.gate = undefined;
      release();
    }
  }

  private async copyAndSwap(opened: Opened): Promise<void> {
    const copy = `${this.path}.rewrite`;
    await rm(copy, { force: true });
    await rm(`${copy}.wal`, { force: true });
    const connection = await opened.instance.connect();
    try {
      await connection.run(`ATTACH ${quoteSqlString(copy)} AS ${REWRITE_ALIAS}`);
      try {
        await connection.run(`COPY FROM DATABASE ${DATABASE_ALIAS} TO ${REWRITE_ALIAS}`);
        await checkSameContents(connection);
      } finally {
        await connection.run(`DETACH ${REWRITE_ALIAS}`);
      }
      if (existsSync(`${copy}.wal`)) throw new Error(`${path.basename(copy)}.wal was left after detaching the copy`);
      await fsyncPath(copy);
    } catch (error) {
      await rm(copy, { force: true }).catch(() => undefined);
      await rm(`${copy}.wal`, { force: true }).catch(() => undefined);
      throw new AppError(ErrorCode.BACKEND_QUERY_FAILED, `duckdb: the rewrite of ${path.basename(this.path)} failed, the file was left unchanged: ${errorMessage(error)}`, {
        details: { backend: 'duckdb' },
        cause: error,
        retryable: true,
      });
    } finally {
      connection.closeSync();
    }

    // Nothing runs (new statements wait at the gate): close, swap, and let the next statement reopen.
    this.opening = undefined;
    await opened.pool.close(0);
    opened.instance.closeSync();
    if (existsSync(`${this.path}.wal`)) {
      // Closing checkpoints; a log still there belongs to the original and would be replayed onto the copy.
      await rm(copy, { force: true });
      throw new AppError(ErrorCode.BACKEND_QUERY_FAILED, `duckdb: ${path.basename(this.path)}.wal was left after closing; the file was not rewritten`, {
        details: { backend: 'duckdb' },
        retryable: true,
      });
    }
    await rename(copy, this.path);
    await fsyncPath(path.dirname(this.path));
  }

  private async reset(graceMs = 5000): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const opened = await opening.catch(() => undefined);
    if (!opened) return;
    // DuckDB clears a connection's interrupt flag when its next statement starts, so
    // one interrupt sent between two statements of a lease (or while one is being
    // prepared) is lost and that statement runs to its end: keep interrupting until
    // every lease is back.
    const interruptAll = () => {
      for (const session of opened.pool.inUse()) session.interrupt();
    };
    interruptAll();
    const interrupting = setInterval(interruptAll, 20);
    try {
      await opened.pool.close(graceMs);
    } finally {
      clearInterval(interrupting);
    }
    opened.instance.closeSync();
  }

  private open(): Promise<Opened> {
    if (this.closed) return Promise.reject(backendUnavailable('duckdb', 'the database was closed'));
    if (!this.opening) {
      const opening = this.create();
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async create(): Promise<Opened> {
    const config: Record<string, string> = {};
    if (this.options.threads !== undefined) config.threads = String(this.options.threads);
    if (this.options.memoryLimit !== undefined) config.memory_limit = this.options.memoryLimit;
    // Spill next to the file (an in-memory instance would spill into the working directory).
    const tempDirectory = this.options.tempDirectory ?? (this.path === ':memory:' ? undefined : `${this.path}.tmp`);
    if (tempDirectory !== undefined) config.temp_directory = tempDirectory;
    // No network here: never try to download extensions (parquet, json, icu are built in).
    config.autoinstall_known_extensions = 'false';
    let instance: DuckDBInstance;
    try {
      if (this.path !== ':memory:') mkdirSync(path.dirname(this.path), { recursive: true });
      instance = await DuckDBInstance.create(':memory:', config);
      // The file is attached under a fixed name: opened directly, its catalog would be
      // called "warehouse" like our schema, and every warehouse.x would be ambiguous.
      const connection = await instance.connect();
      try {
        await connection.run(`ATTACH ${quoteSqlString(this.path)} AS ${DATABASE_ALIAS}`);
      } catch (error) {
        connection.closeSync();
        instance.closeSync();
        throw error;
      }
      connection.closeSync();
    } catch (error) {
      const type = duckDbErrorType(error);
      rootLogger().warn({ err: error, file: path.basename(this.path) }, 'duckdb: cannot open the database');
      const reason = /lock/i.test(errorMessage(error))
        ? `${path.basename(this.path)} is locked by another process`
        : `cannot open ${path.basename(this.path)} (${type})`;
      throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `duckdb is unavailable: ${reason}`, { details: { backend: 'duckdb' }, cause: error, retryable: true });
    }
    const pool = new ConnectionPool<DuckDbSession>({
      max: this.options.maxConnections ?? 3,
      create: async () => {
        const session = new DuckDbSession(await instance.connect());
        // Timestamps are UTC everywhere (date_trunc on TIMESTAMPTZ, casts, display).
        await session.exec(`USE ${DATABASE_ALIAS}; SET TimeZone = 'UTC';`);
        return session;
      },
      destroy: (session) => session.close(),
    });
    return { instance, pool };
  }
}

/** Resolves with `promise`, or rejects when `signal` aborts first. */
function waitFor(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits until no statement runs or waits for a connection. */
async function drain(pool: ConnectionPool<DuckDbSession>, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pool.busy > 0) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) {
      throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `duckdb: ${pool.busy} statement(s) still running after ${timeoutMs} ms; the database was not taken (retried later)`, {
        details: { backend: 'duckdb' },
        retryable: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The copy holds the same tables and views, and every table the same number of rows. */
async function checkSameContents(connection: DuckDBConnection): Promise<void> {
  const objects = async (alias: string) =>
    (
      await connection.runAndReadAll(
        `SELECT 'table' AS kind, schema_name, table_name AS name FROM duckdb_tables() WHERE database_name = ${quoteSqlString(alias)}
         UNION ALL SELECT 'view', schema_name, view_name FROM duckdb_views() WHERE database_name = ${quoteSqlString(alias)} AND NOT internal
         ORDER BY 1, 2, 3`,
      )
    )
      .getRows()
      .map((row) => row.map(String));
  const original = await objects(DATABASE_ALIAS);
  const copied = await objects(REWRITE_ALIAS);
  if (JSON.stringify(original) !== JSON.stringify(copied)) {
    throw new Error(`the copy holds ${copied.length} tables and views where the original has ${original.length}`);
  }
  const tables = original.filter(([kind]) => kind === 'table');
  if (tables.length === 0) return;
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const counts = tables
    .map(([, schema, name], i) => {
      const table = `${ident(schema!)}.${ident(name!)}`;
      return `SELECT ${i} AS i, (SELECT COUNT(*) FROM ${DATABASE_ALIAS}.${table}) AS a, (SELECT COUNT(*) FROM ${REWRITE_ALIAS}.${table}) AS b`;
    })
    .join(' UNION ALL ');
  for (const [i, a, b] of (await connection.runAndReadAll(counts)).getRows()) {
    if (String(a) !== String(b)) {
      const [, schema, name] = tables[Number(i)]!;
      throw new Error(`the copy of ${schema}.${name} has ${String(b)} rows where the original has ${String(a)}`);
    }
  }
}

/** Makes a file's contents (or a directory's entries) durable. */
async function fsyncPath(target: string): Promise<void> {
  const handle = await openFile(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
