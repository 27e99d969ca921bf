import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { runInResolverFrame } from '../observability/tracing';

/**
 * With tracing on, every field that has a resolver of its own (root fields, field
 * resolvers, @Authorized fields; plain data fields use graphql-js's default
 * resolver, src/server/schema.ts) runs in a resolver frame: a span `Type.field` is
 * made for it only if it reaches a backend or the cache
 * (src/observability/tracing.ts), so a list of thousands of rows adds no span per
 * row. Without tracing the schema is left as built.
 */
export function traceResolvers(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve) continue;
      const name = `${type.name}.${field.name}`;
      const attributes = { 'graphql.field.name': field.name, 'graphql.field.parent_type': type.name };
      const traced: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) =>
        runInResolverFrame(name, { ...attributes, 'graphql.field.path': pathOf(info.path) }, () => resolve(source, args, context, info));
      field.resolve = traced;
    }
  }
}

function pathOf(path: { prev: unknown; key: string | number } | undefined): string {
  const keys: Array<string | number> = [];
  for (let at = path; at; at = at.prev as typeof path) keys.unshift(at.key);
  return keys.join('.');
}
