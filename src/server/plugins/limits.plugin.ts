import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { LimitsConfig } from '../../config/config';

/**
 * Limits checked before execution, from graphql-armor: depth, aliases, directives
 * and cost (tokens are limited by graphql-js's parser, see apollo.ts). A query over
 * a limit gets an error naming the limit and its setting; nothing is executed.
 */
function reject(limit: string, setting: string, code: 'QUERY_TOO_COMPLEX' | 'QUERY_TOO_EXPENSIVE') {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const detail = error.message.replace(/^Syntax Error: /, '');
    context?.reportError(
      new GraphQLError(`${detail} (limit ${limit}, ${setting})`, { extensions: { lakegateCode: code, limit } }),
    );
  };
}

export function armorProtection(limits: LimitsConfig, production: boolean) {
  const armor = new ApolloArmor({
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: production },
    maxDepth: { n: limits.maxDepth, propagateOnRejection: false, onReject: [reject('maxDepth', 'LAKEGATE_MAX_DEPTH', 'QUERY_TOO_COMPLEX')] },
    maxAliases: { n: limits.maxAliases, propagateOnRejection: false, onReject: [reject('maxAliases', 'LAKEGATE_MAX_ALIASES', 'QUERY_TOO_COMPLEX')] },
    maxDirectives: { n: limits.maxDirectives, propagateOnRejection: false, onReject: [reject('maxDirectives', 'LAKEGATE_MAX_DIRECTIVES', 'QUERY_TOO_COMPLEX')] },
    costLimit: { maxCost: limits.maxCost, propagateOnRejection: false, onReject: [reject('maxCost', 'LAKEGATE_MAX_COST', 'QUERY_TOO_EXPENSIVE')] },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins, validationRules };
}
