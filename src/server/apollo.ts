import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import type { RequestContext } from '../context/request-context';
import type { Logger } from '../observability/logger';
import { createFormatError } from './format-error';
import { argumentErrorsPlugin } from './plugins/argument-errors.plugin';
import { costExtensionPlugin } from './plugins/cost-extension.plugin';
import { legacyJsonStatusPlugin } from './plugins/legacy-json-status.plugin';
import { armorProtection } from './plugins/limits.plugin';
import { requestLogPlugin } from './plugins/request-log.plugin';

/**
 * Apollo Server with lakegate's plugins. Limits run before execution; errors leave
 * through formatError only; the landing page is off (GraphiQL is served from our
 * own bundle by the HTTP layer).
 */
export function createApolloServer(schema: GraphQLSchema, config: Config, logger: Logger, extraPlugins: ApolloServerPlugin<RequestContext>[] = []): ApolloServer<RequestContext> {
  const armor = armorProtection(config.limits, config.server.production);
  return new ApolloServer<RequestContext>({
    schema,
    introspection: config.server.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // Shutdown is ours (src/main.ts): Apollo's own signal handlers would race it.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    hideSchemaDetailsFromClientErrors: config.server.production,
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: armor.validationRules,
    formatError: createFormatError(logger),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      argumentErrorsPlugin(),
      ...(armor.plugins as ApolloServerPlugin<RequestContext>[]),
      costExtensionPlugin(),
      legacyJsonStatusPlugin(),
      requestLogPlugin(),
      ...extraPlugins,
    ],
  });
}
