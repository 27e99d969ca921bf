import 'reflect-metadata';
import { buildLakegateSchema } from '../../../src/server/schema';

/**
 * Introspection (GraphiQL's docs explorer, generated clients) lists arguments in
 * the order the public contract declares them: parameter decorators run last to
 * first, and type-graphql used to list `costReport(to, from)`.
 */
test('arguments are introspected in their declared order', () => {
  const schema = buildLakegateSchema(undefined);
  const args = (type: string, field: string) => {
    const t = schema.getType(type) as unknown as { getFields(): Record<string, { args: ReadonlyArray<{ name: string }> }> };
    return t.getFields()[field]!.args.map((a) => a.name);
  };
  expect(args('Query', 'costReport')).toEqual(['from', 'to']);
  expect(args('Query', 'customerDecisions')).toEqual(['customerId', 'from', 'to', 'first', 'after']);
  expect(args('Query', 'events')).toEqual(['filter', 'first', 'after']);
  expect(args('Query', 'catalogTable')).toEqual(['database', 'name', 'catalogId']);
  expect(args('Query', 'glueJobRuns')).toEqual(['filter', 'first', 'after']);
  expect(args('Query', 'deletionRequests')).toEqual(['status', 'first', 'after']);
  expect(args('CatalogDatabase', 'tables')).toEqual(['nameLike', 'first', 'after']);
});
