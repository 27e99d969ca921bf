import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type ContainerType } from 'type-graphql';
import { resolverClasses } from '../../resolvers';
import { scopeAuthChecker } from '../auth/auth-checker';
import type { Services } from '../services/services';

/**
 * Builds the executable schema. Resolvers are constructed once with the services
 * (they hold no per-request state; per-request things live in the context).
 */
export function buildLakegateSchema(services: Services | undefined): GraphQLSchema {
  const instances = new Map<unknown, unknown>(resolverClasses.map((cls) => [cls, services ? new cls(services) : undefined]));
  const container: ContainerType = {
    get(someClass) {
      const instance = instances.get(someClass);
      if (!instance) throw new Error(`no resolver instance for ${String((someClass as { name?: string }).name)} (schema built without services)`);
      return instance;
    },
  };
  return buildSchemaSync({
    resolvers: [...resolverClasses] as unknown as [Function, ...Function[]],
    container,
    authChecker: scopeAuthChecker,
    authMode: 'error',
    validate: false,
    emitSchemaFile: false,
  });
}

/** The SDL committed as schema/schema.graphql (sorted, so diffs show real changes). */
export function printLakegateSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildLakegateSchema(undefined)))}\n`;
}
