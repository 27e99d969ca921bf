/**
 * Operations that exercise every field of the public contract (DESIGN.md), shared
 * by the embedded contract suite and the AWS-mode parity suite. Variables refer to
 * the test dataset (test/helpers/test-app.ts: 30 days ending 2026-01-31).
 */
export const DECISION_FIELDS = `
  id transactionId customerId decidedAt outcome kind policy policyVersion riskScore
  amount { value currency }
  checks { name result score latencyMs }
  schemaVersion recordedAt
  customer { id customerType country name email piiMasked }`;

export const EVENT_FIELDS = `
  id occurredAt day customerId customerType eventType source region severity attributes
  customer { id customerType country name email piiMasked }`;

export const TABLE_FIELDS = `
  catalogId database name description tableType format location owner createTime updateTime
  columns { name type comment } partitionKeys { name type comment } parameters viewText`;

export const RUN_FIELDS = `
  id jobName attempt state startedOn completedOn executionTimeSeconds workerType numberOfWorkers
  dpuSeconds estimatedCostUsd violations errorMessage`;

export const OPERATIONS = {
  decision: `query Decision($id: ID!) { decision(id: $id) { ${DECISION_FIELDS} } }`,
  decisionsByTransaction: `query ByTxn($transactionId: ID!) { decisionsByTransaction(transactionId: $transactionId) { ${DECISION_FIELDS} } }`,
  customerDecisions: `query CustomerDecisions($customerId: ID!, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
    customerDecisions(customerId: $customerId, from: $from, to: $to, first: $first, after: $after) {
      totalCount edges { cursor node { ${DECISION_FIELDS} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }`,
  events: `query Events($filter: EventFilter!, $first: Int, $after: String) {
    events(filter: $filter, first: $first, after: $after) {
      totalCount edges { cursor node { ${EVENT_FIELDS} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }`,
  eventStats: `query Stats($input: EventStatsInput!) { eventStats(input: $input) { periodStart customerType eventType customerId totalEvents } }`,
  catalogDatabases: `query Databases($catalogId: String) { catalogDatabases(catalogId: $catalogId) {
    catalogId name description locationUri createTime
    tables(first: 50) { edges { node { ${TABLE_FIELDS} } } pageInfo { hasNextPage } }
  } }`,
  catalogTable: `query Table($database: String!, $name: String!, $first: Int, $after: String) { catalogTable(database: $database, name: $name) {
    ${TABLE_FIELDS}
    partitions(first: $first, after: $after) { edges { cursor node { values location createTime parameters } } pageInfo { hasNextPage endCursor } }
  } }`,
  tablesLike: `query TablesLike($nameLike: String) { catalogDatabases { name tables(nameLike: $nameLike) { edges { node { name tableType } } } } }`,
  glueJobRuns: `query Runs($filter: GlueJobRunFilter, $first: Int, $after: String) { glueJobRuns(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { ${RUN_FIELDS} } } pageInfo { hasNextPage endCursor }
  } }`,
  costReport: `query Report($from: DateTime!, $to: DateTime!) { costReport(from: $from, to: $to) {
    from to totalCostUsd totalDpuHours
    jobs { jobName runs succeeded failed timedOut stopped retries dpuHours costUsd longestRunSeconds }
    longestRuns { ${RUN_FIELDS} }
    violations { ${RUN_FIELDS} }
    thresholds { maxWorkers maxMinutes dpuHourUsd }
  } }`,
  queryCosts: `query Costs($from: DateTime!, $to: DateTime!) { costReport(from: $from, to: $to) { queryCosts { engine count bytesScanned costUsd totalMs } } }`,
  recordDecision: `mutation Record($input: RecordDecisionInput!) { recordDecision(input: $input) { ${DECISION_FIELDS} } }`,
} as const;

export const WEEKLY_DATASET = {
  from: '2026-01-05',
  to: '2026-01-25',
  interval: 'WEEK',
  groupBy: ['CUSTOMER_TYPE', 'EVENT_TYPE'],
  excludeCustomerTypes: ['Reseller'],
} as const;

/** A RecordDecisionInput for the given ids (the body every recordDecision test sends). */
export function decisionInput(ids: { id: string; transactionId: string; customerId: string }) {
  return {
    ...ids,
    decidedAt: '2026-01-31T12:00:00.000Z',
    outcome: 'REFERRED',
    kind: 'FRAUD',
    policy: 'fraud-screen',
    policyVersion: '7.4.1',
    riskScore: 0.42,
    amount: { value: '1250.00', currency: 'EUR' },
    checks: [{ name: 'velocity', result: 'FAIL', score: 0.8, latencyMs: 12 }],
    schemaVersion: 1,
  };
}
