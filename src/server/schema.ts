import 'reflect-metadata';
import { isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, getMetadataStorage, type ContainerType } from 'type-graphql';
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
  const schema = buildSchemaSync({
    resolvers: [...resolverClasses] as unknown as [Function, ...Function[]],
    container,
    authChecker: scopeAuthChecker,
    authMode: 'error',
    validate: false,
    emitSchemaFile: false,
  });
  useDefaultResolvers(schema);
  return schema;
}

/**
 * type-graphql gives every plain data field (no field resolver, no @Authorized, no
 * middleware) a resolver that reads the property through an empty middleware
 * chain, unless the type says `simpleResolvers`. graphql-js's default resolver
 * reads the same property; using it saves a closure call and an object per field
 * of every answer (an eventStats page has thousands: bench/framework-overhead.mjs).
 * Fields whose schema name differs from the property keep type-graphql's resolver.
 */
function useDefaultResolvers(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const resolved = new Set(storage.fieldResolvers.map((r) => r.methodName));
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    for (const field of objectType.fields ?? []) {
      const plain =
        field.name === field.schemaName &&
        !resolved.has(field.name) &&
        (field.params ?? []).length === 0 &&
        (field.roles ?? []).length === 0 &&
        (field.middlewares ?? []).length === 0 &&
        storage.middlewares.every((m) => m.fieldName !== field.name || m.target !== field.target);
      const built = fields[field.schemaName];
      if (plain && built && built.args.length === 0) built.resolve = undefined;
    }
  }
}

/** The SDL committed as schema/schema.graphql (sorted, so diffs show real changes). */
export function printLakegateSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildLakegateSchema(undefined)))}\n`;
}
