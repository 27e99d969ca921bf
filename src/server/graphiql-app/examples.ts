// The example operations GraphiQL opens with: one tab per domain of the public
// contract (docs: /work/shared/DESIGN.md, "The public contract"), then the writes,
// each in a tab of its own marked WRITE. Plain strings and plain JSON variables,
// with no browser or GraphQL imports, so that a server-side test can parse and
// validate every example against the real schema.
//
// The variables follow the data, not the calendar: the server serves the data's
// window of days and real ids (/graphiql/examples.json, src/server/example-values.ts)
// and the page builds the tabs from them; without them (the server could not read
// the data) the dates fall back to the days up to yesterday and ids to placeholders.

export interface ExampleTab {
  /** What the tab is about (GraphiQL titles a tab with its first operation's name). */
  title: string;
  /** One or more named operations; the first one is what ▶ runs by default. */
  query: string;
  /** Variables for every operation of the tab (extra variables are ignored). */
  variables: Record<string, unknown>;
  /** The tab changes data (its operations are mutations): its query starts with WRITE_BANNER. */
  writes: boolean;
}

/** What the examples need from the data (served by the server as JSON). */
export interface ExampleValues {
  /** The days the lake holds (datasetFreshness: oldestDay..newestDay of lake.events). */
  window: { oldestDay: string; newestDay: string } | null;
  /** A customer with events in the window's last week and decisions, one of its decisions and that decision's transaction. */
  customerId: string | null;
  decisionId: string | null;
  transactionId: string | null;
  /** A table of the catalog. */
  database: string | null;
  table: string | null;
  /** The demo customer the erase example erases: another customer with events and decisions, shown by no other example. */
  eraseCustomerId: string | null;
  /** The newest deletion request, if any. */
  deletionRequestId: string | null;
  /** Made by the page on every load, so RecordDecision writes a new decision each time (never the same junk id). */
  newDecisionId?: string;
}

/** Placeholder ids, for when the server could not name real ones. */
export const EXAMPLE_PLACEHOLDERS = {
  customerId: 'paste-a-customerId-from-the-Events-tab',
  decisionId: 'paste-a-decision-id',
  transactionId: 'paste-a-transactionId',
  deletionRequestId: 'paste-a-deletion-request-id',
  database: 'lake',
  table: 'events',
  eraseCustomerId: 'paste-the-customerId-to-erase',
} as const;

/** The first line of every tab that writes. */
export const WRITE_BANNER = '# WRITE: this tab changes data when you run it.';

/** What a new, empty tab shows. */
export const WELCOME_QUERY = `# lakegate: one GraphQL API over decisions, events, the data catalog, cost and
# GDPR erasure. The tabs above hold an example for every domain, dated from the
# data's own window of days (datasetFreshness { oldestDay newestDay }); the last
# tabs, marked WRITE, change data.
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

const EVENTS = `# Events from the lake, the last 7 days of the data: a day range (inclusive) is
# required; an empty answer outside the data's days carries extensions.dataWindow.
# Narrow the filter with
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

const DECISIONS = `# Risk decisions (credit, fraud, AML) of a customer with events and decisions in
# the data; a customer's decisions come newest first, a transaction's oldest first.
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

query GlueJobRuns($filter: GlueJobRunFilter, $first: Int, $after: String) {
  glueJobRuns(filter: $filter, first: $first, after: $after) {
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

const DELETION_REQUEST_FIELDS = `fragment DeletionRequestFields on DeletionRequest {
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

const GDPR = `# GDPR erasure requests (scope gdpr:read). Requests hold a hash of the subject,
# never the raw id. The WriteRequestDeletion tab makes one (for a demo customer
# reserved for it); until then the list is empty.

query DeletionRequests($status: DeletionStatus, $first: Int, $after: String) {
  deletionRequests(status: $status, first: $first, after: $after) {
    totalCount
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

${DELETION_REQUEST_FIELDS}`;

const REQUEST_DELETION = `${WRITE_BANNER}
# Erase a customer from every store (scopes gdpr:write, gdpr:read). The customer is
# a demo customer reserved for this example (a quiet one with events and
# decisions); no other tab shows it. The request is recorded durably, then executed
# in the background (see the GDPR tab). Running this again returns the same request
# (idempotent on idempotencyKey); once the erasure is done, the page names the next
# demo customer to erase on its next load.

mutation WriteRequestDeletion($input: DeletionRequestInput!) {
  requestDeletion(input: $input) {
    ...DeletionRequestFields
  }
}

${DELETION_REQUEST_FIELDS}`;

const FRESHNESS = `# How fresh the data is: the newest day of the lake and of the warehouse, when a
# load last ran, the lag behind the newest event, days whose landing files wait,
# rows quarantined, and day by day whether the lake and the warehouse agree.
# Producers drop files under landing/events/day=YYYY-MM-DD/ in the data directory;
# in development a demo producer writes one for today every few seconds, so run
# this twice a minute apart and watch today's counts and lagSeconds move.
# oldestDay..newestDay is the data's window: the days queries can ask about (the
# other tabs' dates come from it). The WriteLoadDays tab reloads days at once.

query Freshness {
  datasetFreshness {
    dataset
    oldestDay
    newestDay
    lastLoadedAt
    lagSeconds
    pendingDays
    quarantinedRows
    days(last: 3) { day landingRows lakeRows warehouseRows consistent }
  }
}
`;

const LOAD_DAYS = `${WRITE_BANNER}
# Reload days now (scope loads:write): each day's landing files into the lake, and
# the day's warehouse aggregates replaced from the lake in one transaction. Safe to
# repeat: a reload of the same files adds nothing. The answer is the freshness after it.

mutation WriteLoadDays($days: [Date!]!) {
  loadDays(days: $days) { dataset oldestDay newestDay lagSeconds pendingDays }
}
`;

const RECORD_DECISION = `${WRITE_BANNER}
# Record a decision (scope decisions:write) for the customer of the Decisions tab.
# The page makes a new decision id each time it loads; sending the same decision
# again returns the stored one (idempotent on input.id), a different body under the
# same id is refused.

mutation WriteRecordDecision($input: RecordDecisionInput!) {
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

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
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

/** The window the dates come from: the data's, else the 180 days up to yesterday (the demo seed's default). */
function windowOf(values: ExampleValues, now: Date): { oldest: number; newest: number } {
  if (values.window) return { oldest: dayMs(values.window.oldestDay), newest: dayMs(values.window.newestDay) };
  const yesterday = startOfUtcDay(now.getTime()) - DAY_MS;
  return { oldest: yesterday - 179 * DAY_MS, newest: yesterday };
}

/** Up to 30 full ISO weeks (Monday to Sunday) ending with the last full week of the window; the whole window if it holds none. */
function weeksOf(oldest: number, newest: number): { from: number; to: number } {
  const lastSunday = mondayOf(newest + DAY_MS) - DAY_MS; // newest itself when it is a Sunday
  const firstMonday = Math.max(lastSunday - 30 * 7 * DAY_MS + DAY_MS, mondayOf(oldest - DAY_MS) + 7 * DAY_MS);
  return firstMonday < lastSunday ? { from: firstMonday, to: lastSunday } : { from: oldest, to: newest };
}

/**
 * The example tabs, from the data's window and ids (`values`, served by the
 * server): the window's last seven days of events, its last 30 full weeks of
 * stats, the decisions of a customer with events and decisions over the whole
 * window, a catalog table, the cost of the window's last week up to now (so
 * lakegate's own queries show), then the writes, each marked: record a new
 * decision, erase the reserved demo customer, reload the newest day.
 */
export function buildExampleTabs(values: ExampleValues = EMPTY_VALUES, now: Date = new Date()): ExampleTab[] {
  const { oldest, newest } = windowOf(values, now);
  const weeks = weeksOf(oldest, newest);
  const ids = EXAMPLE_PLACEHOLDERS;
  const customerId = values.customerId ?? ids.customerId;
  const decisionSeed = values.newDecisionId ?? 'graphiql-example-decision';

  return [
    {
      title: 'Events',
      query: EVENTS,
      writes: false,
      variables: {
        filter: { from: isoDay(Math.max(oldest, newest - 6 * DAY_MS)), to: isoDay(newest) },
        first: 20,
        from: isoDay(weeks.from),
        to: isoDay(weeks.to),
      },
    },
    {
      title: 'Decisions',
      query: DECISIONS,
      writes: false,
      variables: {
        customerId,
        from: new Date(oldest).toISOString(),
        to: new Date(newest + DAY_MS).toISOString(),
        first: 10,
        decisionId: values.decisionId ?? ids.decisionId,
        transactionId: values.transactionId ?? ids.transactionId,
      },
    },
    {
      title: 'Catalog',
      query: CATALOG,
      writes: false,
      variables: { database: values.database ?? ids.database, table: values.table ?? ids.table },
    },
    {
      title: 'Cost',
      query: COST,
      writes: false,
      variables: costWindow(newest, now),
    },
    { title: 'Freshness', query: FRESHNESS, writes: false, variables: {} },
    {
      title: 'GDPR',
      query: GDPR,
      writes: false,
      variables: { first: 10, deletionRequestId: values.deletionRequestId ?? ids.deletionRequestId },
    },
    {
      title: 'Record decision (write)',
      query: RECORD_DECISION,
      writes: true,
      variables: {
        input: {
          id: decisionSeed,
          transactionId: `${decisionSeed}-txn`,
          customerId,
          decidedAt: new Date(Math.min(now.getTime(), newest + DAY_MS - 1)).toISOString(),
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
    {
      title: 'Erase a customer (write)',
      query: REQUEST_DELETION,
      writes: true,
      variables: {
        input: {
          customerId: values.eraseCustomerId ?? ids.eraseCustomerId,
          reason: 'GDPR Art. 17 request, GraphiQL example',
          idempotencyKey: `graphiql-example-erase-${values.eraseCustomerId ?? 'customer'}`,
        },
      },
    },
    {
      title: 'Reload days (write)',
      query: LOAD_DAYS,
      writes: true,
      variables: { days: [isoDay(newest)] },
    },
  ];
}

/** The window's last week of Glue runs, up to now: the cost report then also holds lakegate's own queries (made now). */
function costWindow(newest: number, now: Date): Record<string, unknown> {
  const from = new Date(newest - 6 * DAY_MS).toISOString();
  const to = new Date(Math.max(newest + DAY_MS, startOfUtcDay(now.getTime()) + DAY_MS)).toISOString();
  return { filter: { from, to }, first: 20, from, to };
}

const EMPTY_VALUES: ExampleValues = {
  window: null,
  customerId: null,
  decisionId: null,
  transactionId: null,
  database: null,
  table: null,
  eraseCustomerId: null,
  deletionRequestId: null,
};
