import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
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
  private opening: Promise<{ instance: DuckDBInstance; pool: ConnectionPool<DuckDbSession> }> | undefined;
  private closed = false;

  constructor(private readonly options: DuckDbDatabaseOptions) {
    this.path = options.path;
  }

  /** The warehouse database of an embedded data directory. */
  static forDataDir(dataDir: string, options: Omit<DuckDbDatabaseOptions, 'path'> = {}): DuckDbDatabase {
    return new DuckDbDatabase({ ...options, path: warehousePath(dataDir) });
  }

  /** Runs `fn` on a pooled connection; waiting for one honours `signal`. */
  async withSession<T>(fn: (session: DuckDbSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const { pool } = await this.open();
    let session: DuckDbSession;
    try {
      session = await pool.acquire(signal);
    } catch (error) {
      if (error instanceof PoolClosedError) throw backendUnavailable('duckdb', 'the database is closing');
      throw error;
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
    await this.reset(graceMs);
  }

  private async reset(graceMs = 5000): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const opened = await opening.catch(() => undefined);
    if (!opened) return;
    for (const session of opened.pool.inUse()) session.interrupt();
    await opened.pool.close(graceMs);
    opened.instance.closeSync();
  }

  private open(): Promise<{ instance: DuckDBInstance; pool: ConnectionPool<DuckDbSession> }> {
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

  private async create(): Promise<{ instance: DuckDBInstance; pool: ConnectionPool<DuckDbSession> }> {
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
