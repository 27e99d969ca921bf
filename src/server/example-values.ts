import type { Logger } from '../observability/logger';
import type { Services } from '../services/services';
import { addDays } from '../util/days';
import type { ExampleValues } from './graphiql-app/examples';

/**
 * The values GraphiQL's example tabs need, from the data itself (served as
 * /graphiql/examples.json, src/server/graphiql.ts): the lake's window of days
 * (datasetFreshness, both modes), a customer with events in the window's last
 * week and decisions, one of its decisions, a catalog table, the newest deletion
 * request, and a demo customer reserved for the erase example (another customer
 * with events and decisions, which no other example shows).
 *
 * Ids are personal data of a kind: in production (GraphiQL on with
 * LAKEGATE_GRAPHIQL=true) only the window is served. Computed at most once a
 * minute; a failure gives the window-less defaults, never an error page.
 */
const REMEMBER_MS = 60_000;
const CANDIDATE_EVENTS = 200;
const MAX_PROBES = 25;

export function exampleValuesSource(services: Services, options: { production: boolean; logger: Logger; clock?: () => number }): () => Promise<ExampleValues> {
  const clock = options.clock ?? Date.now;
  let remembered: { at: number; values: Promise<ExampleValues> } | undefined;
  // A new deletion request changes the GDPR tab's id and, once executed, the customer the erase tab names.
  services.deletions.onRequested(() => (remembered = undefined));
  return () => {
    const now = clock();
    if (!remembered || now - remembered.at > REMEMBER_MS) {
      const values = computeExampleValues(services, options.production).catch((error: unknown) => {
        options.logger.warn({ err: error }, 'graphiql: example values could not be read from the data; the examples use defaults');
        remembered = undefined;
        return emptyExampleValues();
      });
      remembered = { at: now, values };
    }
    return remembered.values;
  };
}

export function emptyExampleValues(): ExampleValues {
  return { window: null, customerId: null, decisionId: null, transactionId: null, database: null, table: null, eraseCustomerId: null, deletionRequestId: null };
}

async function computeExampleValues(services: Services, production: boolean): Promise<ExampleValues> {
  const values = emptyExampleValues();
  // datasetFreshness's window of lake.events; without a load workflow (mixed stores), the lake's partitions directly.
  const lake = (await services.loads.freshness().catch(() => [])).find((view) => view.dataset === 'lake.events');
  values.window = lake?.oldestDay && lake.newestDay ? { oldestDay: lake.oldestDay, newestDay: lake.newestDay } : await services.events.dataWindow();
  if (production) return values;

  const [catalog, requests] = await Promise.all([exampleTable(services), services.deletions.list({ first: 1 }).catch(() => null)]);
  if (catalog) Object.assign(values, catalog);
  values.deletionRequestId = requests?.edges[0]?.node.id ?? null;
  if (!values.window) return values;

  // Customers seen in the window's last week, then the first (lowest id) and the last (highest id) of them that have decisions.
  const { oldestDay, newestDay } = values.window;
  const lastWeek = { from: maxDay(oldestDay, addDays(newestDay, -6)), to: newestDay };
  const events = await services.events.events(lastWeek, CANDIDATE_EVENTS);
  const candidates = [...new Set(events.edges.map((edge) => edge.node.customerId))].sort();
  const range = { from: `${oldestDay}T00:00:00.000Z`, to: `${addDays(newestDay, 1)}T00:00:00.000Z` };
  const firstWithDecisions = async (ids: string[], skip?: string) => {
    for (const customerId of ids.slice(0, MAX_PROBES)) {
      if (customerId === skip) continue;
      const page = await services.decisions.byCustomer({ customerId, ...range, first: 1 });
      const decision = page.edges[0]?.node;
      if (decision) return decision;
    }
    return undefined;
  };
  const shown = await firstWithDecisions(candidates);
  if (shown) {
    values.customerId = shown.customerId;
    values.decisionId = shown.id;
    values.transactionId = shown.transactionId;
  }
  values.eraseCustomerId = (await firstWithDecisions([...candidates].reverse(), shown?.customerId))?.customerId ?? null;
  return values;
}

/** The lake's events table when the catalog has it, else the first table listed. */
async function exampleTable(services: Services): Promise<{ database: string; table: string } | null> {
  const databases = await services.catalog.databases();
  let first: { database: string; table: string } | null = null;
  for (const database of databases) {
    const tables = await services.catalog.tables(database, { first: 50 });
    for (const { node } of tables.edges) {
      if (node.name === 'events') return { database: database.name, table: node.name };
      first ??= { database: database.name, table: node.name };
    }
  }
  return first;
}

function maxDay(a: string, b: string): string {
  return a > b ? a : b;
}
