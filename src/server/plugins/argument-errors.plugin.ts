import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';
import type { RequestContext } from '../../context/request-context';

/**
 * graphql-js reports a bad literal argument (unknown enum value, malformed Date)
 * as a validation error that does not name the argument. This plugin finds the
 * argument each such error points at and marks the error BAD_USER_INPUT with the
 * argument's path, e.g. `input.interval`. (Errors in variables already arrive as
 * BAD_USER_INPUT naming the variable path.)
 */
const VALUE_ERROR = /^(Enum "|Expected value of type|Expected type|Int cannot|Float cannot|String cannot|Boolean cannot|ID cannot|Date must|DateTime must|Field ".*" of required type|Field ".*" is not defined by type|Value ".*" does not exist|JSON)/;

export function argumentErrorsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async validationDidStart({ document }) {
          return async (errors?: readonly Error[]) => {
            for (const error of (errors ?? []) as readonly GraphQLError[]) {
              if (!VALUE_ERROR.test(error.message) || !error.nodes?.[0]) continue;
              const argument = argumentPath(document, error.nodes[0]);
              if (!argument) continue;
              const extensions = error.extensions as Record<string, unknown>;
              extensions.lakegateCode = 'BAD_USER_INPUT';
              extensions.argument = argument;
              (error as { message: string }).message = `${argument}: ${error.message}`;
            }
          };
        },
      };
    },
  };
}

/** The dotted path of the argument (and input fields) holding `target`. */
function argumentPath(document: DocumentNode, target: ASTNode): string | undefined {
  let found: string | undefined;
  const path: string[] = [];
  visit(document, {
    enter(node) {
      if (found) return false;
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) path.push(node.name.value);
      if (node === target) found = path.join('.');
      return undefined;
    },
    leave(node) {
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) path.pop();
    },
  });
  return found;
}
