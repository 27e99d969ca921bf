// The example operations GraphiQL opens with: one tab per domain of the public
// contract (docs: /work/shared/DESIGN.md, "The public contract"). Plain strings and
// plain JSON variables, with no browser or GraphQL imports, so that a server-side
// test can parse and validate every example against the real schema.
//
// Dates in the variables are computed from `today`, so the examples keep pointing at
// the demo data (seeded up to yesterday) however old the build is.

export interface ExampleTab {
  /** What the tab is about (GraphiQL titles a tab with its first operation's name). */
  title: string;
  /** One or more named operations; the first one is what ▶ runs by default. */
  query: string;
  /** Variables for every operation of the tab (extra variables are ignored). */
  variables: Record<string, unknown>;
}

/** Placeholder ids: the demo data's ids are only known once it is seeded. */
export const EXAMPLE_PLACEHOLDERS = {
  customerId: 'paste-a-customerId-from-the-Events-tab',
  decisionId: 'paste-a-decision-id',
  transactionId: 'paste-a-transactionId',
  deletionRequestId: 'paste-a-deletion-request-id',
  database: 'paste-a-database-name-from-CatalogDatabases',
  table: 'paste-a-table-name',
} as const;

/** What a new, empty tab shows. */
export const WELCOME_QUERY = `# lakegate: one GraphQL API over decisions, events, the data catalog, cost and
# GDPR erasure. The tabs above hold an example for every domain.
#
# Access: open "Headers" below and paste {"Authorization": "Bearer <your key>"}.
# Without a key the development server grants the read scopes except pii:read
# and gdpr:*; production grants nothing.
#
# Keyboard: Ctrl-Enter runs, Ctrl-Space completes, Shift-Ctrl-P prettifies.

query Hello {
  __typename
}
`;

const EVENTS = `# Events from the lake: a day range (inclusive) is required. Narrow the filter with
# customerId, eventTypes and customerTypes; page with "after": <endCursor>.
# Run WeeklyEventStats for the analytics team's weekly dataset (30 weeks,
# resellers excluded) from the curated warehouse and, for comparison, from the raw lake.
# Every response reports what the backends scanned and cost in "extensions".

query Events($filter: EventFilter!, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        occurredAt
        day
        customerId
        customerType
        eventType
        source
        region
        severity
        attributes
        customer {
          id
          customerType
          country
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

query WeeklyEventStats($from: Date!, $to: Date!) {
  warehouse: eventStats(input: {
    from: $from
    to: $to
    interval: WEEK
    groupBy: [CUSTOMER_TYPE, EVENT_TYPE]
    excludeCustomerTypes: ["Reseller"]
    source: WAREHOUSE
  }) {
    periodStart
    customerType
    eventType
    totalEvents
  }
  lake: eventStats(input: {
    from: $from
    to: $to
    interval: WEEK
    groupBy: [CUSTOMER_TYPE, EVENT_TYPE]
    excludeCustomerTypes: ["Reseller"]
    source: LAKE
  }) {
    periodStart
    customerType
    eventType
    totalEvents
  }
}
`;

/** The decision fields both decision tabs show (each tab is a document of its own, so each carries it). */
const DECISION_FIELDS_FRAGMENT = `fragment DecisionFields on Decision {
  id
  transactionId
  customerId
  decidedAt
  outcome
  kind
  policy
  policyVersion
  riskScore
  amount {
    value
    currency
  }
  checks {
    name
    result
    score
    latencyMs
  }
  schemaVersion
}
`;

const DECISIONS = `# Risk decisions (credit, fraud, AML). Put a customerId from the Events tab into
# the variables; a customer's decisions come newest first, a transaction's oldest first.
# Customer name and email are masked without the pii:read scope.

query CustomerDecisions($customerId: ID!, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  customerDecisions(customerId: $customerId, from: $from, to: $to, first: $first, after: $after) {
    totalCount
    edges {
      cursor
      node {
        ...DecisionFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

query Decision($decisionId: ID!) {
  decision(id: $decisionId) {
    ...DecisionFields
    customer {
      id
      customerType
      country
      name
      email
    }
  }
}

query DecisionsByTransaction($transactionId: ID!) {
  decisionsByTransaction(transactionId: $transactionId) {
    ...DecisionFields
  }
}

${DECISION_FIELDS_FRAGMENT}
`;

const CATALOG = `# The data catalog (Glue on AWS; derived from the embedded lake and warehouse
# locally). List databases and their tables, then open one table: columns,
# partition keys, partitions and, for views, the view's SQL.

query CatalogDatabases {
  catalogDatabases {
    name
    description
    locationUri
    createTime
    tables(first: 25) {
      edges {
        cursor
        node {
          name
          tableType
          format
          location
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}

query CatalogTable($database: String!, $table: String!) {
  catalogTable(database: $database, name: $table) {
    database
    name
    tableType
    format
    location
    owner
    createTime
    updateTime
    columns {
      name
      type
      comment
    }
    partitionKeys {
      name
      type
      comment
    }
    parameters
    viewText
    partitions(first: 10) {
      edges {
        cursor
        node {
          values
          location
          createTime
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
`;

const COST = `# What the platform costs. Glue job runs carry the thresholds they broke
# (more than 10 workers, longer than 480 minutes, failed, timed out); the cost
# report sums a window per job and adds lakegate's own backend queries.

query GlueJobRuns($first: Int, $after: String) {
  glueJobRuns(first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        jobName
        attempt
        state
        startedOn
        completedOn
        executionTimeSeconds
        workerType
        numberOfWorkers
        dpuSeconds
        estimatedCostUsd
        violations
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

query CostReport($from: DateTime!, $to: DateTime!) {
  costReport(from: $from, to: $to) {
    from
    to
    totalCostUsd
    totalDpuHours
    jobs {
      jobName
      runs
      succeeded
      failed
      timedOut
      stopped
      retries
      dpuHours
      costUsd
      longestRunSeconds
    }
    longestRuns {
      id
      jobName
      state
      executionTimeSeconds
      workerType
      numberOfWorkers
      estimatedCostUsd
      violations
    }
    queryCosts {
      engine
      count
      bytesScanned
      costUsd
    }
  }
}
`;

const GDPR = `# GDPR erasure (scopes gdpr:read and gdpr:write). RequestDeletion records the
# request durably and erases the customer from every store; it is idempotent on
# idempotencyKey. Requests hold a hash of the subject, never the raw id.
# Careful: RequestDeletion really deletes the customer's data.

query DeletionRequests($status: DeletionStatus, $first: Int, $after: String) {
  deletionRequests(status: $status, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        status
        subjectHash
        requestedAt
        dueBy
        completedAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

query DeletionRequest($deletionRequestId: ID!) {
  deletionRequest(id: $deletionRequestId) {
    ...DeletionRequestFields
  }
}

mutation RequestDeletion($input: DeletionRequestInput!) {
  requestDeletion(input: $input) {
    ...DeletionRequestFields
  }
}

fragment DeletionRequestFields on DeletionRequest {
  id
  subjectType
  subjectHash
  status
  reason
  requestedBy
  requestedAt
  dueBy
  startedAt
  completedAt
  verifiedAt
  targets {
    store
    status
    recordsDeleted
    filesRewritten
    bytesRewritten
    error
  }
}
`;

const FRESHNESS = `# How fresh the data is: the newest day of the lake and of the warehouse, when a
# load last ran, the lag behind the newest event, days whose landing files wait,
# rows quarantined, and day by day whether the lake and the warehouse agree.
# Producers drop files under landing/events/day=YYYY-MM-DD/ in the data directory;
# in development a demo producer writes one for today every few seconds, so run
# this twice a minute apart and watch today's counts and lagSeconds move.
# LoadDays (scope loads:write) reloads days at once.

query Freshness {
  datasetFreshness {
    dataset
    newestDay
    lastLoadedAt
    lagSeconds
    pendingDays
    quarantinedRows
    days(last: 3) { day landingRows lakeRows warehouseRows consistent }
  }
}

mutation LoadDays($days: [Date!]!) {
  loadDays(days: $days) { dataset newestDay lagSeconds pendingDays }
}
`;

const RECORD_DECISION = `# Record a decision (scope decisions:write). Idempotent on input.id: sending the
# same decision again returns the stored one; a different body under the same id
# is refused.

mutation RecordDecision($input: RecordDecisionInput!) {
  recordDecision(input: $input) {
    ...DecisionFields
    customer {
      id
      customerType
    }
  }
}

${DECISION_FIELDS_FRAGMENT}
`;

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a UTC instant. */
function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of the day `ms` falls in. */
function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Monday (ISO week start) of the UTC week `ms` falls in, at midnight. */
function mondayOf(ms: number): number {
  const day = startOfUtcDay(ms);
  const isoWeekday = ((new Date(day).getUTCDay() + 6) % 7) + 1; // Monday 1 .. Sunday 7
  return day - (isoWeekday - 1) * DAY_MS;
}

/**
 * The example tabs, with dates relative to `today`: the last seven full days of
 * events, the 30 full weeks before the current one (the analytics team's
 * weekly dataset), the last 90 days of decisions and last week's cost.
 */
export function buildExampleTabs(today: Date = new Date()): ExampleTab[] {
  const todayStart = startOfUtcDay(today.getTime());
  const yesterday = todayStart - DAY_MS;
  const thisMonday = mondayOf(todayStart);
  const ids = EXAMPLE_PLACEHOLDERS;

  return [
    {
      title: 'Events',
      query: EVENTS,
      variables: {
        filter: { from: isoDay(yesterday - 6 * DAY_MS), to: isoDay(yesterday) },
        first: 20,
        from: isoDay(thisMonday - 30 * 7 * DAY_MS),
        to: isoDay(thisMonday - DAY_MS),
      },
    },
    {
      title: 'Decisions',
      query: DECISIONS,
      variables: {
        customerId: ids.customerId,
        from: new Date(todayStart - 90 * DAY_MS).toISOString(),
        to: new Date(todayStart).toISOString(),
        first: 10,
        decisionId: ids.decisionId,
        transactionId: ids.transactionId,
      },
    },
    {
      title: 'Catalog',
      query: CATALOG,
      variables: { database: ids.database, table: ids.table },
    },
    {
      title: 'Cost',
      query: COST,
      variables: {
        first: 20,
        from: new Date(thisMonday - 7 * DAY_MS).toISOString(),
        to: new Date(thisMonday).toISOString(),
      },
    },
    {
      title: 'GDPR',
      query: GDPR,
      variables: {
        first: 10,
        deletionRequestId: ids.deletionRequestId,
        input: {
          customerId: ids.customerId,
          reason: 'Customer asked to be forgotten (GDPR art. 17)',
          idempotencyKey: 'graphiql-example-1',
        },
      },
    },
    {
      title: 'Freshness',
      query: FRESHNESS,
      variables: { days: [isoDay(todayStart)] },
    },
    {
      title: 'Record decision',
      query: RECORD_DECISION,
      variables: {
        input: {
          id: 'graphiql-example-decision-1',
          transactionId: 'graphiql-example-transaction-1',
          customerId: ids.customerId,
          decidedAt: new Date(todayStart).toISOString(),
          outcome: 'REFERRED',
          kind: 'FRAUD',
          policy: 'card-not-present',
          policyVersion: '2026.1',
          riskScore: 0.62,
          amount: { value: '149.90', currency: 'EUR' },
          checks: [
            { name: 'velocity', result: 'PASS', score: 0.12, latencyMs: 4 },
            { name: 'device-fingerprint', result: 'FAIL', score: 0.91, latencyMs: 17 },
          ],
          schemaVersion: 1,
        },
      },
    },
  ];
}
