import { ApolloServer, type ApolloServerPlugin, type PersistedQueryOptions } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import type { RequestContext } from '../context/request-context';
import type { Logger } from '../observability/logger';
import { tracingEnabled } from '../observability/tracing';
import { createFormatError } from './format-error';
import { noIntrospection } from './introspection-rule';
import { argumentErrorsPlugin } from './plugins/argument-errors.plugin';
import { busyStatusPlugin } from './plugins/busy-status.plugin';
import { costExtensionPlugin } from './plugins/cost-extension.plugin';
import { dataWindowPlugin } from './plugins/data-window.plugin';
import { legacyJsonStatusPlugin } from './plugins/legacy-json-status.plugin';
import { outstandingWorkPlugin } from './plugins/outstanding-work.plugin';
import { armorProtection } from './plugins/limits.plugin';
import { knownOperationNames, requestLogPlugin } from './plugins/request-log.plugin';
import { tracingPlugin } from './plugins/tracing.plugin';
import { responseSizePlugin } from './plugins/response-size.plugin';
import { createStringifyResult } from './stringify-result';

/**
 * Apollo Server with lakegate's plugins. Limits run before execution; errors leave
 * through formatError only; the landing page is off (GraphiQL is served from our
 * own bundle by the HTTP layer).
 *
 * Apollo's cache-control plugin is off: lakegate gives no @cacheControl hints (its
 * cache is on the server, src/cache), so the plugin only ever answered
 * `cache-control: no-store`, which the HTTP layer now sets itself; and its
 * per-field hook made Apollo wrap every field resolver, a cost paid for each
 * field of each answer (bench/cache-vs-constant.mjs).
 *
 * `persistedQueries`: APQ's cache or the trusted documents
 * (src/server/persisted-queries.ts); undefined: Apollo's in-memory APQ.
 */
export function createApolloServer(
  schema: GraphQLSchema,
  config: Config,
  logger: Logger,
  extraPlugins: ApolloServerPlugin<RequestContext>[] = [],
  persistedQueries?: PersistedQueryOptions | false,
): ApolloServer<RequestContext> {
  const armor = armorProtection(config.limits, config.server.production);
  return new ApolloServer<RequestContext>({
    schema,
    // Introspection is always on for Apollo; noIntrospection refuses it, naming LAKEGATE_INTROSPECTION, when it is off.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // Shutdown is ours (src/main.ts): Apollo's own signal handlers would race it.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    ...(persistedQueries !== undefined ? { persistedQueries } : {}),
    hideSchemaDetailsFromClientErrors: config.server.production,
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: [...armor.validationRules, ...(config.server.introspection ? [] : [noIntrospection])],
    formatError: createFormatError(logger, { hideSuggestions: config.server.production }),
    stringifyResult: createStringifyResult(config.limits.maxResponseBytes),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      argumentErrorsPlugin(),
      ...(armor.plugins as ApolloServerPlugin<RequestContext>[]),
      outstandingWorkPlugin(),
      costExtensionPlugin(),
      dataWindowPlugin(),
      legacyJsonStatusPlugin(),
      busyStatusPlugin(),
      responseSizePlugin(),
      requestLogPlugin({ knownOperations: knownOperationNames(config.server.metricsOperations) }),
      // Names the request's span and marks its errors (only when tracing is on: OTEL_EXPORTER_OTLP_ENDPOINT).
      ...(tracingEnabled() ? [tracingPlugin()] : []),
      ...extraPlugins,
    ],
  });
}
