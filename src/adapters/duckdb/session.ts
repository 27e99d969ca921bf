import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import type { SqlRow } from '../../ports/sql-engine';
import { renderSql, type SqlFragment, type SqlParam } from '../../ports/sql';
import { bindParams, toSqlCell, typeName } from './values';

export interface QueryOutput {
  rows: SqlRow[];
  columns: Array<{ name: string; type: string }>;
}

/** `$1..$n`, DuckDB's positional placeholders. */
export function renderDuckDbSql(fragment: SqlFragment): { text: string; params: SqlParam[] } {
  return renderSql(fragment, (index) => `$${index + 1}`);
}

function readOutput(reader: DuckDBResultReader): QueryOutput {
  const names = reader.deduplicatedColumnNames();
  const types = reader.columnTypes();
  const rows: SqlRow[] = [];
  for (const values of reader.getRows()) {
    const row: SqlRow = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = toSqlCell(values[i]!, types[i]!);
    rows.push(row);
  }
  return { rows, columns: names.map((name, i) => ({ name, type: typeName(types[i]!) })) };
}

/** One DuckDB connection, as leased from the database's pool. */
export class DuckDbSession {
  constructor(private readonly connection: DuckDBConnection) {}

  /** Trusted SQL written by our own code (migrations, seeding); may hold several statements. */
  async exec(text: string): Promise<void> {
    await this.connection.run(text);
  }

  /** One trusted statement that changes rows (COPY, INSERT, DELETE): the number of rows it wrote or changed. */
  async execCount(text: string): Promise<number> {
    return Number((await this.connection.run(text)).rowsChanged);
  }

  /** One statement with typed parameters; rows come back as normalized SqlCell values. */
  async query(fragment: SqlFragment): Promise<QueryOutput> {
    const { text, params } = renderDuckDbSql(fragment);
    return this.queryText(text, params);
  }

  async queryText(text: string, params: readonly SqlParam[] = []): Promise<QueryOutput> {
    const statement = await this.connection.prepare(text);
    try {
      bindParams(statement, params);
      return readOutput(await statement.runAndReadAll());
    } finally {
      statement.destroySync();
    }
  }

  /** Stops the statement running on this connection (it fails with an INTERRUPT error). */
  interrupt(): void {
    this.connection.interrupt();
  }

  close(): void {
    this.connection.closeSync();
  }
}
