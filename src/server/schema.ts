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
  useDeclaredArgumentOrder(schema);
  return schema;
}

/**
 * Arguments in the order the resolver declares them: `costReport(from, to)`.
 * Parameter decorators run last to first, and type-graphql lists a field's
 * arguments in that order, so introspection (GraphiQL's docs explorer, generated
 * clients) showed `costReport(to, from)`. schema.graphql is sorted and unaffected.
 */
function useDeclaredArgumentOrder(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const declared = (target: Function, methodName: string): string[] =>
    storage.params
      .filter((p) => p.target === target && p.methodName === methodName)
      .sort((a, b) => a.index - b.index)
      .flatMap((p) => {
        if (p.kind === 'arg') return [p.name];
        if (p.kind !== 'args') return [];
        const argsType = p.getType() as Function;
        return storage.argumentTypes.filter((t) => t.target === argsType || argsType.prototype instanceof t.target).flatMap((t) => (t.fields ?? []).map((f) => f.schemaName));
      });
  const reorder = (typeName: string | undefined, fieldName: string, order: string[]) => {
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field || field.args.length < 2) return;
    const rank = (name: string) => {
      const at = order.indexOf(name);
      return at === -1 ? order.length : at;
    };
    field.args = [...field.args].sort((a, b) => rank(a.name) - rank(b.name));
  };
  for (const [root, list] of [
    [schema.getQueryType()?.name, storage.queries],
    [schema.getMutationType()?.name, storage.mutations],
    [schema.getSubscriptionType()?.name, storage.subscriptions],
  ] as const) {
    for (const r of list) reorder(root, r.schemaName, declared(r.target, r.methodName));
  }
  for (const r of storage.fieldResolvers) {
    const objectType = storage.objectTypes.find((t) => t.target === r.getObjectType?.());
    reorder(objectType?.name, r.schemaName, declared(r.target, r.methodName));
  }
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
