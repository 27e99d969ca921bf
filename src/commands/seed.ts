import { createDynamoClients, dropAllTables, DynamoDecisionStore, migrateDynamo, startEmbeddedDynamo } from '../adapters/dynamodb';
import { loadConfig } from '../config/config';
import { MAX_SEED_EVENTS, seedOptionsFromConfig } from '../seed/options';
import { createSeedProgressReporter } from '../seed/progress';
import { seedEmbedded } from '../seed/seed-embedded';

type SeedArgs = Partial<Record<'events' | 'days' | 'customers' | 'decisions' | 'end-day' | 'random-seed' | 'buckets', string>>;

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * `lakegate seed`: regenerates the embedded demo data, replacing everything in the
 * data directory (lake, warehouse, decisions, ledgers; the subject-hash key stays).
 * The server must not be running on the same data directory.
 */
export async function seed(args: SeedArgs): Promise<number> {
  const config = loadConfig();
  let overrides;
  try {
    overrides = {
      events: int('events', args.events, 0, MAX_SEED_EVENTS),
      days: int('days', args.days, 1, 3660),
      customers: int('customers', args.customers, 10, 10_000_000),
      decisions: int('decisions', args.decisions, 0, 10_000_000),
      randomSeed: int('random-seed', args['random-seed'], 0, 2 ** 31 - 1),
      buckets: int('buckets', args.buckets, 1, 1024),
      endDay: args['end-day'],
    };
  } catch (error) {
    console.error(`lakegate seed: ${(error as Error).message}`);
    return 2;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const dynamo = await startEmbeddedDynamo({ dataDir: config.embedded.dataDir });
  const clients = createDynamoClients({ endpoint: dynamo.endpoint });
  const reporter = createSeedProgressReporter();
  try {
    // A seed replaces all embedded data, decisions and ledgers included: drop the
    // tables (the lock taken by startEmbeddedDynamo guarantees no server uses them)
    // and create them again.
    await dropAllTables(clients);
    await migrateDynamo(clients, config.aws.dynamodb);
    const decisions = new DynamoDecisionStore(clients, { table: config.aws.dynamodb.decisionsTable });
    const options = { ...seedOptionsFromConfig(config, decisions), buckets: config.embedded.lakeBuckets, ...defined, onProgress: reporter.onProgress };
    const result = await seedEmbedded(options);
    reporter.stop();
    const m = result.manifest;
    console.log(
      `seeded ${m.events.toLocaleString('en-US')} events over ${m.days} days (to ${m.endDay}), ${m.customers.toLocaleString('en-US')} customers, ` +
        `${m.decisions.toLocaleString('en-US')} decisions in ${(result.totalMs / 1000).toFixed(1)} s into ${config.embedded.dataDir}`,
    );
    return 0;
  } finally {
    reporter.stop();
    clients.destroy();
    await dynamo.close();
  }
}
