import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * An independent in-memory DuckDB over a data directory's Parquet files, for
 * computing expected answers without going through lakegate's adapters.
 */
export interface RawDuckDb {
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function rawDuckDb(dataDir: string): Promise<RawDuckDb> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  const glob = path.join(dataDir, 'events', 'day=*', '*.parquet').replace(/'/g, "''");
  await connection.run(`CREATE VIEW events AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'day': DATE})`);
  return {
    async all<T>(sql: string): Promise<T[]> {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as unknown as T[];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
