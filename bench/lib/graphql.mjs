// A GraphQL request over HTTP, timed from before the request to the parsed answer.
import { since } from './common.mjs';

export async function gql(url, query, variables = {}, headers = {}) {
  const started = process.hrtime.bigint();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  const ms = since(started);
  if (res.status !== 200 || body.errors) throw new Error(`GraphQL request failed (${res.status}): ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return { body, ms };
}

/** The backend queries a response reports in extensions.cost, optionally only those with `label`. */
export function backendQueries(body, label) {
  const queries = body.extensions?.cost?.queries ?? [];
  return label ? queries.filter((q) => q.label === label) : queries;
}

/** Prometheus text -> sum of the samples of `metric` whose labels include `labels`. */
export async function metricSum(base, metric, labels = {}) {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const match = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[2]);
  }
  return sum;
}

/** The weekly dataset of DESIGN.md as an eventStats query. */
export const WEEKLY_STATS_QUERY = `query WeeklyEventStats($input: EventStatsInput!) {
  eventStats(input: $input) { periodStart customerType eventType totalEvents }
}`;

export function weeklyStatsInput(window, source) {
  return { from: window.from, to: window.to, interval: 'WEEK', groupBy: ['CUSTOMER_TYPE', 'EVENT_TYPE'], excludeCustomerTypes: ['Reseller'], source };
}

/**
 * What the minimal Apollo server needs to answer eventStats queries: the SDL of
 * lakegate's eventStats (schema/schema.graphql) with plain scalars.
 */
export const EVENT_STATS_SDL = `
scalar Date
scalar SafeInt
enum StatsInterval { DAY WEEK MONTH }
enum StatsGroupBy { CUSTOMER CUSTOMER_TYPE EVENT_TYPE }
enum StatsSource { LAKE WAREHOUSE }
input EventStatsInput {
  from: Date!
  to: Date!
  interval: StatsInterval! = DAY
  groupBy: [StatsGroupBy!]! = []
  excludeCustomerTypes: [String!]
  source: StatsSource! = WAREHOUSE
}
type EventStat { periodStart: Date! customerType: String eventType: String customerId: ID totalEvents: SafeInt! }
type Query { eventStats(input: EventStatsInput!): [EventStat!]! }
`;
