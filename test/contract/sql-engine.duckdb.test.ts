import { DuckDbDatabase } from '../../src/adapters/duckdb/database';
import { DuckDbEngine } from '../../src/adapters/duckdb/engine';
import { describeSqlEngineContract } from './sql-engine.contract';

describeSqlEngineContract('duckdb', async () => {
  const engine = new DuckDbEngine(new DuckDbDatabase({ path: ':memory:', threads: 1 }));
  return { engine };
});
