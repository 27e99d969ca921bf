import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import dynalite from 'dynalite';
import dynaliteDb = require('dynalite/db');
import { AppError, ErrorCode } from '../../errors/app-error';

/**
 * The embedded DynamoDB: dynalite (DynamoDB's wire protocol over LevelDB) running
 * inside the lakegate process, so the embedded mode uses the very same DynamoDB
 * adapter as AWS. It listens on 127.0.0.1 only, on a free port unless one is given.
 */
export interface EmbeddedDynamoOptions {
  /** Data directory; tables persist under `<dataDir>/dynamodb`. Absent: in memory. */
  dataDir?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface EmbeddedDynamo {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Where the LevelDB files live; undefined in memory. */
  path: string | undefined;
  /**
   * Compacts the whole LevelDB store now (GDPR erasure): deleted and overwritten
   * items are dropped from the table files, and the write-ahead log that still
   * holds them is flushed and removed. Resolves once done; a no-op in memory.
   */
  compact(): Promise<void>;
  close(): Promise<void>;
}

/** Above every key dynalite writes (they start with ASCII prefixes: "table~", "item-", "index-", "tag-"). */
const LAST_KEY = Buffer.alloc(64, 0xff);

/**
 * dynalite() opens its LevelDB through dynalite/db's create() and keeps the store to
 * itself; this calls dynalite() with create() wrapped for the duration of the (synchronous)
 * call, to keep a handle on the store (for compaction).
 */
function dynaliteWithStore(options: Parameters<typeof dynalite>[0]): { server: ReturnType<typeof dynalite>; store: dynaliteDb.DynaliteStore | undefined } {
  const storage = dynaliteDb as { create: typeof dynaliteDb.create };
  const create = storage.create;
  let store: dynaliteDb.DynaliteStore | undefined;
  storage.create = (o) => (store = create(o));
  try {
    const server = dynalite(options);
    if (store) closeIteratorsOf(store.db);
    return { server, store };
  } finally {
    storage.create = create;
  }
}

/**
 * dynalite reads every Query and Scan through a stream over a LevelDB iterator that
 * it never closes (it calls iterator.return(), which abstract-level iterators do not
 * have). Each one pins a LevelDB snapshot and the table files it saw: memory grows,
 * obsolete files are never deleted, and no compaction can drop a deleted item (the
 * erasure's compaction would keep every decision it deleted). These streams close
 * their iterator at the end and when destroyed (a query that stops early).
 */
function closeIteratorsOf(db: dynaliteDb.DynaliteLevel): void {
  const stream = (iterator: dynaliteDb.LevelIterator) => {
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= iterator.close().catch(() => undefined));
    return new Readable({
      objectMode: true,
      read() {
        iterator.next().then(
          (value) => {
            if (value !== undefined) return void this.push(value);
            void close();
            this.push(null);
          },
          (error: Error) => this.destroy(error),
        );
      },
      destroy(error, callback) {
        void close().then(() => callback(error));
      },
    });
  };
  db.createKeyStream = (options) => stream(db.keys(options));
  db.createValueStream = (options) => stream(db.values(options));
}

/** Directories held by this process (LevelDB allows one opener per directory). */
const heldHere = new Set<string>();

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const dbPath = options.dataDir === undefined ? undefined : path.resolve(options.dataDir, 'dynamodb');
  const lockFile = dbPath === undefined ? undefined : `${dbPath}.lock`;
  if (dbPath !== undefined && lockFile !== undefined) {
    mkdirSync(path.dirname(dbPath), { recursive: true });
    acquireLock(dbPath, lockFile);
  }
  const release = () => {
    if (dbPath === undefined || lockFile === undefined) return;
    heldHere.delete(dbPath);
    rmSync(lockFile, { force: true });
  };

  // Tables become ACTIVE at once: the embedded mode has nothing to wait for.
  const { server, store } = dynaliteWithStore({ path: dbPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    release();
    throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `The embedded DynamoDB server could not listen on 127.0.0.1:${options.port ?? 0}: ${(error as Error).message}`, {
      details: { backend: 'dynamodb' },
      cause: error,
    });
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    path: dbPath,
    compact: async () => {
      const db = store?.db;
      if (dbPath === undefined || !db?.compactRange) return;
      if (db.status !== 'open' && db.status !== 'opening') throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, 'The embedded DynamoDB store is not open; it cannot be compacted', { details: { backend: 'dynamodb' } });
      // LevelDB flushes the memtable first (a new .log starts, the old one is deleted), then merges every level
      // into the deepest one: a deletion and the value it hides both go. An iterator open at that moment (a
      // running Query or Scan) keeps what it can see; the erasure's verification finds such a leftover.
      await db.compactRange(Buffer.alloc(0), LAST_KEY, { keyEncoding: 'buffer' });
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        // dynalite's close waits for open connections, then closes LevelDB. SDK
        // clients keep idle sockets alive: drop those now, and any still busy
        // after a grace period, so shutdown cannot hang.
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        force.unref();
        server.close((error?: Error) => {
          clearTimeout(force);
          release();
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * A second process opening the same LevelDB directory makes dynalite fail on its
 * first request with an uncaught iterator error, so refuse up front with a message
 * that says what to do. The lock file holds the owner's pid; a stale one (owner
 * gone) is taken over.
 */
function acquireLock(dbPath: string, lockFile: string): void {
  const busy = () =>
    new AppError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `The embedded DynamoDB data in ${dbPath} is in use by another lakegate process; stop it or point LAKEGATE_DATA_DIR elsewhere`,
      { details: { backend: 'dynamodb' } },
    );
  if (heldHere.has(dbPath)) throw busy();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      heldHere.add(dbPath);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) throw busy();
    rmSync(lockFile, { force: true }); // stale: its owner is gone
  }
  throw busy();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
