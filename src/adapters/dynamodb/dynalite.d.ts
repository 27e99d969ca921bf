// dynalite ships no types; this is the part of its API lakegate uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

// dynalite's storage layer (dynalite/db): create() is what dynalite() calls to open
// its LevelDB; lakegate wraps it once to keep the store (src/adapters/dynamodb/embedded-server.ts).
declare module 'dynalite/db' {
  export interface LevelIterator {
    next(): Promise<unknown>;
    close(): Promise<void>;
  }
  export interface DynaliteLevel {
    /** classic-level (LevelDB) on disk; memory-level in memory (no compactRange). */
    compactRange?: (start: Buffer, end: Buffer, options?: { keyEncoding?: string }) => Promise<void>;
    status?: string;
    keys(options?: object): LevelIterator;
    values(options?: object): LevelIterator;
    /** Set by dynalite on the instance: what its queries and scans read through. */
    createKeyStream(options?: object): import('node:stream').Readable;
    createValueStream(options?: object): import('node:stream').Readable;
  }
  export interface DynaliteStore {
    db: DynaliteLevel;
  }
  export function create(options?: object): DynaliteStore;
}
