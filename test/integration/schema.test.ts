import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { buildLakegateSchema, printLakegateSchema } from '../../src/server/schema';
import { buildExampleTabs } from '../../src/server/graphiql-app/examples';

/** The committed schema is what the code emits, and every GraphiQL example is valid against it. */
describe('schema', () => {
  test('schema/schema.graphql equals the schema the code emits (run `npm run emit-schema` after changing types)', () => {
    const committed = readFileSync(path.join(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(committed).toBe(printLakegateSchema());
  });

  test('the public contract names are present', () => {
    const sdl = printLakegateSchema();
    for (const field of [
      'decision(id: ID!): Decision',
      'decisionsByTransaction(transactionId: ID!): [Decision!]!',
      'events(',
      'eventStats(input: EventStatsInput!): [EventStat!]!',
      'catalogDatabases(',
      'catalogTable(',
      'glueJobRuns(',
      'costReport(',
      'recordDecision(input: RecordDecisionInput!): Decision!',
    ]) {
      expect(sdl).toContain(field);
    }
  });

  test('every GraphiQL example operation validates against the schema', () => {
    const schema = buildLakegateSchema(undefined);
    const problems: string[] = [];
    for (const tab of buildExampleTabs()) {
      const errors = validate(schema, parse(tab.query));
      for (const e of errors) problems.push(`${tab.title}: ${e.message}`);
    }
    expect(problems).toEqual([]);
  });
});
