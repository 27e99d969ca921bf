import { createAthenaAdapters, migrateAthena } from '../adapters/athena';
import { DuckDbDatabase, duckDbMigrationStatus, migrateDuckDb } from '../adapters/duckdb';
import { createDynamoClients, dynamoMigrationStatus, DynamoMigrationLedger, migrateDynamo, startEmbeddedDynamo } from '../adapters/dynamodb';
import { createRedshiftAdapters, migrateRedshift } from '../adapters/redshift-data';
import { loadConfig } from '../config/config';

/**
 * `lakegate migrate [--target embedded|aws] [--status]`: applies what is missing,
 * in order, recording each migration; running it twice applies nothing.
 * embedded: DuckDB (warehouse.duckdb) and DynamoDB tables on dynalite.
 * aws: DynamoDB tables, then Athena DDL and Redshift DDL (versions recorded in the
 * DynamoDB migrations table).
 */
export async function migrate(target: 'embedded' | 'aws', statusOnly: boolean): Promise<number> {
  // --target aws means the AWS stores, whatever LAKEGATE_MODE says (per-domain settings still apply).
  const config = loadConfig(target === 'aws' ? { ...process.env, LAKEGATE_MODE: 'aws' } : process.env);
  const tables = config.aws.dynamodb;
  if (target === 'embedded') {
    const dynamo = await startEmbeddedDynamo({ dataDir: config.embedded.dataDir });
    const clients = createDynamoClients({ endpoint: dynamo.endpoint });
    const db = DuckDbDatabase.forDataDir(config.embedded.dataDir);
    try {
      if (statusOnly) {
        print('duckdb', await duckDbMigrationStatus(db));
        print('dynamodb', await dynamoMigrationStatus(clients, tables));
        return 0;
      }
      const duck = await migrateDuckDb(db);
      console.log(`duckdb: applied ${duck.applied.length} migration(s)${duck.applied.map((m) => `\n  + ${m.version ?? m}`).join('')}`);
      const dyn = await migrateDynamo(clients, tables);
      console.log(`dynamodb: applied ${dyn.applied.length} migration(s)${dyn.applied.map((m) => `\n  + ${m.id} (${m.table}, ${m.outcome})`).join('')}; ${dyn.alreadyApplied.length} already applied`);
      return 0;
    } finally {
      await db.close();
      clients.destroy();
      await dynamo.close();
    }
  }

  const clients = createDynamoClients({ region: config.aws.region });
  try {
    if (statusOnly) {
      print('dynamodb', await dynamoMigrationStatus(clients, tables));
      return 0;
    }
    const dyn = await migrateDynamo(clients, tables);
    console.log(`dynamodb: applied ${dyn.applied.length}; ${dyn.alreadyApplied.length} already applied`);
    const ledger = new DynamoMigrationLedger(clients, tables.migrationsTable);
    if (config.aws.lake === 'athena') {
      const athena = createAthenaAdapters(config.aws.athena);
      try {
        const run = await migrateAthena(athena.engine, {
          ledger,
          database: config.aws.athena.database,
          lakeLocation: config.aws.athena.lakeLocation!,
          eventsTable: config.aws.athena.eventsTable,
          buckets: config.embedded.lakeBuckets,
        });
        console.log(`athena: applied ${run.applied.join(', ') || 'nothing'}; ${run.alreadyApplied.length} already applied`);
      } finally {
        await athena.engine.close();
      }
    }
    if (config.aws.warehouse === 'redshift-data') {
      const redshift = createRedshiftAdapters(config.aws.redshift);
      try {
        const run = await migrateRedshift(redshift.engine, { ledger, schema: config.aws.redshift.schema });
        console.log(`redshift: applied ${run.applied.join(', ') || 'nothing'}; ${run.alreadyApplied.length} already applied`);
      } finally {
        await redshift.engine.close();
      }
    }
    return 0;
  } finally {
    clients.destroy();
  }
}

function print(store: string, status: { applied: Array<unknown>; pending: Array<unknown> }): void {
  const name = (m: unknown) => (typeof m === 'string' ? m : String((m as { id?: string; version?: string }).id ?? (m as { version?: string }).version ?? JSON.stringify(m)));
  console.log(`${store}: ${status.applied.length} applied, ${status.pending.length} pending`);
  for (const m of status.applied) console.log(`  applied  ${name(m)}`);
  for (const m of status.pending) console.log(`  pending  ${name(m)}`);
}
