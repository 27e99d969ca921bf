import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { Counter, Histogram } from 'prom-client';
import type { RequestContext } from '../../context/request-context';
import type { Logger } from '../../observability/logger';
import { metricsRegistry } from '../../observability/metrics';
import { buildExampleTabs, WELCOME_QUERY } from '../graphiql-app/examples';

const operationDuration = new Histogram({
  name: 'lakegate_graphql_operation_seconds',
  help: 'GraphQL operations by name (known names only, others as "other") and outcome (ok, or the first error code sent)',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

const operationErrors = new Counter({
  name: 'lakegate_graphql_errors_total',
  help: 'Errors sent to clients, by code (extensions.code as the client received it)',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

/** The operation names of GraphiQL's bundled examples: known without configuration. */
export function exampleOperationNames(): string[] {
  const names = new Set<string>();
  for (const text of [WELCOME_QUERY, ...buildExampleTabs().map((tab) => tab.query)]) {
    for (const match of text.matchAll(/\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]!);
  }
  return [...names];
}

/** Operation names that label metrics: the configured ones (LAKEGATE_METRICS_OPERATIONS) and GraphiQL's examples. */
export function knownOperationNames(configured: Iterable<string>): Set<string> {
  return new Set([...configured, ...exampleOperationNames()]);
}

/**
 * One JSON log line per operation (with the request id) and an operation histogram.
 *
 * Codes are those the client received (the formatted errors): the raw errors of a
 * resolver are GraphQLErrors wrapping an AppError, without a code of their own.
 * Metric labels are bounded: an operation name is a label only when it is known
 * (LAKEGATE_METRICS_OPERATIONS, or one of GraphiQL's examples); any other name is
 * `other`, so invented names cannot grow /metrics. The log line keeps the name.
 */
export function requestLogPlugin(options: { knownOperations?: Iterable<string> } = {}): ApolloServerPlugin<RequestContext> {
  const known = new Set(options.knownOperations ?? []);
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operationName, operation }) {
          const sent: readonly GraphQLFormattedError[] | undefined = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          const queries = contextValue.scope.queries;
          recordOperation(contextValue.logger, known, {
            name: operationName ?? operation?.name?.value ?? null,
            type: operation?.operation,
            principal: contextValue.principal.id,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            status: response.http.status ?? 200,
            codes: sentCodes(sent),
            backendQueries: queries.length,
            bytesScanned: queries.reduce((s, q) => s + q.bytesScanned, 0),
            cacheHits: contextValue.scope.cache.filter((c) => c.status === 'hit').length,
          });
        },
      };
    },
  };
}

/** The codes of the errors as sent (formatted): a missing code counts as INTERNAL_SERVER_ERROR. */
export function sentCodes(errors: readonly GraphQLFormattedError[] | undefined): string[] {
  return (errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR'));
}

export interface OperationRecord {
  name: string | null;
  type?: string;
  principal?: string;
  ms: number;
  status: number;
  codes: string[];
  backendQueries: number;
  bytesScanned: number;
  cacheHits: number;
}

/**
 * The log line and the metrics of one operation. Also used by the HTTP layer for
 * a request refused before Apollo made its context (an unknown API key: 401
 * UNAUTHENTICATED), which no plugin hook of a request sees.
 */
export function recordOperation(logger: Logger, known: ReadonlySet<string>, record: OperationRecord): void {
  const outcome = record.codes.length === 0 ? 'ok' : record.codes[0]!;
  const label = record.name === null ? 'anonymous' : known.has(record.name) ? record.name : 'other';
  operationDuration.observe({ operation: label, outcome }, record.ms / 1000);
  for (const code of record.codes) operationErrors.inc({ code });
  logger.info(
    {
      operation: record.name ?? 'anonymous',
      type: record.type,
      principal: record.principal,
      ms: Math.round(record.ms * 100) / 100,
      status: record.status,
      errors: record.codes.length ? record.codes : undefined,
      backendQueries: record.backendQueries,
      bytesScanned: record.bytesScanned,
      cacheHits: record.cacheHits,
    },
    'graphql operation',
  );
}
