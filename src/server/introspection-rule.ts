import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses introspection (`__schema`, `__type`) when LAKEGATE_INTROSPECTION is off
 * (the default in production), naming the setting. It replaces Apollo's own rule,
 * whose message tells the operator to "pass introspection: true to ApolloServer",
 * an option lakegate's users never see. Apollo labels it GRAPHQL_VALIDATION_FAILED,
 * like every validation error. `__typename` stays allowed.
 */
export const INTROSPECTION_DISABLED_MESSAGE =
  'GraphQL introspection is disabled on this server (LAKEGATE_INTROSPECTION=false; off by default with NODE_ENV=production). Ask the operator for the schema (schema/schema.graphql) or for LAKEGATE_INTROSPECTION=true';

export function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        context.reportError(new GraphQLError(INTROSPECTION_DISABLED_MESSAGE, { nodes: [node] }));
      }
    },
  };
}
